import MiaFFmpeg

/// Re-encodes clips' video to a normalize target. Each clip's pictures come from
/// `ConformedPictures` (decode, then libavfilter scale/pad-or-crop/fps/yuv420p); they are encoded by
/// libx264 with the shared `EncodingSettings` into video-only mp4 segments that join by copy.
struct VideoConformer {
    let target: NormalizeTarget
    let settings: EncodingSettings
    /// Threads for one clip's decoder, filters and encoder (clips run side by side).
    var threads: Int
    /// Captions to draw on every picture (`--captions burn`), or nil.
    var captions: CaptionOverlay.Source? = nil

    /// Writes pictures `range` of the clip's `frames` conformed pictures into `segment`.
    /// - Parameter outputFrame: where the segment's first picture sits on the output timeline (for captions).
    /// - Throws: `FFmpegError` from decoding, filtering or encoding.
    func conform(_ clip: ClipInfo, frames: Int, range: Range<Int>, into segment: String, outputFrame: Int) throws {
        let pictures = try ConformedPictures(clip, target: target, frames: frames, threads: threads)
        let writer = try SegmentWriter(path: segment, target: target, settings: settings, threads: threads)
        let overlay = try captions.map { try CaptionOverlay($0, target: target, threads: threads) }
        try pictures.skip(range.lowerBound)
        for offset in 0..<range.count {
            guard let picture = try pictures.next() else { break }
            try writer.encode(overlay?.draw(picture, frame: outputFrame + offset) ?? picture)
        }
        try writer.finish()
    }

    /// Writes a crossfade of `count` pictures: the last `count` of `outgoing` dissolving into the
    /// first `count` of `incoming` (libavfilter's `xfade`).
    func crossfade(from outgoing: (clip: ClipInfo, frames: Int), to incoming: (clip: ClipInfo, frames: Int),
                   count: Int, into segment: String, outputFrame: Int) throws {
        let first = try ConformedPictures(outgoing.clip, target: target, frames: outgoing.frames, threads: threads)
        let second = try ConformedPictures(incoming.clip, target: target, frames: incoming.frames, threads: threads)
        try first.skip(outgoing.frames - count)
        let writer = try SegmentWriter(path: segment, target: target, settings: settings, threads: threads)
        let overlay = try captions.map { try CaptionOverlay($0, target: target, threads: threads) }
        let frameTime = Rational(target.fps.den, target.fps.num)
        let picture = FilterGraph.Input.video(width: target.width, height: target.height, pixelFormat: .yuv420p,
                                              timeBase: frameTime, sampleAspectRatio: Rational(1, 1), frameRate: target.fps)
        let seconds = Double(count) * frameTime.value
        let graph = try FilterGraph(inputs: [picture, picture], isVideo: true,
                                    description: "[in0][in1]xfade=transition=fade:duration=\(seconds):offset=0,format=yuv420p",
                                    threads: threads)
        let blended = Frame()
        var written = 0
        func drain() throws {
            while written < count, case .value = try graph.pull(into: blended) {
                try writer.encode(overlay?.draw(blended, frame: outputFrame + written) ?? blended)
                written += 1
            }
        }
        for index in 0..<count {
            guard let a = try first.next(), let b = try second.next() else { break }
            a.pts = Int64(index)
            b.pts = Int64(index)
            try graph.push(a, to: 0)
            try graph.push(b, to: 1)
            try drain()
        }
        try graph.push(nil, to: 0)
        try graph.push(nil, to: 1)
        try drain()
        guard written == count else {
            // Found by us, not by an FFmpeg call: said as what is wrong, not as "… failed".
            throw MiaError(file: incoming.clip.path, "cannot re-encode its video: the crossfade made \(written) of \(count) pictures")
        }
        try writer.finish()
    }
}

