import Foundation
import MiaFFmpeg

/// Joins clips into one file: checks every clip first, then copies packets onto one timeline.
public struct Stitcher: Sendable {
    public let log: any EventSink
    public let progress: (@Sendable (StitchProgress) -> Void)?

    public init(log: any EventSink, progress: (@Sendable (StitchProgress) -> Void)? = nil) {
        self.log = log
        self.progress = progress
    }

    /// - Parameters:
    ///   - clips: clip paths, in order.
    ///   - output: the file to write; its extension picks the container.
    /// - Throws: `MiaError` naming the clip (or the output) and the problem. Nothing is written then.
    @discardableResult
    public func stitch(_ clips: [String], to output: String, options: StitchOptions = StitchOptions()) throws -> StitchResult {
        let started = Date()
        do {
            return try run(clips, output: output, options: options, started: started)
        } catch let error as MiaError {
            log.emit(MiaEvent("MIA:STITCH:ERROR", [("reason", .string(error.message))]))
            throw error
        }
    }

    private func run(_ clips: [String], output: String, options: StitchOptions, started: Date) throws -> StitchResult {
        guard !clips.isEmpty else { throw MiaError("no clips to stitch") }
        let container = try OutputContainerFormat(outputPath: output)
        let target = try AtomicOutput(destination: output, overwrite: options.overwrite)
        try checkLengths(options.clipLengths, of: clips)
        let infos = try inspectAll(clips)
        let unfitted = NormalizePlanner.lengthMismatches(infos, options: options)
        let mismatches = infos.indices.dropFirst().flatMap {
            StitchCompatibility.mismatches(of: infos[$0], number: $0 + 1, against: infos[0])
        }
        let refusal = container.refusal(of: [infos[0].video?.codec, infos[0].audio?.codec].compactMap { $0 })
        if options.normalize == .never {
            if options.crossfade != nil { throw MiaError("a crossfade re-encodes the clips; it cannot go with --normalize never") }
            if options.burnedCaptions != nil {
                throw MiaError("burned captions re-encode the picture; they cannot go with --normalize never (use --captions soft or sidecar)")
            }
            try refuseCopy(mismatches)
            if let refusal {
                throw MiaError(.clip(number: 1, path: infos[0].path), "\(refusal), or use --normalize auto to re-encode to H.264 and AAC")
            }
            if let first = unfitted.first {
                throw MiaError(.clip(number: first.clipNumber, path: first.file),
                               "\(first.problem); fitting it re-encodes it, which --normalize never rules out")
            }
        }
        if options.normalize != .never, let reason = NormalizePlanner.reasonToNormalize(
            mode: options.normalize, mismatches: mismatches, containerRefusal: refusal, unfitted: unfitted,
            clips: infos, options: options) {
            return try normalize(infos, output: target, container: container, options: options, unfitted: unfitted,
                                 reason: reason, started: started)
        }

        log.emit(MiaEvent("MIA:STITCH:START", [
            ("clips", .int(Int64(clips.count))),
            ("output", .string(output)),
            ("mode", "copy"),
        ]))
        let outcome = try target.write { temporary in
            let placement = StreamCopyStitch.indexPlacement(for: infos, container: container, options: options)
            let outcome = try StitchMuxer.withIndexRetry(placement) { placement in
                try StreamCopyStitch(clips: infos, temporary: temporary, destination: output, container: container, options: options,
                                     indexPlacement: placement, log: log, progress: progress).run()
            }
            try checkWritten(temporary, destination: output, against: outcome, hasAudio: infos[0].audio != nil,
                             lengths: options.clipLengths, verifyOutput: options.verifyOutput)
            return outcome
        }
        return complete(outcome, output: output, mode: "copy", started: started)
    }

