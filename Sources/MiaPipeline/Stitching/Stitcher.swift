import Foundation

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
        let infos = try preflight(clips)

        log.emit(MiaEvent("MIA:STITCH:START", [
            ("clips", .int(Int64(clips.count))),
            ("output", .string(output)),
            ("mode", "copy"),
        ]))
        let outcome = try target.write { temporary in
            var placement = StreamCopyStitch.indexPlacement(for: infos, container: container, options: options)
            var outcome: StreamCopyStitch.Outcome
            while true {
                do {
                    outcome = try StreamCopyStitch(clips: infos, path: temporary, container: container, options: options,
                                                   indexPlacement: placement, log: log, progress: progress).run()
                    break
                } catch is StreamCopyStitch.IndexReservationTooSmall {
                    // Rare (the reservation is generous): redo the copy with faststart's rewrite.
                    placement = .secondPass
                }
            }
            try checkWritten(temporary, against: outcome, hasAudio: infos[0].audio != nil)
            return outcome
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int64) ?? 0
        let duration = outcome.spans.last.map { Double($0.end) * $0.timeBase.value } ?? 0
        let elapsed = Date().timeIntervalSince(started)
        log.emit(MiaEvent("MIA:STITCH:COMPLETE", [
            ("output", .string(output)),
            ("duration", .seconds(duration)),
            ("bytes", .int(bytes)),
            ("elapsed", .seconds(elapsed)),
        ]))
        return StitchResult(output: output, mode: "copy", clips: outcome.spans, duration: duration,
                            audioEnd: outcome.audioEnd, bytes: bytes, videoPackets: outcome.videoPackets,
                            audioPackets: outcome.audioPackets, droppedAudioPackets: outcome.droppedAudioPackets,
                            elapsed: elapsed)
    }

    /// Reads every clip (in parallel) and checks it can be copied after clip 1, before anything is
    /// written. The first problem in clip order is reported.
    /// - Returns: the clips' parameters, in order.
    func preflight(_ clips: [String]) throws -> [ClipInfo] {
        let numbered = Array(clips.enumerated().map { (number: $0.offset + 1, path: $0.element) })
        let inspected = numbered.parallelMap { clip in
            Result { try Self.inspect(clip.path, subject: "clip \(clip.number) (\(clip.path))") }
        }
        var infos: [ClipInfo] = []
        infos.reserveCapacity(clips.count)
        for (index, result) in inspected.enumerated() {
            let info = try result.get()
            if let reference = infos.first {
                let differences = StitchCompatibility.mismatches(of: info, number: index + 1, against: reference)
                if let firstDifference = differences.first {
                    let more = differences.count > 1 ? " (and \(differences.count - 1) more difference\(differences.count > 2 ? "s" : ""))" : ""
                    throw MiaError(file: "clip \(index + 1) (\(info.path))",
                                   "\(firstDifference.problem)\(more); stream copy needs clips with identical parameters")
                }
            }
            infos.append(info)
        }
        return infos
    }

    /// One clip's parameters, with the problems that rule it out for any stitch.
    private static func inspect(_ path: String, subject: String) throws -> ClipInfo {
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
        if let truncation = info.truncation { throw MiaError(file: subject, truncation) }
        guard info.video != nil else {
            let kinds = Set(info.streams.map(\.kind.rawValue)).sorted().joined(separator: ", ")
            throw MiaError(file: subject, "has no video stream" + (kinds.isEmpty ? "" : " (only \(kinds))"))
        }
        if info.indexedDataEnd == nil {
            info = try ClipLength.measured(info, subject: subject)
        }
        return info
    }

    /// Reopens the written file and checks it holds what was written, before it is renamed into place.
    private func checkWritten(_ path: String, against outcome: StreamCopyStitch.Outcome, hasAudio: Bool) throws {
        let written: ClipInfo
        do {
            written = try MediaProbe.inspect(path)
        } catch let error as MiaError {
            throw MiaError(file: path, "the written file does not read back: \(error.problem)")
        }
        guard written.video != nil, (written.audio != nil) == hasAudio else {
            throw MiaError(file: path, "the written file lacks a stream that was written")
        }
        if let frames = written.video?.frameCount, frames != outcome.videoPackets {
            throw MiaError(file: path, "the written file holds \(frames) video frames, \(outcome.videoPackets) were written")
        }
    }
}
