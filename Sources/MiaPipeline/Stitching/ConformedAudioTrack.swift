import MiaFFmpeg

/// The one audio track of a normalizing stitch. Every clip's audio (or silence, for a clip without
/// any) is resampled by libavfilter to one rate and layout and padded or trimmed to exactly its
/// share of the video timeline; at a cut (and at the end, where a clip fitted to its scene may be
/// cut mid-sound) it fades over a few milliseconds (no click), at a crossfade it overlaps the clip
/// before (a crossfade). One AAC encoder makes the whole track, so it has no
/// seams, priming gaps or drift however many clips there are.
final class ConformedAudioTrack {
    /// One clip's share of the track.
    struct Part {
        let clip: ClipInfo
        /// Samples of the clip's audio used: its share of the video timeline (padded with silence
        /// where the clip's audio ends sooner).
        let samples: Int64
        /// Samples shared with the part before (a crossfade); 0 for a cut.
        let overlap: Int64
    }

    private let output: OutputContainer
    private let encoder: Encoder
    private let format: NormalizeTarget.Audio
    private let parts: [Part]
    private let stream: Int
    private let packet = Packet()
    private let filtered = Frame()
    /// Samples placed on the output timeline, waiting for a whole encoder frame.
    private let placed: AudioFifo
    /// Splits a source frame where it crosses from one region (head, middle, tail) to the next.
    private let staging: AudioFifo
    /// The start of the current part and the end of the one before, to be crossfaded.
    private let head: AudioFifo, tail: AudioFifo
    private var partIndex = 0
    private var source: ClipSource?
    /// Samples taken from the current part's source.
    private var taken: Int64 = 0
    /// Samples given to the encoder so far (the next frame's pts).
    private var encodedSamples: Int64 = 0
    /// Samples placed on the output timeline so far.
    private(set) var position: Int64 = 0
    private(set) var packetsWritten = 0

    /// Fades at cuts: long enough to avoid a click, too short to hear as a fade.
    static let fadeSeconds = 0.005

    /// Adds the track to `output` (before its header is written).
    init(output: OutputContainer, format: NormalizeTarget.Audio, settings: EncodingSettings, parts: [Part]) throws {
        self.output = output
        self.format = format
        self.parts = parts
        encoder = try settings.audioEncoder(sampleRate: format.sampleRate, channels: format.channels)
        placed = try AudioFifo(sampleRate: format.sampleRate, channels: format.channels)
        staging = try AudioFifo(sampleRate: format.sampleRate, channels: format.channels)
        head = try AudioFifo(sampleRate: format.sampleRate, channels: format.channels)
        tail = try AudioFifo(sampleRate: format.sampleRate, channels: format.channels)
        stream = try output.addEncodedStream(from: encoder)
    }

    /// Places audio up to `target` (a sample position on the output timeline), encoding whole
    /// frames as they fill: called as the video is written, so the file interleaves.
    func advance(to target: Int64) throws {
        while position < target, partIndex < parts.count {
            if source == nil {
                let part = parts[partIndex]
                let next = partIndex + 1 < parts.count ? parts[partIndex + 1] : nil
                source = try ClipSource(part.clip, samples: part.samples, format: format,
                                        fadeIn: partIndex > 0 && part.overlap == 0, fadeOut: next.map { $0.overlap == 0 } ?? true)
                taken = 0
            }
            if try source!.next(into: filtered) {
                try route(filtered)
            } else {
                source = nil
                partIndex += 1
            }
        }
    }

    /// Places everything left, encodes it and flushes the encoder.
    func finish() throws {
        try advance(to: .max)
        while placed.count > 0 {
            try encode(placed.take(encoder.frameSize))
        }
        try encoder.send(nil)
        try drain()
    }

    /// Sends a frame of the current part to its region: the head (crossfaded with the previous
    /// part's tail), the middle (placed as is) or the tail (kept for the next part's crossfade).
    private func route(_ frame: Frame) throws {
        let part = parts[partIndex]
        let tailStart = part.samples - (partIndex + 1 < parts.count ? parts[partIndex + 1].overlap : 0)
        try staging.append(frame)
        while staging.count > 0 {
            let available = Int64(staging.count)
            if taken < part.overlap {
                let count = min(available, part.overlap - taken)
                try head.append(staging.take(Int(count)))
                taken += count
                if taken == part.overlap { try crossfade(samples: part.overlap) }
            } else if taken >= tailStart {
                try tail.append(staging.take(Int(available)))
                taken += available
            } else {
                let count = min(available, tailStart - taken)
                try place(staging.take(Int(count)))
                taken += count
            }
        }
    }