    /// Re-encodes what must be, copies what may be (`NormalizingStitch`).
    /// - Parameter unfitted: clips to cut or hold to their `clipLengths`: re-encoded even when they match.
    private func normalize(_ infos: [ClipInfo], output: AtomicOutput, container: OutputContainerFormat,
                           options: StitchOptions, unfitted: [LengthMismatch], reason: String, started: Date) throws -> StitchResult {
        let format = NormalizePlanner.target(for: infos, options: options)
        let settings = EncodingSettings()
        var copyable: [Bool]
        do {
            copyable = try NormalizePlanner.copyableVideo(infos, target: format, mode: options.normalize, settings: settings)
        } catch let error as FFmpegError {
            throw MiaError("cannot open the H.264 encoder (libx264) for \(format): \(error.summary)", cause: error)
        }
        for clip in unfitted { copyable[clip.clipNumber - 1] = false }
        // Drawn on every picture: nothing is copied.
        if options.burnedCaptions != nil { copyable = copyable.map { _ in false } }
        log.emit(MiaEvent("MIA:STITCH:START", [
            ("clips", .int(Int64(infos.count))),
            ("output", .string(output.destination)),
            ("mode", "normalize"),
            ("reason", .string(reason)),
            ("target", .string(format.description)),
        ]))
        let outcome = try output.write { temporary in
            let outcome = try NormalizingStitch(clips: infos, temporary: temporary, destination: output.destination,
                                                container: container, options: options, target: format, settings: settings,
                                                log: log, progress: progress)
                .run(copyable: copyable)
            try checkWritten(temporary, destination: output.destination, against: outcome.written, hasAudio: format.audio != nil,
                             lengths: options.crossfade == nil ? options.clipLengths : nil, verifyOutput: options.verifyOutput)
            return outcome
        }
        var result = complete(outcome.written, output: output.destination, mode: "normalize", started: started,
                              copied: outcome.copied, overlap: options.crossfade == nil ? nil : outcome.overlapSeconds)
        result.target = format
        return result
    }

