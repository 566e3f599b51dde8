import Foundation
import MiaFFmpeg

/// One picture taken from a video or an image file, scaled with FFmpeg's filters, and written as PNG by
/// FFmpeg's encoder: the contact sheets' cells, and the first frame an animated image is sent as.
enum StillFrame {
    /// The frame shown at `seconds` (the first whose time is not before it, or the last one), fitted
    /// into `width`x`height` as RGBA: letterboxed when its shape differs, or with `fill` scaled to cover the
    /// frame and cut to it (centred).
    /// - Throws: `MiaError` naming the video when it has no picture or cannot be decoded.
    static func rgba(of video: String, at seconds: Double, width: Int, height: Int, fill: Bool = false) throws -> [UInt8] {
        do {
            let input = try InputContainer(path: video)
            guard let stream = input.bestStream(.video) else { throw MiaError(file: video, "has no video stream") }
            input.readOnly([stream])
            let timeBase = input.timeBase(ofStream: stream)
            let decoder = try Decoder(input: input, stream: stream)
            try input.seek(stream: stream, toSeconds: seconds)
            let packet = Packet(), decoded = Frame(), shown = Frame()
            var found = false, reachedTarget = false, draining = false
            decoding: while !reachedTarget {
                if !draining {
                    if try input.read(into: packet) {
                        guard packet.streamIndex == stream else { continue }
                        try decoder.send(packet)
                    } else {
                        try decoder.send(nil)
                        draining = true
                    }
                }
                while true {
                    switch try decoder.receive(into: decoded) {
                    case .value:
                        try shown.reference(decoded)
                        found = true
                        if let time = decoded.bestEffortTimestamp, Double(time) * timeBase.value >= seconds - 0.0005 {
                            reachedTarget = true
                            continue decoding
                        }
                    case .needsInput:
                        continue decoding
                    case .endOfStream:
                        break decoding
                    }
                }
            }
            guard found else { throw MiaError(file: video, "has no picture to show at \(ContactSheet.clock(seconds))") }
            let fit = fill
                ? "scale=\(width):\(height):force_original_aspect_ratio=increase,crop=\(width):\(height),setsar=1,format=rgba"
                : "scale=\(width):\(height):force_original_aspect_ratio=decrease,pad=\(width):\(height):(ow-iw)/2:(oh-ih)/2,format=rgba"
            let graph = try FilterGraph(input: .video(width: shown.width, height: shown.height, pixelFormat: shown.pixelFormat,
                                                      timeBase: timeBase, sampleAspectRatio: shown.sampleAspectRatio),
                                        description: fit, threads: 1)
            try graph.push(shown)
            try graph.push(nil)
            let scaled = Frame()
            guard case .value = try graph.pull(into: scaled) else {
                throw MiaError(file: video, "gave no picture at \(ContactSheet.clock(seconds))")
            }
            return try scaled.rgbaPixels()
        } catch let error as FFmpegError {
            throw MiaError(.file(video), "cannot take its frame at \(ContactSheet.clock(seconds))", ffmpeg: error)
        }
    }

    /// One PNG file's bytes, from FFmpeg's PNG encoder.
    static func png(_ rgba: [UInt8], width: Int, height: Int) throws -> [UInt8] {
        let encoder = try Encoder(.init(name: "png", media: .picture(width: width, height: height), globalHeader: false))
        try encoder.send(try Frame.picture(rgba: rgba, width: width, height: height))
        try encoder.send(nil)
        let packet = Packet()
        var bytes: [UInt8] = []
        while case .value = try encoder.receive(into: packet) { bytes += packet.data }
        return bytes
    }
}
