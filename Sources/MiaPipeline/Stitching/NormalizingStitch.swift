import Foundation
import MiaFFmpeg

/// The normalizing pass, for clips that differ. Clips whose video is not already in the target
/// format are re-encoded side by side (one per core) into temporary segments; then every clip's
/// video (a segment, or the clip's own packets where it already matches) is joined by copy on one
/// timeline, next to one continuous audio track made from every clip's audio
/// (`ConformedAudioTrack`). Each clip lasts a whole number of target frames, and its audio exactly
/// as long, so joins never drift.
struct NormalizingStitch {
    /// Pre-flighted clips, in order.
    let clips: [ClipInfo]
    /// Where to write (the temporary file beside the final output).
    let temporary: String
    /// The output as the user named it, for messages.
    let destination: String
    let container: OutputContainerFormat
    let options: StitchOptions
    let target: NormalizeTarget
    let settings: EncodingSettings
    let log: any EventSink
    let progress: (@Sendable (StitchProgress) -> Void)?

    struct Outcome {
        var written: StitchOutcome
        /// Per clip: its video was copied unchanged (else re-encoded).
        var copied: [Bool]
        /// Seconds the crossfades took off the total (clips overlap there).
        var overlapSeconds: Double
    }

    /// One stretch of the output video, in order: a clip's own frames (copied, or re-encoded into
    /// a segment) or a crossfade between two clips (always a segment).
    struct Piece {
        enum Kind: Equatable {
            /// Frames `range` of clip `clip`'s conformed pictures.
            case body(clip: Int, range: Range<Int>)
            /// The last frames of clip `after` dissolving into the first of clip `after + 1`.
            case crossfade(after: Int, frames: Int)
        }
        let kind: Kind
        /// The clip's own packets, not a segment.
        var copied: Bool
    }

    /// - Parameter copyable: per clip, whether its video may be copied (`NormalizePlanner.copyableVideo`).
    func run(copyable: [Bool]) throws -> Outcome {
        // A fitted clip lasts its target length: `ConformedPictures` stops there or holds its last picture.
        let frames = clips.indices.map { target.frames(forSeconds: options.clipLengths?[$0] ?? Self.videoSeconds(clips[$0])) }
        let overlap = try crossfadeFrames(frames)
        var pieces = Self.pieces(frames: frames, overlap: overlap, copyable: copyable)
        let segments = SegmentFiles(beside: destination, count: pieces.count)
        defer { segments.removeAll() }
        let captions = try options.burnedCaptions.map { try writeCaptionScript($0, pieces: pieces, segments: segments) }
        let conformer = VideoConformer(target: target, settings: settings, threads: 1, captions: captions)

        try reencode(pieces.indices.filter { !pieces[$0].copied }, of: pieces, frames: frames, segments: segments, conformer: conformer)
        // Measured, not assumed: copying the matching clips is only right if the re-encoded ones
        // came out with the very same SPS/PPS. If not, they are re-encoded too.
        if let made = pieces.firstIndex(where: { !$0.copied }), let kept = pieces.first(where: \.copied),
           case .body(let keptClip, _) = kept.kind {
            if try !Self.sameParameterSets(segmentExtradata(segments[made]), clips[keptClip].video?.extradata) {
                log.emit(MiaEvent("MIA:STITCH:NORMALIZE", [
                    ("note", "re-encoded clips differ in SPS/PPS from the matching ones; re-encoding those too"),
                ]))
                let rest = pieces.indices.filter { pieces[$0].copied }
                for index in rest { pieces[index].copied = false }
                try reencode(rest, of: pieces, frames: frames, segments: segments, conformer: conformer)
            }
        }
        try checkSameParameters(pieces, segments: segments)

        let copied = clips.indices.map { clip in pieces.contains { $0.copied && $0.kind.clip == clip } }
        let written = try StitchMuxer.withIndexRetry(indexPlacement(frames: frames.reduce(0, +))) { placement in
            try assemble(pieces, segments: segments, placement: placement)
        }
        return Outcome(written: written, copied: copied, overlapSeconds: Double((clips.count - 1) * overlap) / target.fps.value)
    }

