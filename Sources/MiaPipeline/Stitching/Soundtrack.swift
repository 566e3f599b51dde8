import Foundation
import MiaFFmpeg

/// One scene's narration on the output timeline.
public struct NarrationCue: Sendable, Equatable {
    /// The scene it belongs to (1-based, as the plan numbers it), for messages.
    public var scene: Int
    /// The narration audio (a WAV from the voice step).
    public var file: String
    /// Seconds from the start of the video to the first sample of `file`: the scene's chapter
    /// start plus its lead-in.
    public var start: Double
    /// Seconds where the scene ends: the narration never sounds past it.
    public var sceneEnd: Double

    public init(scene: Int, file: String, start: Double, sceneEnd: Double) {
        self.scene = scene
        self.file = file
        self.start = start
        self.sceneEnd = sceneEnd
    }
}

/// What the soundtrack pass did to the audio, and how loud the result is (EBU R128, measured by
/// libavfilter's `ebur128` on the written AAC track decoded back: what a player and ffmpeg's meter hear).
public struct SoundtrackReport: Sendable, Equatable {
    public var narratedScenes: Int
    public var duck: Double
    /// The music under the video (`--music`), or nil.
    public var music: String?
    public var musicDuck: Double
    /// Times the music started over to cover the video (0: it played once, or was cut at the end).
    public var musicLoops: Int
    public var targetLoudness: Double
    /// Integrated loudness of the written track, LUFS.
    public var integratedLoudness: Double
    /// True peak of the written track, dBTP.
    public var truePeak: Double
    /// Decibels of gain the mix got to reach the target (0 when left as it was).
    public var gain: Double
    /// A true-peak limiter was needed to keep the ceiling at that gain.
    public var limited: Bool
    /// False for a mix with nothing audible in it: silence is not amplified into noise.
    public var normalized: Bool
    /// Narrations cut at their scene's end.
    public var cutNarrations: [Int]
    /// Times the track was encoded: more than one when the first landed over the ceiling or off the target.
    public var writes = 1
}

/// The soundtrack pass: reads the plain stitch (video and the clips' own audio) and writes the final
/// file with the video packets copied as they are (chapters and metadata kept) and one new AAC
/// track: the clips' sound and the music (if any) ducked under the narrations, the narrations at
/// their exact samples, the whole brought to the target loudness.
///
/// Passes over the same deterministic mix (`SoundtrackMix`): the first only measures it (EBU R128
/// integrated loudness and true peak, `ebur128=peak=true`); the last applies one gain, target −
/// measured, and writes. A gain moves integrated loudness by exactly itself, so this lands on the
/// target. Only when that gain would push the true peak over the ceiling does a limiter (on 4×
/// oversampled audio, so it sees inter-sample peaks) take the excess off the peaks; what loudness it
/// takes with them is measured in one more pass and given back. AAC coding then adds its own
/// overshoot (ringing around clicks and glottal pulses), so the writing pass decodes its packets back
/// and meters them; a track that lands over the ceiling is written again with the limiter aimed lower. `loudnorm` was the alternative: with
/// `linear=true` it applies the same single gain, but where the peak does not fit it leaves linear
/// mode for dynamic compression of the whole track (scripts/bench-soundtrack compares the two).
struct Soundtrack {
    let stitched: String
    /// Where the bytes go (the hidden file beside `destination`).
    let temporary: String
    let destination: String
    let container: OutputContainerFormat
    let options: StitchOptions
    /// The video's length, in the video time base: the track's length.
    let videoEnd: Int64
    let videoTimeBase: Rational
    let cues: [NarrationCue]
    /// The music file, checked (`MusicBed.check`), or nil.
    let music: ClipInfo?
    let settings: SoundtrackSettings
    /// A subtitle track of these cues (`--captions soft`); empty: none.
    let captions: [CaptionCue]
    /// ISO 639-2, the subtitle track's language tag.
    let language: String
    let format: NormalizeTarget.Audio
    let encoding = EncodingSettings()
    let log: any EventSink

