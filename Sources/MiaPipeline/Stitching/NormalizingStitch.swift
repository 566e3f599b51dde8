import Foundation

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
    let path: String
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
    }

    /// - Parameter copyable: per clip, whether its video may be copied (`NormalizePlanner.copyableVideo`).
    func run(copyable: [Bool]) throws -> Outcome {
        let segments = SegmentFiles(beside: path, count: clips.count)
        defer { segments.removeAll() }
        let frames = clips.map { target.frames(forSeconds: Self.videoSeconds($0)) }
        var copied = copyable

        try reencode(clips.indices.filter { !copied[$0] }, frames: frames, segments: segments)
        // Measured, not assumed: copying the matching clips is only right if the re-encoded ones
        // came out with the very same SPS/PPS. If not, they are re-encoded too.
        if let made = copied.firstIndex(of: false), let kept = copied.firstIndex(of: true) {
            let madeParameters = try segmentExtradata(segments[made])
            if madeParameters != clips[kept].video?.extradata {
                log.emit(MiaEvent("MIA:STITCH:NORMALIZE", [
                    ("note", "re-encoded clips differ in SPS/PPS from the matching ones; re-encoding those too"),
                ]))
                let rest = clips.indices.filter { copied[$0] }
                copied = clips.map { _ in false }
                try reencode(rest, frames: frames, segments: segments)
            }
        }
        try checkSameParameters(copied: copied, segments: segments)

        var placement = indexPlacement(frames: frames.reduce(0, +))
        while true {
            do {
                let written = try assemble(copied: copied, frames: frames, segments: segments, placement: placement)
                return Outcome(written: written, copied: copied)
            } catch is StreamCopyStitch.IndexReservationTooSmall {
                placement = .secondPass
            }
        }
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

    private func reencode(_ indices: [Int], frames: [Int], segments: SegmentFiles) throws {
        guard !indices.isEmpty else { return }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // x264 threads well on its own; with several clips at once, one lane per core avoids
        // oversubscribing the machine.
        let threads = max(1, cores / min(indices.count, cores))
        let conformer = VideoConformer(target: target, settings: settings, threads: threads)
        let clips = clips
        let results = indices.parallelMap { index -> Result<Double, MiaError> in
            let started = Date()
            let subject = "clip \(index + 1) (\(clips[index].path))"
            do {
                try conformer.conform(clips[index], frames: frames[index], into: segments[index])
                return .success(Date().timeIntervalSince(started))
            } catch let error as FFmpegError {
                return .failure(MiaError(file: subject, "cannot re-encode its video: \(error.function) failed: \(error.message)"))
            } catch let error as MiaError {
                return .failure(error.about(subject))
            } catch {
                return .failure(MiaError(file: subject, "cannot re-encode its video: \(error)"))
            }
        }
        for (index, result) in zip(indices, results) {
            let elapsed = try result.get()
            log.emit(MiaEvent("MIA:STITCH:REENCODE", [
                ("index", .int(Int64(index + 1))),
                ("file", .string(clips[index].path)),
                ("from", .string(Self.formatText(clips[index]))),
                ("frames", .int(Int64(frames[index]))),
                ("elapsed", .seconds(elapsed)),
            ]))
        }
    }

    private func segmentExtradata(_ segment: String) throws -> Data? {
        try MediaProbe.inspectHeader(segment).video?.extradata
    }

    /// Every piece of video must decode with one SPS/PPS: a copy keeps only the first's.
    private func checkSameParameters(copied: [Bool], segments: SegmentFiles) throws {
        var reference: Data?
        for index in clips.indices {
            let parameters = copied[index] ? clips[index].video?.extradata : try segmentExtradata(segments[index])
            if reference == nil { reference = parameters }
            if parameters != reference {
                throw MiaError(file: "clip \(index + 1) (\(clips[index].path))",
                               "re-encoding gave it different codec parameters (SPS/PPS) from clip 1; this is a bug in mia-stitch")
            }
        }
    }

    // MARK: - Joining

    private func assemble(copied: [Bool], frames: [Int], segments: SegmentFiles,
                          placement: OutputContainerFormat.IndexPlacement) throws -> StitchOutcome {
        func source(_ index: Int) -> (path: String, stream: Int) {
            copied[index] ? (clips[index].path, clips[index].videoIndex!) : (segments[index], 0)
        }
        func open(_ index: Int) throws -> InputContainer {
            do {
                return try MediaProbe.openInput(source(index).path, findStreamInfo: false)
            } catch let error as MiaError {
                throw error.about("clip \(index + 1) (\(clips[index].path))")
            }
        }
        // One time base for the joined video: a re-encoded segment's (frames land on exact ticks).
        let timeBaseIndex = copied.firstIndex(of: false) ?? 0
        let timeBase = try open(timeBaseIndex).timeBase(ofStream: source(timeBaseIndex).stream)
        let lengths = clips.indices.map { index -> Int64 in
            if copied[index], let video = clips[index].video, let stated = video.durationTimestamp {
                return video.timeBase.rescale(stated, to: timeBase)
            }
            return Int64(frames[index]) * Rational(target.fps.den, target.fps.num).rescale(1, to: timeBase)
        }
        var ends: [Int64] = []
        for length in lengths { ends.append((ends.last ?? 0) + length) }
        let sampleUnit = Rational(1, target.audio?.sampleRate ?? 1)

        let output = try wrapWrite { try OutputContainer(path: path, formatName: container.muxer) }
        let firstInput = try open(0)
        let videoOut = try wrapWrite { try output.addCopiedStream(from: firstInput, stream: source(0).stream, timeBase: timeBase) }
        let audioTrack = try target.audio.map { format in
            try wrapWrite { try ConformedAudioTrack(output: output, format: format, settings: settings) }
        }
        if options.chapters {
            let chapters = clips.indices.map { index in
                (title: URL(fileURLWithPath: clips[index].path).deletingPathExtension().lastPathComponent,
                 start: index == 0 ? 0 : ends[index - 1], end: ends[index])
            }
            try wrapWrite { try output.setChapters(chapters, timeBase: timeBase) }
        }
        try wrapWrite { try output.writeHeader(options: container.headerOptions(placement)) }
        let muxTimeBase = output.timeBase(ofStream: videoOut)

        var timeline = JoinTimeline(videoTimeBase: timeBase, audioRate: Int64(target.audio?.sampleRate ?? 1))
        var spans: [ClipSpan] = []
        let packet = Packet()
        for index in clips.indices {
            let subject = "clip \(index + 1) (\(clips[index].path))"
            let input = index == 0 ? firstInput : try open(index)
            let stream = source(index).stream
            let sourceTimeBase = input.timeBase(ofStream: stream)
            let start = copied[index] ? (clips[index].video?.startTimestamp).map { sourceTimeBase.rescale($0, to: timeBase) } ?? 0 : 0
            let clipStart = index == 0 ? 0 : ends[index - 1]
            timeline.beginClip(videoStart: start, expectedVideoDuration: lengths[index], isLast: index == clips.count - 1)
            try wrapWrite {
                try audioTrack?.beginClip(clips[index],
                                          samples: timeBase.rescale(ends[index], to: sampleUnit) - timeBase.rescale(clipStart, to: sampleUnit),
                                          fadeIn: index > 0, fadeOut: index < clips.count - 1)
            }
            while try read(input, into: packet, subject: subject) {
                guard packet.streamIndex == stream, packet.pts != nil, packet.dts != nil else { continue }
                packet.rescaleTimestamps(from: sourceTimeBase, to: timeBase)
                let duration = packet.duration > 0 ? packet.duration : Rational(target.fps.den, target.fps.num).rescale(1, to: timeBase)
                let placed: (pts: Int64, dts: Int64)
                do {
                    placed = try timeline.placeVideo(pts: packet.pts!, dts: packet.dts!, duration: duration, hidden: packet.isDiscarded)
                } catch {
                    throw StreamCopyStitch.explain(error, subject: subject, timeBase: timeBase)
                }
                packet.rawPTS = placed.pts
                packet.rawDTS = placed.dts
                packet.setDuration(duration)
                packet.setStreamIndex(videoOut)
                packet.clearForMuxing()
                packet.rescaleTimestamps(from: timeBase, to: muxTimeBase)
                try wrapWrite { try output.write(packet) }
                // Keep the audio just ahead of the video, so the file interleaves.
                try wrapWrite { try audioTrack?.advance(to: timeBase.rescale(placed.pts + duration, to: sampleUnit)) }
            }
            let span = timeline.endClip()
            if span.end - span.start != lengths[index] {
                throw MiaError(file: subject, String(format: "its video lasts %.3f s, not the %.3f s planned; run again with --normalize always",
                                                     Double(span.end - span.start) * timeBase.value, Double(lengths[index]) * timeBase.value))
            }
            try wrapWrite { try audioTrack?.endClip() }
            spans.append(ClipSpan(path: clips[index].path, start: span.start, end: span.end, timeBase: timeBase))
            log.emit(MiaEvent("MIA:STITCH:CLIP", [
                ("index", .int(Int64(index + 1))),
                ("file", .string(clips[index].path)),
                ("offset", .seconds(spans[index].startSeconds)),
                ("duration", .seconds(spans[index].durationSeconds)),
                ("video", copied[index] ? "copied" : "re-encoded"),
            ]))
            progress?(StitchProgress(clipsDone: index + 1, clipCount: clips.count))
        }
        try wrapWrite { try audioTrack?.finish() }
        do {
            try output.finish()
        } catch let error as FFmpegError {
            if case .reserved = placement { throw StreamCopyStitch.IndexReservationTooSmall() }
            throw MiaError(file: path, "cannot write output: \(error.function) failed: \(error.message)")
        }
        return StitchOutcome(spans: spans, videoPackets: timeline.video.packets, audioPackets: audioTrack?.packetsWritten ?? 0,
                             droppedAudioPackets: 0, videoTimeBase: timeBase,
                             audioEnd: audioTrack.map { Double($0.position) * sampleUnit.value })
    }

    private func read(_ input: InputContainer, into packet: Packet, subject: String) throws -> Bool {
        do {
            return try input.read(into: packet)
        } catch let error as FFmpegError {
            throw MiaError(file: subject, "cannot read media data, the file is truncated or damaged (\(error.message))")
        }
    }

    /// Runs a step of writing the output, naming the output file if FFmpeg fails.
    private func wrapWrite<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FFmpegError {
            throw MiaError(file: path, "cannot write output: \(error.function) failed: \(error.message)")
        }
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

    init(beside output: String, count: Int) {
        let url = URL(fileURLWithPath: output)
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        paths = (0..<count).map { index in
            url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(token).clip\(index + 1).mp4").path
        }
        for path in paths { TemporaryFiles.shared.register(path) }
    }

    subscript(index: Int) -> String { paths[index] }

    func removeAll() {
        for path in paths {
            unlink(path)
            TemporaryFiles.shared.unregister(path)
        }
    }
}