    /// Frames each crossfade lasts (0 without one); every clip must outlast its crossfades.
    private func crossfadeFrames(_ frames: [Int]) throws -> Int {
        guard let seconds = options.crossfade, clips.count > 1 else { return 0 }
        let overlap = max(1, Int((seconds * target.fps.value).rounded()))
        for (index, count) in frames.enumerated() {
            let sides = (index > 0 ? 1 : 0) + (index < clips.count - 1 ? 1 : 0)
            if count <= sides * overlap {
                throw MiaError(.clip(number: index + 1, path: clips[index].path), String(
                    format: "lasts %.3f s, too short for a %.3f s crossfade on %@", Double(count) / target.fps.value,
                    Double(overlap) / target.fps.value, sides == 2 ? "each side" : "one side"))
            }
        }
        return overlap
    }

    /// The output's video, in order: each clip's frames, with a crossfade between clips when asked.
    static func pieces(frames: [Int], overlap: Int, copyable: [Bool]) -> [Piece] {
        var pieces: [Piece] = []
        for (index, count) in frames.enumerated() {
            let head = index > 0 ? overlap : 0
            let tail = index < frames.count - 1 ? overlap : 0
            pieces.append(Piece(kind: .body(clip: index, range: head..<(count - tail)), copied: overlap == 0 && copyable[index]))
            if tail > 0 { pieces.append(Piece(kind: .crossfade(after: index, frames: overlap), copied: false)) }
        }
        return pieces
    }

    /// Room for the index up front: every frame count is known before anything is written.
    private func indexPlacement(frames: Int) -> OutputContainerFormat.IndexPlacement {
        guard container.isQuickTimeFamily, options.faststart else { return .atEnd }
        let seconds = Double(frames) / target.fps.value
        let audioFrames = target.audio.map { Int(seconds * Double($0.sampleRate) / 1024) + 4 } ?? 0
        let chapters = options.chapters ? clips.count : 0
        let tracks = 1 + (target.audio == nil ? 0 : 1) + (options.chapters ? 1 : 0)
        return .reserved(bytes: OutputContainerFormat.indexReservation(samples: frames + audioFrames + chapters,
                                                                       tracks: tracks, chapters: chapters))
    }

    // MARK: - Re-encoding

    private func reencode(_ indices: [Int], of pieces: [Piece], frames: [Int], segments: SegmentFiles,
                          conformer: VideoConformer) throws {
        guard !indices.isEmpty else { return }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // x264 threads well on its own; with several pieces at once, one lane per core avoids
        // oversubscribing the machine.
        var lanes = conformer
        lanes.threads = max(1, cores / min(indices.count, cores))
        let conformer = lanes
        let starts = Self.outputFrames(pieces)
        let clips = clips
        let results = indices.parallelMap { index -> Result<Double, MiaError> in
            let started = Date()
            let clip = pieces[index].kind.clip
            let subject = MiaError.Subject.clip(number: clip + 1, path: clips[clip].path)
            do {
                switch pieces[index].kind {
                case let .body(clip, range):
                    try conformer.conform(clips[clip], frames: frames[clip], range: range, into: segments[index],
                                          outputFrame: starts[index])
                case let .crossfade(after, count):
                    try conformer.crossfade(from: (clips[after], frames[after]), to: (clips[after + 1], frames[after + 1]),
                                            count: count, into: segments[index], outputFrame: starts[index])
                }
                return .success(Date().timeIntervalSince(started))
            } catch let error as FFmpegError {
                return .failure(MiaError(subject, "cannot re-encode its video", ffmpeg: error))
            } catch let error as MiaError {
                return .failure(error.about(subject))
            } catch {
                return .failure(MiaError(subject, "cannot re-encode its video: \(error)"))
            }
        }
        for (index, result) in zip(indices, results) {
            let elapsed = try result.get()
            switch pieces[index].kind {
            case let .body(clip, range):
                log.emit(MiaEvent("MIA:STITCH:REENCODE", [
                    ("index", .int(Int64(clip + 1))),
                    ("file", .string(clips[clip].path)),
                    ("from", .string(Self.formatText(clips[clip]))),
                    ("frames", .int(Int64(range.count))),
                    ("elapsed", .seconds(elapsed)),
                ]))
            case let .crossfade(after, count):
                log.emit(MiaEvent("MIA:STITCH:CROSSFADE", [
                    ("after", .int(Int64(after + 1))),
                    ("frames", .int(Int64(count))),
                    ("elapsed", .seconds(elapsed)),
                ]))
            }
        }
    }

