import MiaFFmpeg

/// Writes a card movie: H.264 (libx264) + silent AAC in MP4, moov first.
///
/// Frames that change are encoded by x264; a still stretch after them is the last picture
/// repeated with `H264StaticFrames` (skip pictures, and the still's IDR again at each keyframe
/// interval), so its cost does not grow with the card's length.
final class CardMovieWriter {
    private let output: OutputContainer
    private let video: Encoder
    private let audio: Encoder
    private let scaler: Scaler
    private let picture: Frame
    private let stills: H264StaticFrames
    private let videoStream: Int
    private let audioStream: Int
    private let frameTime: Rational
    private let keyframeInterval: Int
    private let packet = Packet()
    /// The latest IDR packet from x264 (Annex B) and its frame index: what a still stretch repeats.
    private var lastKeyframe: (bytes: [UInt8], index: Int)?
    private(set) var framesWritten = 0

    /// - Parameter fps: frames per second as a fraction (30/1, 30000/1001).
    init(path: String, width: Int, height: Int, fps: Rational, settings: EncodingSettings) throws {
        frameTime = Rational(fps.den, fps.num)
        keyframeInterval = settings.keyframeInterval(fps: fps)
        video = try settings.videoEncoder(width: width, height: height, fps: fps)
        audio = try settings.audioEncoder(sampleRate: settings.audioSampleRate, channels: settings.audioChannels)
        stills = try H264StaticFrames(extradata: video.extradata)
        scaler = try Scaler(width: width, height: height)
        picture = try Frame.video(width: width, height: height)
        output = try OutputContainer(path: path, formatName: "mp4")
        videoStream = try output.addEncodedStream(from: video)
        audioStream = try output.addEncodedStream(from: audio)
        try output.writeHeader(options: ["movflags": "+faststart"])
    }

    /// Encodes one picture (RGBA) with x264 as the next frame.
    func encode(rgba: [UInt8], keyframe: Bool) throws {
        try scaler.convert(rgba, into: picture)
        picture.pts = Int64(framesWritten)
        picture.forceKeyframe(keyframe)
        try video.send(picture)
        framesWritten += 1
        try drainVideo()
    }

    /// Repeats the last encoded picture (which must have been encoded as a keyframe) `count` times.
    func repeatStill(count: Int) throws {
        try video.send(nil)
        try drainVideo()
        guard count > 0 else { return }
        guard let still = lastKeyframe, still.index == framesWritten - 1 else {
            throw MiaError("internal: a still stretch must follow a keyframe")
        }
        var sinceKeyframe = 0
        for _ in 0..<count {
            sinceKeyframe += 1
            let isKey = sinceKeyframe == keyframeInterval
            if isKey { sinceKeyframe = 0 }
            let repeated = try Packet(bytes: isKey ? still.bytes : stills.skipPicture(frameNum: sinceKeyframe))
            repeated.rawPTS = Int64(framesWritten)
            repeated.rawDTS = Int64(framesWritten)
            repeated.setDuration(1)
            repeated.setKeyframe(isKey)
            try writeVideo(repeated)
            framesWritten += 1
        }
    }

    /// Writes exactly `samples` samples of silence.
    func writeSilence(samples: Int) throws {
        let frameSize = max(1, audio.frameSize)
        var written = 0
        let full = try Frame.silence(samples: frameSize, rate: audio.sampleRate, channels: audio.channels)
        while written < samples {
            let count = min(frameSize, samples - written)
            let frame = count == frameSize ? full : try Frame.silence(samples: count, rate: audio.sampleRate, channels: audio.channels)
            frame.pts = Int64(written)
            try audio.send(frame)
            written += count
            try drainAudio()
        }
        try audio.send(nil)
        try drainAudio()
    }

    func finish() throws { try output.finish() }

    // MARK: - Packets

    private func drainVideo() throws {
        while case .value = try video.receive(into: packet) {
            if packet.isKeyframe { lastKeyframe = (packet.bytes, Int(packet.rawPTS)) }
            try writeVideo(packet)
        }
    }

    private func writeVideo(_ packet: Packet) throws {
        packet.setStreamIndex(videoStream)
        packet.rescaleTimestamps(from: frameTime, to: output.timeBase(ofStream: videoStream))
        try output.write(packet)
    }

    private func drainAudio() throws {
        while case .value = try audio.receive(into: packet) {
            packet.setStreamIndex(audioStream)
            packet.rescaleTimestamps(from: audio.timeBase, to: output.timeBase(ofStream: audioStream))
            try output.write(packet)
        }
    }
}
