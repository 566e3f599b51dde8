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
            let outcome = try StreamCopyStitch(clips: infos, path: temporary, container: container, options: options,
                                               log: log, progress: progress).run()
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

    /// Reads every clip and checks it can be copied after clip 1, before anything is written.
    /// - Returns: the clips' parameters, in order.
    func preflight(_ clips: [String]) throws -> [ClipInfo] {
        var infos: [ClipInfo] = []
        infos.reserveCapacity(clips.count)
        for (index, path) in clips.enumerated() {
            let subject = "clip \(index + 1) (\(path))"
            var info: ClipInfo
            do {
                info = try MediaProbe.inspect(path)
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
            if let reference = infos.first {
                let differences = StitchCompatibility.mismatches(of: info, number: index + 1, against: reference)
                if let firstDifference = differences.first {
                    let more = differences.count > 1 ? " (and \(differences.count - 1) more difference\(differences.count > 2 ? "s" : ""))" : ""
                    throw MiaError(file: subject, "\(firstDifference.problem)\(more); stream copy needs clips with identical parameters")
                }
            }
            infos.append(info)
        }
        return infos
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