    /// Where each piece starts on the output timeline, in frames (every piece is whole frames long).
    static func outputFrames(_ pieces: [Piece]) -> [Int] {
        var starts: [Int] = [], next = 0
        for piece in pieces {
            starts.append(next)
            next += piece.kind.frames
        }
        return starts
    }

    /// Burned captions: the ASS script for the clips where the pieces put them, written beside the
    /// output with the segments (and removed with them).
    private func writeCaptionScript(_ burned: BurnedCaptions, pieces: [Piece], segments: SegmentFiles) throws -> CaptionOverlay.Source {
        let starts = Self.outputFrames(pieces)
        let spans = clips.indices.map { clip -> (start: Double, end: Double) in
            let owned = pieces.indices.filter { pieces[$0].kind.touches(clip) }
            let end = starts[owned.last!] + pieces[owned.last!].kind.frames
            return (Double(starts[owned.first!]) / target.fps.value, Double(end) / target.fps.value)
        }
        let script = burned.script(spans: spans, width: target.width, height: target.height)
        do {
            try Data(script.text.utf8).write(to: URL(fileURLWithPath: segments.captionScript))
        } catch {
            throw MiaError(.output(destination), "cannot write its caption script \(segments.captionScript): \(error.localizedDescription)")
        }
        log.emit(MiaEvent("MIA:CAPTIONS:BURN", [
            ("style", .string(burned.style.rawValue)), ("font", .string(burned.font.family)), ("cues", .int(Int64(script.cues))),
        ]))
        return CaptionOverlay.Source(script: segments.captionScript, fontsDirectory: burned.font.directory)
    }

    /// Runs a step of the audio track: a failure reading a clip's audio names that clip, any other
    /// names the output.
    private func placingAudio(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as FFmpegError {
            if let source = error.path, let index = clips.firstIndex(where: { $0.path == source }) {
                throw MiaError(.clip(number: index + 1, path: source), "cannot read its audio", ffmpeg: error)
            }
            throw MiaError(.output(destination), "cannot write output", ffmpeg: error)
        } catch let error as MiaError {
            if case .file(let source)? = error.about, let index = clips.firstIndex(where: { $0.path == source }) {
                throw error.about(.clip(number: index + 1, path: source))
            }
            throw error.about == nil ? MiaError(.output(destination), "cannot write output: \(error.problem)") : error
        }
    }

    /// Equal SPS and PPS, whichever form (avcC, Annex B) each container keeps them in.
    static func sameParameterSets(_ a: Data?, _ b: Data?) -> Bool {
        guard let a, let b, let first = H264ParameterSets(extradata: [UInt8](a)),
              let second = H264ParameterSets(extradata: [UInt8](b)) else { return false }
        return first == second
    }

    private func segmentExtradata(_ segment: String) throws -> Data? {
        try MediaProbe.inspectHeader(segment).video?.extradata
    }

    /// Every piece of video must decode with one SPS/PPS: a copy keeps only the first's.
    private func checkSameParameters(_ pieces: [Piece], segments: SegmentFiles) throws {
        var reference: Data?
        for (index, piece) in pieces.enumerated() {
            let clip = piece.kind.clip
            let parameters = piece.copied ? clips[clip].video?.extradata : try segmentExtradata(segments[index])
            if reference == nil { reference = parameters }
            if !Self.sameParameterSets(parameters, reference) {
                throw MiaError(.clip(number: clip + 1, path: clips[clip].path),
                               "re-encoding gave it different codec parameters (SPS/PPS) from clip 1; this is a bug in mia-stitch")
            }
        }
    }

    // MARK: - Joining