/// One clip's pictures in the target format, one at a time: exactly `frames` of them. A clip
/// longer than that is cut; one shorter holds its last picture to the end (the frame-rate
/// conversion rounding its end, or a clip held to its scene's length).
final class ConformedPictures {
    private let input: InputContainer
    private let decoder: Decoder
    private let streamIndex: Int
    private let video: StreamInfo
    private let target: NormalizeTarget
    private let threads: Int
    private let frames: Int
    private var graph: FilterGraph?
    private let packet = Packet(), decoded = Frame(), filtered = Frame()
    private var lastPicture: Frame?
    private var previousPTS: Int64?
    /// Where the latest picture ends (its time plus a frame), relative to the clip's start.
    private var picturesEnd: Int64 = 0
    private var produced = 0
    private var inputEnded = false, decoderEnded = false

    init(_ clip: ClipInfo, target: NormalizeTarget, frames: Int, threads: Int) throws {
        guard let index = clip.videoIndex, let video = clip.video else {
            throw MiaError(file: clip.path, "cannot re-encode its video: it has no video stream")
        }
        input = try InputContainer(path: clip.path)
        decoder = try Decoder(input: input, stream: index, threads: threads)
        streamIndex = index
        self.video = video
        self.target = target
        self.threads = threads
        self.frames = frames
    }

    /// Skips `count` pictures.
    func skip(_ count: Int) throws {
        for _ in 0..<count where try next() != nil {}
    }

    /// The next picture (valid until the next call), or nil after the last.
    func next() throws -> Frame? {
        guard produced < frames else { return nil }
        while true {
            if let graph {
                switch try graph.pull(into: filtered) {
                case .value:
                    produced += 1
                    let kept = lastPicture ?? Frame()
                    try kept.reference(filtered)
                    lastPicture = kept
                    return filtered
                case .endOfStream:
                    guard let lastPicture else {
                        throw MiaError(file: input.path, "cannot re-encode its video: no video frame could be decoded")
                    }
                    produced += 1
                    return lastPicture
                case .needsInput:
                    break
                }
            }
            try feed()
        }
    }

    /// Decodes until one picture went into the graph, or tells the graph the clip ended.
    private func feed() throws {
        while true {
            switch try decoder.receive(into: decoded) {
            case .value:
                let start = video.startTimestamp ?? 0
                let pts = decoded.bestEffortTimestamp.map { $0 - start }
                    ?? previousPTS.map { $0 + video.frameTicks } ?? 0
                previousPTS = pts
                picturesEnd = max(picturesEnd, pts + video.frameTicks)
                decoded.pts = pts
                if graph == nil { graph = try makeGraph(for: decoded) }
                try graph!.push(decoded)
                return
            case .endOfStream:
                guard let graph, !decoderEnded else {
                    throw MiaError(file: input.path, "cannot re-encode its video: no video frame could be decoded")
                }
                decoderEnded = true
                // Ended after the last picture's own duration, so the rate conversion keeps it.
                try graph.close(at: picturesEnd)
                return
            case .needsInput:
                if inputEnded { continue }
                if try input.read(into: packet) {
                    if packet.streamIndex == streamIndex { try decoder.send(packet) }
                } else {
                    inputEnded = true
                    try decoder.send(nil)
                }
            }
        }
    }

    /// scale (display shape kept) → pad or crop → square pixels → constant frame rate → yuv420p,
    /// built from the first picture's real size and format.
    private func makeGraph(for picture: Frame) throws -> FilterGraph {
        let width = picture.width, height = picture.height
        let aspect = picture.sampleAspectRatio
        let scaled = target.scaledSize(sourceWidth: width, sourceHeight: height, sampleAspect: aspect)
        var chain = ["scale=\(scaled.width):\(scaled.height):in_color_matrix=\(Self.colorMatrix(of: picture)):out_color_matrix=bt709"
                     + ":in_range=\(picture.isFullRange ? "pc" : "tv"):out_range=tv"]
        switch target.fit {
        case .pad:
            chain.append("pad=\(target.width):\(target.height):\((target.width - scaled.width) / 4 * 2):\((target.height - scaled.height) / 4 * 2):color=black")
        case .crop:
            chain.append("crop=\(target.width):\(target.height):\((scaled.width - target.width) / 2):\((scaled.height - target.height) / 2)")
        }
        chain += ["setsar=1", "fps=fps=\(target.fps.num)/\(target.fps.den):round=near", "format=yuv420p"]
        return try FilterGraph(input: .video(width: width, height: height, pixelFormat: picture.pixelFormat,
                                             timeBase: video.timeBase, sampleAspectRatio: aspect),
                               description: chain.joined(separator: ","), threads: threads)
    }
}

