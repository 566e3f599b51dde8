import Foundation
import MiaFFmpeg

/// Turns a scene's own file into its clip, in the plan's size, rate and codecs (the settings template cards
/// use, so the stitch joins it by copy), exactly `seconds` long. Local work: it costs nothing.
///
/// - A video is read by libavfilter's `movie` source, brought to the frame rate (`fps`) and fitted inside the
///   frame (scaled, centred, black bars); longer than the scene, it is cut at the scene's end; shorter, it
///   plays again from its start (a new graph per pass: `movie`'s own loop restarts its timestamps, which
///   `fps` then drops). Its sound is kept the same way, resampled to the plan's rate and layout (silence for
///   a file without sound); the soundtrack pass ducks it under the narration.
/// - An image fills the frame (cropped to its shape) and zooms in slowly, 1.0× to 1.1× over the scene, about
///   its centre (`zoompan`). `zoompan` crops at whole pixels of its input, which makes small moves jitter: the
///   image is first scaled to four times the frame, so a step is a quarter of an output pixel.
enum OwnMediaClip {
    /// How far the Ken Burns zoom goes over a scene.
    static let zoom = 0.1
    /// The image is scaled to this many times the frame before `zoompan` (see above).
    static let oversample = 4

    /// - Throws: `MiaError` naming `source` when it cannot be read or gives no picture.
    static func write(_ source: String, kind: SceneMedia.Kind, seconds: Double, target: TargetFormat, to path: String) throws {
        let settings = EncodingSettings()
        let fps = Rational(target.fps, 1)
        let frames = max(1, Int((seconds * Double(target.fps)).rounded()))
        let samples = max(0, Int((seconds * Double(settings.audioSampleRate)).rounded()))
        let video = try settings.videoEncoder(width: target.width, height: target.height, fps: fps)
        let audio = try settings.audioEncoder(sampleRate: settings.audioSampleRate, channels: settings.audioChannels)
        let output = try OutputContainer(path: path, formatName: "mp4")
        let videoStream = try output.addEncodedStream(from: video)
        let audioStream = try output.addEncodedStream(from: audio)
        try output.writeHeader(options: ["movflags": "+faststart"])
        let packet = Packet()
        func drain(_ encoder: Encoder, _ stream: Int, from timeBase: Rational) throws {
            while case .value = try encoder.receive(into: packet) {
                packet.setStreamIndex(stream)
                packet.rescaleTimestamps(from: timeBase, to: output.timeBase(ofStream: stream))
                try output.write(packet)
            }
        }
        let file = FilterGraph.escapedOption(source)
        let (w, h) = (target.width, target.height)
        let picture = kind == .image
            ? "movie=\(file),scale=\(w * oversample):\(h * oversample):force_original_aspect_ratio=increase,"
                + "crop=\(w * oversample):\(h * oversample),"
                + "zoompan=z='1+\(zoom)*on/\(max(1, frames - 1))':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=\(frames):s=\(w)x\(h):fps=\(target.fps),"
                + "setsar=1,format=yuv420p"
            : "movie=\(file),fps=\(target.fps),scale=\(w):\(h):force_original_aspect_ratio=decrease:force_divisible_by=2,"
                + "pad=\(w):\(h):(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p"
        var written = 0
        try repeating(source, description: picture, isVideo: true, until: { written >= frames }) { frame in
            frame.pts = Int64(written)
            frame.forceKeyframe(false)
            try video.send(frame)
            written += 1
            try drain(video, videoStream, from: Rational(1, target.fps))
        }
        try video.send(nil)
        try drain(video, videoStream, from: Rational(1, target.fps))

        let fifo = try AudioFifo(sampleRate: settings.audioSampleRate, channels: settings.audioChannels)
        var sent = 0
        func send(_ frame: Frame) throws {
            frame.pts = Int64(sent)
            sent += frame.sampleCount
            try audio.send(frame)
            try drain(audio, audioStream, from: audio.timeBase)
        }
        let hasSound = kind == .video && (try? MediaProbe.inspectHeader(source))?.audio != nil
        if hasSound {
            var queued = 0
            let sound = "amovie=\(file),aresample=\(settings.audioSampleRate),"
                + "aformat=sample_fmts=fltp:channel_layouts=\(ClipSource.layoutName(channels: settings.audioChannels))"
            try repeating(source, description: sound, isVideo: false, until: { queued >= samples }) { frame in
                let take = min(frame.sampleCount, samples - queued)
                try fifo.append(frame, samples: take)
                queued += take
                while fifo.count >= audio.frameSize { try send(fifo.take(audio.frameSize)) }
            }
            if fifo.count > 0 { try send(fifo.take(fifo.count)) }
        } else {
            while sent < samples {
                try send(Frame.silence(samples: min(audio.frameSize, samples - sent), rate: audio.sampleRate, channels: audio.channels))
            }
        }
        try audio.send(nil)
        try drain(audio, audioStream, from: audio.timeBase)
        try output.finish()
    }

    /// Pulls every frame `description` makes, building the graph again each time it ends, until `done`.
    /// - Throws: `MiaError` naming `source` when a pass yields nothing (it would loop for ever).
    private static func repeating(_ source: String, description: String, isVideo: Bool, until done: () -> Bool,
                                  _ body: (Frame) throws -> Void) throws {
        let frame = Frame()
        while !done() {
            let graph: FilterGraph
            do {
                graph = try FilterGraph(input: .generated(isVideo: isVideo), description: description, threads: 1)
            } catch let error as FFmpegError {
                throw MiaError(file: source, "cannot read it (\(error.message))", cause: error)
            }
            var pulled = 0
            pass: while !done() {
                let step: CodecStep<Void>
                do { step = try graph.pull(into: frame) } catch let error as FFmpegError {
                    throw MiaError(file: source, "cannot read it (\(error.message))", cause: error)
                }
                switch step {
                case .value:
                    pulled += 1
                    try body(frame)
                case .endOfStream, .needsInput:
                    break pass
                }
            }
            if pulled == 0, !done() {
                throw MiaError(file: source, "holds no \(isVideo ? "picture" : "sound") to show")
            }
        }
    }
}