    /// - Parameter overlap: seconds crossfades took off the total, said in the summary so a shorter
    ///   video is no surprise.
    private func complete(_ outcome: StitchOutcome, output: String, mode: String, started: Date,
                          copied: [Bool]? = nil, overlap: Double? = nil) -> StitchResult {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int64) ?? 0
        let duration = outcome.spans.last.map { Double($0.end) * $0.timeBase.value } ?? 0
        let elapsed = Date().timeIntervalSince(started)
        let copiedClips = copied.map { flags in flags.indices.filter { flags[$0] }.map { $0 + 1 } } ?? []
        let reencodedClips = copied.map { flags in flags.indices.filter { !flags[$0] }.map { $0 + 1 } } ?? []
        var fields: [(String, MiaEvent.Value)] = [
            ("output", .string(output)),
            ("duration", .seconds(duration)),
            ("bytes", .int(bytes)),
            ("elapsed", .seconds(elapsed)),
        ]
        if copied != nil {
            fields.append(("copied", .int(Int64(copiedClips.count))))
            fields.append(("reencoded", .int(Int64(reencodedClips.count))))
        }
        if let overlap {
            fields.append(("crossfades", .int(Int64(max(0, outcome.spans.count - 1)))))
            fields.append(("shortened_by", .seconds(overlap)))
        }
        log.emit(MiaEvent("MIA:STITCH:COMPLETE", fields))
        var result = StitchResult(output: output, mode: mode, clips: outcome.spans, duration: duration,
                                  audioEnd: outcome.audioEnd, bytes: bytes, videoPackets: outcome.videoPackets,
                                  audioPackets: outcome.audioPackets, droppedAudioPackets: outcome.droppedAudioPackets,
                                  elapsed: elapsed)
        result.copiedClips = copiedClips
        result.reencodedClips = reencodedClips
        return result
    }

    /// Reads every clip (in parallel), refusing any that no stitch can use, before anything is
    /// written. The first problem in clip order is reported.
    /// - Returns: the clips' parameters, in order.
    func inspectAll(_ clips: [String]) throws -> [ClipInfo] {
        let numbered = Array(clips.enumerated().map { (number: $0.offset + 1, path: $0.element) })
        let inspected = numbered.parallelMap { clip in
            Result { try Self.inspect(clip.path, subject: .clip(number: clip.number, path: clip.path)) }
        }
        return try inspected.map { try $0.get() }
    }

    /// Target lengths come from a plan file, which may be hostile: one per clip, each a positive
    /// number of seconds no longer than a day (a frame count must fit in an Int).
    private func checkLengths(_ lengths: [Double]?, of clips: [String]) throws {
        guard let lengths else { return }
        guard lengths.count == clips.count else {
            throw MiaError("\(lengths.count) clip lengths were given for \(clips.count) clips")
        }
        if let index = lengths.firstIndex(where: { !($0 > 0 && $0 <= 86_400) }) {
            throw MiaError(.clip(number: index + 1, path: clips[index]),
                           "its length \(lengths[index]) s is not a positive number of seconds up to a day")
        }
    }

    /// The copy-only refusal: the first clip that differs, with its first difference.
    private func refuseCopy(_ mismatches: [StitchMismatch]) throws {
        guard let first = mismatches.first else { return }
        let count = mismatches.filter { $0.clipNumber == first.clipNumber }.count
        let more = count > 1 ? " (and \(count - 1) more difference\(count > 2 ? "s" : ""))" : ""
        throw MiaError(.clip(number: first.clipNumber, path: first.file),
                       "\(first.problem)\(more); stream copy needs clips with identical parameters (or use --normalize auto)")
    }

    /// One clip's parameters, with the problems that rule it out for any stitch.
    private static func inspect(_ path: String, subject: MiaError.Subject) throws -> ClipInfo {
        var info: ClipInfo
        do {
            info = try MediaProbe.inspectHeader(path)
            // An mp4/mov header states every parameter the copy needs except the pixel format, and
            // codec extradata (H.264/HEVC SPS) pins that; compared byte for byte, it needs no decode.
            // Anything else gets the full probe, which decodes a frame.
            let headerSuffices = info.indexedDataEnd != nil && !(info.video?.extradata.isEmpty ?? true)
            if !headerSuffices { info = try MediaProbe.inspect(path) }
        } catch let error as MiaError {
            throw error.about(subject)
        }
        if let truncation = info.truncation { throw MiaError(subject, truncation) }
        // An index that lists less than the file states (a damaged sample table) reads as a short clip.
        if info.indexedDataEnd != nil, let problem = Completeness.problems(info, held: .init(
            video: info.video?.indexedDurationTimestamp, audio: info.audio?.indexedDurationTimestamp), fromIndex: true).first {
            throw MiaError(subject, problem)
        }
        guard info.video != nil else {
            let kinds = Set(info.streams.map(\.kind.rawValue)).sorted().joined(separator: ", ")
            throw MiaError(subject, "has no video stream" + (kinds.isEmpty ? "" : " (only \(kinds))"))
        }
        if info.indexedDataEnd == nil {
            info = try ClipLength.measured(info, subject: subject)
        }
        return info
    }

    /// Reopens the written file and checks it holds what was written, before it is renamed into place.
    /// - Parameters:
    ///   - path: the temporary file just written.
    ///   - destination: the output as the user named it, for messages.
    ///   - verifyOutput: also decode it, every frame (`--verify`).
    ///   - lengths: `StitchOptions.clipLengths`: each clip's span must last it, within half a frame
    ///     (nil with crossfades, which take their overlaps off the clips).
    func checkWritten(_ path: String, destination: String, against outcome: StitchOutcome, hasAudio: Bool,
                      lengths: [Double]? = nil, verifyOutput: Bool) throws {
        let written: ClipInfo
        do {
            written = try MediaProbe.inspect(path)
        } catch let error as MiaError {
            throw MiaError(.output(destination), "the written file does not read back: \(error.problem)", cause: error)
        }
        guard written.video != nil, (written.audio != nil) == hasAudio else {
            throw MiaError(.output(destination), "the written file lacks a stream that was written")
        }
        if let frames = written.video?.frameCount, frames != outcome.videoPackets {
            throw MiaError(.output(destination), "the written file holds \(frames) video frames, \(outcome.videoPackets) were written")
        }
        if let lengths, let video = written.video {
            let halfFrame = Double(video.frameTicks) * video.timeBase.value / 2
            for (index, (span, length)) in zip(outcome.spans, lengths).enumerated()
            where abs(span.durationSeconds - length) > halfFrame + 1e-9 {
                throw MiaError(.clip(number: index + 1, path: span.path), String(
                    format: "it lasts %.3f s in the written file, not its %.3f s; this is a bug in mia-stitch", span.durationSeconds, length))
            }
        }
        if verifyOutput, let problem = Verifier(log: SilentLog()).verify([path], asStitchSet: false)[0].problems.first {
            throw MiaError(.output(destination), "the stitched video does not verify, so it was not written: \(problem)")
        }
    }
}