    /// The previous part's tail fading out under this part's head fading in, over `samples`
    /// (`afade` + `amix`, what `acrossfade` does; its FFmpeg 5.1 version stalls when each side
    /// arrives as one frame).
    private func crossfade(samples: Int64) throws {
        let layout = ClipSource.layoutName(channels: format.channels)
        let input = FilterGraph.Input.audio(sampleRate: format.sampleRate, sampleFormat: .planarFloat,
                                            channelLayout: layout, timeBase: Rational(1, format.sampleRate))
        let graph = try FilterGraph(inputs: [input, input], isVideo: false,
                                    description: "[in0]afade=t=out:ns=\(samples)[out];[in1]afade=t=in:ns=\(samples)[in];[out][in]amix=inputs=2:normalize=0",
                                    threads: 1)
        let outgoing = try tail.take(Int(samples)), incoming = try head.take(Int(samples))
        outgoing.pts = 0
        incoming.pts = 0
        try graph.push(outgoing, to: 0)
        try graph.push(nil, to: 0)
        try graph.push(incoming, to: 1)
        try graph.push(nil, to: 1)
        var mixed: Int64 = 0
        while mixed < samples, case .value = try graph.pull(into: filtered) {
            mixed += Int64(filtered.sampleCount)
            try place(filtered)
        }
        guard mixed == samples else {
            throw MiaError("the audio crossfade made \(mixed) of \(samples) samples")
        }
    }

    private func place(_ frame: Frame) throws {
        try placed.append(frame)
        position += Int64(frame.sampleCount)
        while placed.count >= encoder.frameSize {
            try encode(placed.take(encoder.frameSize))
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

/// One clip's audio (or a narration's, or music's) as planar-float frames at the target format, exactly
/// `samples` long, or (`samples` nil) as long as the file's audio decodes.
final class ClipSource {
    private let input: InputContainer?
    private let decoder: Decoder?
    private let streamIndex: Int
    private let graph: FilterGraph
    private let packet = Packet()
    private let decoded = Frame()
    private let start: Int64
    private let length: Int64?
    private var produced: Int64 = 0
    private var inputEnded = false

    init(_ info: ClipInfo, samples: Int64?, format: NormalizeTarget.Audio, fadeIn: Bool = false, fadeOut: Bool = false) throws {
        length = samples
        let layout = Self.layoutName(channels: format.channels)
        let fade = max(1, Int64((ConformedAudioTrack.fadeSeconds * Double(format.sampleRate)).rounded()))
        var shape = ["aformat=sample_fmts=fltp:channel_layouts=\(layout)"]
        if let samples {
            // Sample-exact length: pad with silence past the clip's audio, cut at `samples`.
            shape += ["apad", "atrim=end_sample=\(samples)"]
            if fadeIn && samples > 2 * fade { shape.append("afade=t=in:ss=0:ns=\(fade)") }
            if fadeOut && samples > 2 * fade { shape.append("afade=t=out:ss=\(samples - fade):ns=\(fade)") }
        }

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
            graph = try FilterGraph(
                input: decoder.audioInput(timeBase: audio.timeBase),
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

    static func layoutName(channels: Int) -> String {
        channels == 1 ? "mono" : channels == 2 ? "stereo" : "\(channels)c"
    }

    /// The next frame of conformed audio; false at the end of the clip.
    func next(into frame: Frame) throws -> Bool {
        while true {
            switch try graph.pull(into: frame) {
            case .value:
                produced += Int64(frame.sampleCount)
                return true
            case .endOfStream:
                if let length, produced != length {
                    // Found by us, not by an FFmpeg call: said as what is wrong, not as "… failed".
                    let problem = "its audio came out as \(produced) of \(length) samples"
                    throw input.map { MiaError(file: $0.path, "cannot read its audio: \(problem)") } ?? MiaError(problem)
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