    /// Under this integrated loudness there is nothing to normalize: speech sits at −30 LUFS or
    /// louder even when recorded quietly, and lifting a near-silent mix by 40 dB only makes hiss.
    static let audibleFloor = -50.0
    /// How far under the true-peak ceiling the limiter aims: FFmpeg's AAC at 128 kb/s puts 1–1.3 dB
    /// back on limited speech (eSpeak's pulses, clicks), so 0.5 dB let files out at −0.2 dBTP.
    static let codingMargin = 1.5
    /// Writes at most this many times: each is metered as decoded, and one over the ceiling (or off the
    /// target) is written again with the limiter aimed lower by what the coding overshot.
    static let attempts = 3
    /// How far off the target a written track may land before it is written again, LU.
    static let loudnessTolerance = 0.3
    static let blockSamples = 4_096

    struct Outcome {
        var report: SoundtrackReport
        var videoPackets: Int
        var audioPackets: Int
        var subtitlePackets: Int
    }

    func run() throws -> Outcome {
        let stitchedInfo = try MediaProbe.inspect(stitched)
        let total = videoTimeBase.rescale(videoEnd, to: Rational(1, format.sampleRate))
        let placed = try place(total: total)
        for cut in placed where cut.cut {
            log.emit(MiaEvent("MIA:WARN", [
                ("kind", "narration-cut"), ("scene", .int(Int64(cut.cue.scene))), ("file", .string(cut.cue.file)),
                ("message", .string(String(format: "the narration runs past its scene's end at %.3f s; cut there with a fade (a planning bug)",
                                           cut.cue.sceneEnd))),
            ]))
        }
        func mix() throws -> SoundtrackMix {
            try SoundtrackMix(stitched: stitchedInfo, total: total, narrations: placed, music: music, settings: settings, format: format)
        }
        let measured = try measure(mix(), through: [])
        let audible = measured.integrated.isFinite && measured.integrated > Self.audibleFloor
        let linearGain = audible ? settings.loudness - measured.integrated : 0
        let ceiling = SoundtrackSettings.truePeakCeiling
        var aim = ceiling - Self.codingMargin
        var limited = audible && measured.truePeak + linearGain > aim
        /// The limiter takes loudness off the peaks it flattens, and more the more it is fed: measure what it
        /// leaves and make up for it, again while it lands off the target. A measuring pass costs less than
        /// writing the file again (no encoding, no video), so the writes are kept for what only they show.
        func madeUp() throws -> Double {
            var gain = linearGain
            for _ in 0..<Self.attempts {
                let after = try measure(mix(), through: shaping(gain: gain, limit: aim))
                guard after.integrated.isFinite else { break }
                let off = settings.loudness - after.integrated
                gain += off
                if abs(off) <= Self.loudnessTolerance / 3 { break }
            }
            return gain
        }
        var gain = limited ? try madeUp() : linearGain

        let chapters = try StitchMuxer.writing(destination) { try InputContainer(path: stitched, findStreamInfo: false).chapters.count }
        let placement = indexPlacement(videoPackets: stitchedInfo.video?.frameCount, audioSamples: total, chapters: chapters)
        var musicLoops = 0
        func writeTrack() throws -> (videoPackets: Int, audioPackets: Int, subtitlePackets: Int, loudness: Loudness) {
            // The limiter's resampling may round the length; the track is exactly the video's.
            let chain = shaping(gain: gain, limit: limited ? aim : nil)
                + ["apad", "atrim=end_sample=\(total)",
                   "aformat=sample_fmts=fltp:channel_layouts=\(ClipSource.layoutName(channels: format.channels))"]
            return try StitchMuxer.withIndexRetry(placement) { placement in
                let mix = try mix()
                defer { musicLoops = mix.musicLoops }
                return try write(mix: mix, chain: chain.joined(separator: ","), placement: placement)
            }
        }
        var written = try writeTrack(), writes = 1
        while audible, writes < Self.attempts {
            let over = written.loudness.truePeak - ceiling
            let off = settings.loudness - written.loudness.integrated
            if over > 0 {
                // The coding put `over` dB more on the peaks than this aim allowed: aim that much lower, and a little more.
                aim -= over + 0.25
                limited = true
                gain = try madeUp()
            } else if off.isFinite, abs(off) > Self.loudnessTolerance {
                gain += off
            } else {
                break
            }
            written = try writeTrack()
            writes += 1
        }
        if audible, written.loudness.truePeak > ceiling {
            log.emit(MiaEvent("MIA:WARN", [
                ("kind", "true-peak"), ("output", .string(destination)),
                ("message", .string(String(format: "the encoded soundtrack peaks at %.2f dBTP, over the %.1f dBTP ceiling, after %d writes",
                                           written.loudness.truePeak, ceiling, writes))),
            ]))
        }
        var report = SoundtrackReport(narratedScenes: cues.count, duck: settings.duck, music: music?.path,
                                      musicDuck: settings.musicDuck, musicLoops: musicLoops, targetLoudness: settings.loudness,
                                      integratedLoudness: written.loudness.integrated, truePeak: written.loudness.truePeak,
                                      gain: gain, limited: limited, normalized: audible,
                                      cutNarrations: placed.filter(\.cut).map(\.cue.scene))
        report.writes = writes
        return Outcome(report: report, videoPackets: written.videoPackets, audioPackets: written.audioPackets,
                       subtitlePackets: written.subtitlePackets)
    }