extension ConformedPictures {
    /// The YCbCr matrix a picture was made with: its tag, else what untagged video of its size
    /// conventionally is (HD BT.709, SD BT.601). The output is BT.709, so an HD source is not
    /// converted at all and an SD one gets its colours right.
    static func colorMatrix(of picture: Frame) -> String {
        picture.taggedColorMatrix ?? (picture.height >= 720 ? "bt709" : "bt601")
    }
}

/// Encodes pictures with the shared settings into an mp4: a video-only segment for the normalizing
/// stitch, or (with `audio`) a whole clip of its own, its sound encoded beside it (own-media scenes).
final class SegmentWriter {
    private let encoder: Encoder
    /// The AAC encoder of a clip with sound; its sample rate, channels and frame size are the caller's to follow.
    let audio: Encoder?
    private let output: OutputContainer
    private let stream: Int
    private let audioStream: Int?
    private let packet = Packet()
    private(set) var picturesWritten = 0
    private var samplesWritten = 0
    private var picturesFinished = false

    init(path: String, target: NormalizeTarget, settings: EncodingSettings, threads: Int, withAudio: Bool = false) throws {
        encoder = try settings.videoEncoder(width: target.width, height: target.height, fps: target.fps, threads: threads)
        audio = withAudio ? try settings.audioEncoder(sampleRate: settings.audioSampleRate, channels: settings.audioChannels) : nil
        let output = try OutputContainer(path: path, formatName: "mp4")
        stream = try output.addEncodedStream(from: encoder)
        audioStream = try audio.map { try output.addEncodedStream(from: $0) }
        self.output = output
        // A clip of its own is played and copied as it is: index first. A segment is only read back once.
        try output.writeHeader(options: withAudio ? ["movflags": "+faststart"] : [:])
    }

    func encode(_ picture: Frame) throws {
        picture.pts = Int64(picturesWritten)
        picture.forceKeyframe(false)
        try encoder.send(picture)
        picturesWritten += 1
        try drain(encoder, stream)
    }

    /// Encodes the next stretch of sound (as many samples as the encoder's frame size, except the last).
    func encodeSound(_ frame: Frame) throws {
        guard let audio, let audioStream else { return }
        frame.pts = Int64(samplesWritten)
        samplesWritten += frame.sampleCount
        try audio.send(frame)
        try drain(audio, audioStream)
    }

    /// Flushes the video encoder: no more pictures.
    func finishPictures() throws {
        guard !picturesFinished else { return }
        picturesFinished = true
        try encoder.send(nil)
        try drain(encoder, stream)
    }

    func finish() throws {
        try finishPictures()
        if let audio, let audioStream {
            try audio.send(nil)
            try drain(audio, audioStream)
        }
        try output.finish()
    }

    private func drain(_ encoder: Encoder, _ stream: Int) throws {
        while case .value = try encoder.receive(into: packet) {
            // libx264 leaves durations unset; without one the muxer shortens the last frame.
            if packet.duration <= 0 { packet.setDuration(1) }
            packet.setStreamIndex(stream)
            packet.rescaleTimestamps(from: encoder.timeBase, to: output.timeBase(ofStream: stream))
            try output.write(packet)
        }
    }
}