    private func assemble(_ pieces: [Piece], segments: SegmentFiles,
                          placement: OutputContainerFormat.IndexPlacement) throws -> StitchOutcome {
        func source(_ index: Int) -> (path: String, stream: Int) {
            let clip = pieces[index].kind.clip
            return pieces[index].copied ? (clips[clip].path, clips[clip].videoIndex!) : (segments[index], 0)
        }
        func open(_ index: Int) throws -> InputContainer {
            let clip = pieces[index].kind.clip
            do {
                return try MediaProbe.openInput(source(index).path, findStreamInfo: false)
            } catch let error as MiaError {
                throw error.about(.clip(number: clip + 1, path: clips[clip].path))
            }
        }
        // One time base for the joined video: a re-encoded segment's (frames land on exact ticks).
        let timeBaseIndex = pieces.firstIndex { !$0.copied } ?? 0
        let timeBase = try open(timeBaseIndex).timeBase(ofStream: source(timeBaseIndex).stream)
        let tick = Rational(target.fps.den, target.fps.num).rescale(1, to: timeBase)
        let lengths = pieces.map { piece -> Int64 in
            switch piece.kind {
            case let .body(clip, range):
                if piece.copied, let video = clips[clip].video, let stated = video.durationTimestamp {
                    return video.timeBase.rescale(stated, to: timeBase)
                }
                return Int64(range.count) * tick
            case let .crossfade(_, count):
                return Int64(count) * tick
            }
        }
        var starts: [Int64] = [0]
        for length in lengths { starts.append(starts.last! + length) }
        // Each clip's span on the output timeline: from its first piece (a crossfade in, or its
        // body) to the end of its last (its body, or a crossfade out).
        let clipSpans = clips.indices.map { clip -> (start: Int64, end: Int64) in
            let owned = pieces.indices.filter { pieces[$0].kind.touches(clip) }
            return (starts[owned.first!], starts[owned.last! + 1])
        }
        let chapterStarts = clipSpans.map(\.start)
        let sampleUnit = Rational(1, target.audio?.sampleRate ?? 1)
        func samples(_ ticks: Int64) -> Int64 { timeBase.rescale(ticks, to: sampleUnit) }

        let muxer = try StitchMuxer(temporary: temporary, destination: destination, container: container, placement: placement)
        let firstInput = try open(0)
        try muxer.addVideo(copiedFrom: firstInput, stream: source(0).stream, timeBase: timeBase,
                           clip: .clip(number: pieces[0].kind.clip + 1, path: clips[pieces[0].kind.clip].path))
        let audioTrack = try target.audio.map { format in
            let parts = clips.indices.map { clip in
                ConformedAudioTrack.Part(clip: clips[clip], samples: samples(clipSpans[clip].end) - samples(clipSpans[clip].start),
                                         overlap: clip == 0 ? 0 : samples(clipSpans[clip - 1].end) - samples(clipSpans[clip].start))
            }
            return try StitchMuxer.writing(destination) {
                try ConformedAudioTrack(output: muxer.output, format: format, settings: settings, parts: parts)
            }
        }
        if options.chapters {
            let chapters = clips.indices.map { clip in
                (title: options.chapterTitle(clip, path: clips[clip].path),
                 start: chapterStarts[clip], end: clip + 1 < clips.count ? chapterStarts[clip + 1] : starts.last!)
            }
            try muxer.setChapters(chapters, timeBase: timeBase)
        }
        try muxer.writeHeader(codecs: ["h264"] + (target.audio == nil ? [] : ["aac"]))

        var timeline = JoinTimeline(videoTimeBase: timeBase, audioRate: Int64(target.audio?.sampleRate ?? 1))
        let packet = Packet()
        for (index, piece) in pieces.enumerated() {
            let clip = piece.kind.clip
            let subject = MiaError.Subject.clip(number: clip + 1, path: clips[clip].path)
            let input = index == 0 ? firstInput : try open(index)
            let stream = source(index).stream
            let sourceTimeBase = input.timeBase(ofStream: stream)
            let start = piece.copied ? (clips[clip].video?.startTimestamp).map { sourceTimeBase.rescale($0, to: timeBase) } ?? 0 : 0
            timeline.beginClip(videoStart: start, expectedVideoDuration: lengths[index], isLast: index == pieces.count - 1)
            while try StitchIO.read(input, into: packet, subject: subject) {
                guard packet.streamIndex == stream, packet.pts != nil, packet.dts != nil else { continue }
                packet.rescaleTimestamps(from: sourceTimeBase, to: timeBase)
                let placed = try muxer.writeVideo(packet, on: &timeline, fallbackDuration: tick, clip: subject)
                // Keep the audio just ahead of the video, so the file interleaves.
                try placingAudio { try audioTrack?.advance(to: samples(placed.end)) }
            }
            let span = timeline.endClip()
            if span.end - span.start != lengths[index] {
                throw MiaError(subject, String(format: "its video lasts %.3f s, not the %.3f s planned; run again with --normalize always",
                                                     Double(span.end - span.start) * timeBase.value, Double(lengths[index]) * timeBase.value))
            }
            if case .body = piece.kind {
                let end = clip + 1 < clips.count ? chapterStarts[clip + 1] : starts.last!
                log.emit(MiaEvent("MIA:STITCH:CLIP", [
                    ("index", .int(Int64(clip + 1))),
                    ("file", .string(clips[clip].path)),
                    ("offset", .seconds(Double(chapterStarts[clip]) * timeBase.value)),
                    ("duration", .seconds(Double(end - chapterStarts[clip]) * timeBase.value)),
                    ("video", piece.copied ? "copied" : "re-encoded"),
                ]))
                progress?(StitchProgress(clipsDone: clip + 1, clipCount: clips.count))
            }
        }
        try placingAudio { try audioTrack?.finish() }
        try muxer.finish()
        let spans = clips.indices.map { clip in
            ClipSpan(path: clips[clip].path, start: chapterStarts[clip],
                     end: clip + 1 < clips.count ? chapterStarts[clip + 1] : starts.last!, timeBase: timeBase)
        }
        return StitchOutcome(spans: spans, videoPackets: timeline.video.packets, audioPackets: audioTrack?.packetsWritten ?? 0,
                             droppedAudioPackets: 0, videoTimeBase: timeBase,
                             audioEnd: audioTrack.map { Double($0.position) * sampleUnit.value })
    }

