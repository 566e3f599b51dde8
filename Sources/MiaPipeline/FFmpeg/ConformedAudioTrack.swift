import CFFmpeg

/// The one audio track of a normalizing stitch. Every clip's audio (or silence, for a clip without
/// any) is resampled by libavfilter to one rate and layout, padded or trimmed to exactly its share
/// of the video timeline, faded over a few milliseconds at joins, and goes through one AAC
/// encoder, so the track has no seams, priming gaps or drift however many clips there are.
final class ConformedAudioTrack {
    private let output: OutputContainer
    private let encoder: Encoder
    private let fifo: AudioFifo
    private let stream: Int
    private let format: NormalizeTarget.Audio
    private let packet = Packet()
    private let filtered = Frame()
    /// Samples given to the encoder so far, across clips (the next frame's pts).
    private var encodedSamples: Int64 = 0
    /// Samples placed on the timeline so far (encoded or waiting in the FIFO).
    private(set) var position: Int64 = 0
    private var clip: ClipSource?
    private(set) var packetsWritten = 0

    /// Fades at joins: long enough to avoid a click, too short to hear as a fade.
    static let fadeSeconds = 0.005

    /// Adds the track to `output` (before its header is written).
    init(output: OutputContainer, format: NormalizeTarget.Audio, settings: EncodingSettings) throws {
        self.output = output
        self.format = format
        encoder = try settings.audioEncoder(sampleRate: format.sampleRate, channels: format.channels)
        fifo = try AudioFifo(sampleRate: format.sampleRate, channels: format.channels)
        stream = try output.addEncodedStream(from: encoder)
    }

    /// Starts the next clip's audio: `samples` samples from the clip's audio stream (nil: silence).
    /// - Parameters:
    ///   - videoStart: the clip's first video timestamp; its audio is aligned to it.
    ///   - fadeIn, fadeOut: fade at the join before / after this clip.
    func beginClip(_ info: ClipInfo, samples: Int64, fadeIn: Bool, fadeOut: Bool) throws {
        clip = try ClipSource(info, samples: samples, format: format, fadeIn: fadeIn, fadeOut: fadeOut)
    }

    /// Places the current clip's audio up to `target` (a sample position on the output timeline),
    /// encoding whole frames as they fill. Keeps the track just ahead of the video for interleaving.
    func advance(to target: Int64) throws {
        guard let clip else { return }
        while position < target, try clip.next(into: filtered) {
            try fifo.append(filtered)
            position += Int64(filtered.sampleCount)
            try encodeFullFrames()
        }
    }

    /// Places the rest of the current clip's audio.
    func endClip() throws {
        try advance(to: .max)
        clip = nil
    }

    /// Encodes what is left and flushes the encoder.
    func finish() throws {
        while fifo.count > 0 {
            try encode(fifo.take(encoder.frameSize))
        }
        try encoder.send(nil)
        try drain()
    }

    private func encodeFullFrames() throws {
        while fifo.count >= encoder.frameSize {
            try encode(fifo.take(encoder.frameSize))
        }
    }

    private func encode(_ frame: Frame) throws {
        frame.pts = encodedSamples
        encodedSamples += Int64(frame.sampleCount)
        try encoder.send(frame)
        try drain()
    }

    private func drain() throws {
        while case .value = try encoder.receive(into: packet) {
            packet.setStreamIndex(stream)
            packet.rescaleTimestamps(from: encoder.timeBase, to: output.timeBase(ofStream: stream))
            try output.write(packet)
            packetsWritten += 1
        }
    }
}

/// One clip's audio as planar-float frames at the target format, exactly `samples` long.
private final class ClipSource {
    private let input: InputContainer?
    private let decoder: Decoder?
    private let streamIndex: Int
    private let graph: FilterGraph
    private let packet = Packet()
    private let decoded = Frame()
    private let start: Int64
    private let length: Int64
    private var produced: Int64 = 0
    private var inputEnded = false

    init(_ info: ClipInfo, samples: Int64, format: NormalizeTarget.Audio, fadeIn: Bool, fadeOut: Bool) throws {
        length = samples
        let layout = format.channels == 1 ? "mono" : format.channels == 2 ? "stereo" : "\(format.channels)c"
        let fade = max(1, Int64((ConformedAudioTrack.fadeSeconds * Double(format.sampleRate)).rounded()))
        // Sample-exact length: pad with silence past the clip's audio, cut at `samples`.
        var shape = ["aformat=sample_fmts=fltp:channel_layouts=\(layout)", "apad", "atrim=end_sample=\(samples)"]
        if fadeIn && samples > 2 * fade { shape.append("afade=t=in:ss=0:ns=\(fade)") }
        if fadeOut && samples > 2 * fade { shape.append("afade=t=out:ss=\(samples - fade):ns=\(fade)") }

        if let index = info.audioIndex, let audio = info.audio {
            streamIndex = index
            let input = try InputContainer(path: info.path)
            let decoder = try Decoder(input: input, stream: index, threads: 1)
            self.input = input
            self.decoder = decoder
            // Audio is placed against the clip's video start; `async` fills gaps and drops overlaps
            // inside the clip the way ffmpeg's -async does, so it stays in sync to the end.
            let videoStart = info.video.map { $0.timeBase.rescale($0.startTimestamp ?? 0, to: audio.timeBase) } ?? 0
            start = videoStart
            let context = decoder.context.pointee
            var description = [CChar](repeating: 0, count: 128)
            var channelLayout = context.ch_layout
            if channelLayout.order == AV_CHANNEL_ORDER_UNSPEC {
                av_channel_layout_default(&channelLayout, channelLayout.nb_channels)
            }
            av_channel_layout_describe(&channelLayout, &description, description.count)
            graph = try FilterGraph(
                input: .audio(sampleRate: Int(context.sample_rate), sampleFormat: context.sample_fmt.rawValue,
                              channelLayout: String(filledBuffer: description), timeBase: audio.timeBase),
                description: (["aresample=\(format.sampleRate):async=1:first_pts=0"] + shape).joined(separator: ","),
                threads: 1)
        } else {
            streamIndex = -1
            input = nil
            decoder = nil
            start = 0
            graph = try FilterGraph(input: .generated(isVideo: false),
                                    description: (["anullsrc=r=\(format.sampleRate):cl=\(layout)"] + shape).joined(separator: ","),
                                    threads: 1)
        }
    }

    /// The next frame of conformed audio; false at the end of the clip.
    func next(into frame: Frame) throws -> Bool {
        while true {
            switch try graph.pull(into: frame) {
            case .value:
                produced += Int64(frame.sampleCount)
                return true
            case .endOfStream:
                guard produced == length else {
                    throw FFmpegError(code: mia_averror_invaliddata(), function: "audio conform (\(produced) of \(length) samples)", path: input?.path)
                }
                return false
            case .needsInput:
                try feed()
            }
        }
    }

    /// Decodes until the graph has something new, or tells it the input ended.
    private func feed() throws {
        guard let input, let decoder, !inputEnded else {
            try graph.push(nil)
            return
        }
        while true {
            switch try decoder.receive(into: decoded) {
            case .value:
                if let pts = decoded.bestEffortTimestamp { decoded.pts = pts - start }
                try graph.push(decoded)
                return
            case .endOfStream:
                inputEnded = true
                try graph.push(nil)
                return
            case .needsInput:
                if try input.read(into: packet) {
                    if packet.streamIndex == streamIndex { try decoder.send(packet) }
                } else {
                    try decoder.send(nil)
                }
            }
        }
    }
}