    /// Checks every narration file and puts it on the timeline: exact start sample, length from the
    /// file, cut at its scene's end.
    private func place(total: Int64) throws -> [SoundtrackMix.Placed] {
        let rate = Double(format.sampleRate)
        return try cues.map { cue in
            let info: ClipInfo
            do {
                info = try MediaProbe.inspect(cue.file)
            } catch let error as MiaError {
                throw MiaError(.scene(cue.scene), "its narration \(cue.file) cannot be read: \(error.problem)", cause: error)
            }
            guard let audio = info.audio, let seconds = audio.duration ?? info.duration, seconds > 0 else {
                throw MiaError(.scene(cue.scene), "its narration \(cue.file) holds no audio")
            }
            let start = min(total, Int64((cue.start * rate).rounded()))
            let sceneEnd = min(total, Int64((cue.sceneEnd * rate).rounded()))
            let length = Int64((seconds * rate).rounded())
            let room = max(0, sceneEnd - start)
            return SoundtrackMix.Placed(cue: cue, clip: info, start: start, length: min(length, room), cut: length > room)
        }.sorted { $0.start < $1.start }
    }

    static let meter = "ebur128=peak=true:metadata=1"

    /// The loudness filters: one gain, and if the peaks need it a true-peak limiter (on 4× oversampled
    /// audio, so it sees the peaks between samples) at `limit` dBTP, under the ceiling by the coding's overshoot.
    private func shaping(gain: Double, limit: Double?) -> [String] {
        var chain = [String(format: "volume=%.4fdB:precision=double", gain)]
        if let limit {
            let limit = pow(10, limit / 20)
            chain += ["aresample=\(format.sampleRate * 4)",
                      String(format: "alimiter=limit=%.6f:attack=2:release=50:level=disabled:latency=1", limit),
                      "aresample=\(format.sampleRate)"]
        }
        return chain
    }

    /// EBU R128 of a whole mix after `filters`: integrated loudness (LUFS) and true peak (dBTP).
    private func measure(_ mix: SoundtrackMix, through filters: [String]) throws -> Loudness {
        let graph = try audioGraph((filters + [Self.meter]).joined(separator: ","))
        var loudness = Loudness()
        let frame = Frame()
        func drain() throws {
            while case .value = try graph.pull(into: frame) { loudness.read(frame, channels: format.channels) }
        }
        while let block = try mix.next(Self.blockSamples) {
            try graph.push(block)
            try drain()
        }
        try graph.push(nil)
        try drain()
        return loudness
    }

    private func audioGraph(_ description: String) throws -> FilterGraph {
        try FilterGraph(input: .audio(sampleRate: format.sampleRate, sampleFormat: .planarFloat,
                                      channelLayout: ClipSource.layoutName(channels: format.channels),
                                      timeBase: Rational(1, format.sampleRate)),
                        description: description, threads: 1)
    }

    /// `ebur128`'s running values, as it attaches them to each frame: integrated loudness so far, and
    /// each channel's highest true peak so far (linear).
    struct Loudness {
        var integrated = -Double.infinity
        var truePeak = -Double.infinity