    /// A clip's video length in seconds: the stream's stated length, else the container's.
    static func videoSeconds(_ clip: ClipInfo) -> Double {
        if let video = clip.video, let ticks = video.durationTimestamp, ticks > 0 { return Double(ticks) * video.timeBase.value }
        return clip.duration ?? 0
    }

    /// "1280x720 24 fps h264, no audio"
    static func formatText(_ clip: ClipInfo) -> String {
        guard let video = clip.video else { return "no video" }
        let rate = video.frameRate.map { $0.den == 1 ? "\($0.num)" : String(format: "%.3f", $0.value) } ?? "?"
        let sound = clip.audio.map { "\($0.codec) \($0.sampleRate ?? 0) Hz" } ?? "no audio"
        return "\(video.size ?? "?") \(rate) fps \(video.codec), \(sound)"
    }
}

/// Temporary files for re-encoded clips, beside the output (same disk), removed when done or
/// when the process is interrupted.
final class SegmentFiles: Sendable {
    private let paths: [String]

    /// Burned captions' ASS script (written only when captions are burned).
    let captionScript: String

    init(beside output: String, count: Int) {
        paths = (0..<count).map { index in LeftoverFiles.name(beside: output, suffix: "clip\(index + 1).segment.mp4") }
        captionScript = LeftoverFiles.name(beside: output, suffix: "captions.ass")
        for path in paths + [captionScript] { TemporaryFiles.shared.register(path) }
    }

    subscript(index: Int) -> String { paths[index] }

    func removeAll() {
        for path in paths + [captionScript] {
            unlink(path)
            TemporaryFiles.shared.unregister(path)
        }
    }
}

extension NormalizingStitch.Piece.Kind {
    /// Pictures the piece lasts.
    var frames: Int {
        switch self {
        case let .body(_, range): return range.count
        case let .crossfade(_, count): return count
        }
    }

    /// The clip whose file the piece reads first (for messages).
    var clip: Int {
        switch self {
        case let .body(clip, _): return clip
        case let .crossfade(after, _): return after
        }
    }

    /// The piece shows part of `clip`.
    func touches(_ clip: Int) -> Bool {
        switch self {
        case let .body(owner, _): return owner == clip
        case let .crossfade(after, _): return after == clip || after + 1 == clip
        }
    }
}