        mutating func read(_ frame: Frame, channels: Int) {
            if let value = frame.metadata("lavfi.r128.I").flatMap(Double.init) {
                // ebur128 says −70 when no block passed its gate yet: nothing audible.
                integrated = value <= -70 ? -.infinity : value
            }
            for channel in 0..<channels {
                if let peak = frame.metadata("lavfi.r128.true_peaks_ch\(channel)").flatMap(Double.init), peak > 0 {
                    truePeak = max(truePeak, 20 * log10(peak))
                }
            }
        }
    }

    /// The second pass: video packets copied as they come, the mix shaped by `chain` and encoded
    /// alongside, so the file interleaves.
    private func write(mix: SoundtrackMix, chain: String, placement: OutputContainerFormat.IndexPlacement)
        throws -> (videoPackets: Int, audioPackets: Int, subtitlePackets: Int, loudness: Loudness) {
        let input = try StitchMuxer.writing(destination) { try InputContainer(path: stitched) }
        guard let videoIndex = input.bestStream(.video) else { throw MiaError(.output(destination), "the plain stitch lost its video") }
        input.readOnly([videoIndex])
        let inputTimeBase = input.timeBase(ofStream: videoIndex)
        let muxer = try StitchMuxer(temporary: temporary, destination: destination, container: container, placement: placement)
        let subject = MiaError.Subject.output(destination)
        try muxer.addVideo(copiedFrom: input, stream: videoIndex, timeBase: inputTimeBase, clip: subject)
        let encoder = try StitchMuxer.writing(destination) { try encoding.audioEncoder(sampleRate: format.sampleRate, channels: format.channels) }
        let audioStream = try StitchMuxer.writing(destination) { try muxer.output.addEncodedStream(from: encoder) }
        let subtitles = try subtitleTrack(muxer)
        try StitchMuxer.writing(destination) {
            try muxer.output.copyMetadata(from: input)
            try muxer.output.copyMetadata(from: input, stream: videoIndex, to: muxer.videoStream)
        }
        let chapters = input.chapters.map { chapter in
            (title: chapter.title, start: chapter.timeBase.rescale(chapter.start, to: inputTimeBase),
             end: chapter.timeBase.rescale(chapter.end, to: inputTimeBase))
        }
        try muxer.setChapters(chapters, timeBase: inputTimeBase)
        try muxer.writeHeader(codecs: [input.parameters(ofStream: videoIndex).codec, "aac"] + (subtitles.map { [$0.encoder.name] } ?? []))
        let videoMuxTimeBase = muxer.output.timeBase(ofStream: muxer.videoStream)
        let audioMuxTimeBase = muxer.output.timeBase(ofStream: audioStream)

        let shaper = try audioGraph(chain)
        let heard = try StitchMuxer.writing(destination) { try EncodedMeter(encoder: encoder, graph: audioGraph(Self.meter), format: format) }
        let fifo = try AudioFifo(sampleRate: format.sampleRate, channels: format.channels)
        let shaped = Frame(), packet = Packet()
        var encoded: Int64 = 0, audioPackets = 0, videoPackets = 0
        var mixEnded = false, shaperEnded = false

        func drainEncoder() throws {
            while case .value = try encoder.receive(into: packet) {
                // Heard before the muxer takes the packet's data.
                try StitchMuxer.writing(destination) { try heard.send(packet) }
                packet.setStreamIndex(audioStream)
                packet.rescaleTimestamps(from: encoder.timeBase, to: audioMuxTimeBase)
                try muxer.write(packet)
                audioPackets += 1
            }
        }
        func encode(_ frame: Frame) throws {
            frame.pts = encoded
            encoded += Int64(frame.sampleCount)
            try StitchMuxer.writing(destination) { try encoder.send(frame) }
            try drainEncoder()
        }
        func pullShaped() throws {
            while true {
                switch try shaper.pull(into: shaped) {
                case .value:
                    try fifo.append(shaped)
                    while fifo.count >= encoder.frameSize { try encode(fifo.take(encoder.frameSize)) }
                case .endOfStream:
                    shaperEnded = true
                    return
                case .needsInput:
                    return
                }
            }
        }
        /// Mixes and encodes until the audio reaches `sample`.
        func advanceAudio(to sample: Int64) throws {
            while encoded + Int64(fifo.count) < sample, !shaperEnded {
                if let block = try mix.next(Self.blockSamples) {
                    try shaper.push(block)
                } else if !mixEnded {
                    mixEnded = true
                    try shaper.push(nil)
                } else {
                    throw MiaError(.output(destination), "the soundtrack's filters stopped before its end")
                }
                try pullShaped()
            }
        }

        var subtitlePackets = 0
        /// Writes the cues that start by `seconds`, each one packet.
        func writeCues(through seconds: Double) throws {
            guard let subtitles else { return }
            while subtitlePackets < captions.count, captions[subtitlePackets].start <= seconds {
                let cue = captions[subtitlePackets]
                let start = Int64((cue.start * 1000).rounded()), end = Int64((cue.end * 1000).rounded())
                let packet = try StitchMuxer.writing(destination) { try subtitles.encoder.encode(lines: cue.lines, start: start, end: end) }
                packet.setStreamIndex(subtitles.stream)
                packet.rescaleTimestamps(from: SubtitleEncoder.timeBase, to: muxer.output.timeBase(ofStream: subtitles.stream))
                try muxer.write(packet)
                subtitlePackets += 1
            }
        }

        let samples = Rational(1, format.sampleRate)
        let video = Packet()
        while try StitchIO.read(input, into: video, subject: .output(destination)) {
            guard video.streamIndex == videoIndex else { continue }
            // Half a second of audio ahead of the video keeps the interleaver's queue short.
            let at = inputTimeBase.rescale(video.dts ?? video.pts ?? 0, to: samples) + Int64(format.sampleRate / 2)
            try advanceAudio(to: at)
            // Cues go in with the audio, half a second ahead of the video.
            try writeCues(through: Double(at) / Double(format.sampleRate))
            video.setStreamIndex(muxer.videoStream)
            video.rescaleTimestamps(from: inputTimeBase, to: videoMuxTimeBase)
            video.clearForMuxing()
            try muxer.write(video)
            videoPackets += 1
        }
        try advanceAudio(to: .max)
        try writeCues(through: .infinity)
        if fifo.count > 0 { try encode(fifo.take(fifo.count)) }
        guard encoded == mix.total else {
            throw MiaError(.output(destination), "the soundtrack came out as \(encoded) of \(mix.total) samples")
        }
        try StitchMuxer.writing(destination) { try encoder.send(nil) }
        try drainEncoder()
        try muxer.finish()
        let loudness = try StitchMuxer.writing(destination) { try heard.finish() }
        return (videoPackets, audioPackets, subtitlePackets, loudness)
    }

    /// The caption track, when there are cues: mov_text (3GPP timed text) in MP4/MOV, the one text
    /// track MP4 players know, and which browsers that do not show it pass over; SubRip in Matroska.
    private func subtitleTrack(_ muxer: StitchMuxer) throws -> (encoder: SubtitleEncoder, stream: Int)? {
        guard !captions.isEmpty else { return nil }
        let encoder = try StitchMuxer.writing(destination) { try SubtitleEncoder(name: container.isQuickTimeFamily ? "mov_text" : "subrip") }
        do {
            return (encoder, try muxer.output.addEncodedStream(from: encoder, language: language))
        } catch let refused as OutputContainer.CodecRefused {
            throw MiaError(.output(destination), "cannot hold a caption track (\(refused)); use --captions sidecar", cause: refused)
        } catch let error as FFmpegError {
            throw MiaError(.output(destination), "cannot write output", ffmpeg: error)
        }
    }

    /// Room for the index up front (faststart) as the plain stitch reserves it: one entry per video
    /// frame and per AAC frame.
    private func indexPlacement(videoPackets: Int?, audioSamples: Int64, chapters: Int) -> OutputContainerFormat.IndexPlacement {
        guard container.isQuickTimeFamily, options.faststart else { return .atEnd }
        guard let videoPackets else { return .secondPass }
        let audioFrames = Int(audioSamples / 1_024) + 4
        // movenc fills each gap between cues with an empty sample: up to two samples a cue.
        let cueSamples = captions.isEmpty ? 0 : 2 * captions.count + 1
        return .reserved(bytes: OutputContainerFormat.indexReservation(samples: videoPackets + audioFrames + chapters + cueSamples,
                                                                       tracks: 2 + (chapters > 0 ? 1 : 0) + (captions.isEmpty ? 0 : 1),
                                                                       chapters: chapters))
    }
}
