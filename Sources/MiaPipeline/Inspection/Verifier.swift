import Foundation
import MiaFFmpeg

/// What `verify` found for one file.
public struct VerifyReport: Sendable, Encodable {
    public let file: String
    /// Seconds from the first to the end of the last decoded video frame.
    public var duration: Double?
    public var videoFrames = 0
    public var audioFrames = 0
    public var decodeErrors = 0
    public var timestampErrors = 0
    /// Every problem found, one line each; empty means the file passed.
    public var problems: [String] = []
    public var elapsed: Double = 0

    public var passed: Bool { problems.isEmpty }

    init(file: String) { self.file = file }
}

/// Decodes every frame of a file and checks what a stitch, a player or a CI job relies on.
public struct Verifier: Sendable {
    public let log: any EventSink

    public init(log: any EventSink) { self.log = log }

    /// Checks each file on its own and, when `asStitchSet`, that all of them could be stitched by stream copy.
    /// - Parameter plan: when given, file N is also checked against scene N of the plan.
    /// - Returns: one report per file, in order.
    public func verify(_ files: [String], asStitchSet: Bool = true, plan: RenderPlan? = nil) -> [VerifyReport] {
        var reports: [VerifyReport] = []
        var reference: ClipInfo?
        for (index, file) in files.enumerated() {
            let started = Date()
            var report = VerifyReport(file: file)
            do {
                let info = try MediaProbe.inspect(file)
                if let truncation = info.truncation { report.problems.append(truncation) }
                if info.video == nil { report.problems.append("has no video stream") }
                if asStitchSet, files.count > 1, info.video != nil {
                    if index == 0 {
                        reference = info
                    } else if let reference {
                        report.problems += StitchCompatibility.mismatches(of: info, number: index + 1, against: reference)
                            .map { "not stitch-compatible: \($0.problem)" }
                    }
                }
                try decodeAll(info, into: &report)
                if let plan, index < plan.scenes.count {
                    report.problems += PlanConformance.problems(info, decodedDuration: report.duration,
                                                                job: plan.scenes[index], target: plan.target)
                }
            } catch let error as MiaError {
                report.problems.append(error.problem)
            } catch {
                report.problems.append("\(error)")
            }
            report.elapsed = Date().timeIntervalSince(started)
            var fields: [(String, MiaEvent.Value)] = [
                ("file", .string(file)), ("result", .string(report.passed ? "pass" : "fail")),
                ("video_frames", .int(Int64(report.videoFrames))), ("audio_frames", .int(Int64(report.audioFrames))),
                ("decode_errors", .int(Int64(report.decodeErrors))),
            ]
            if let duration = report.duration { fields.append(("duration", .seconds(duration))) }
            if let problem = report.problems.first { fields.append(("reason", .string(problem))) }
            log.emit(MiaEvent(report.passed ? "MIA:VERIFY" : "MIA:VERIFY:ERROR", fields))
            reports.append(report)
        }
        return reports
    }

    private func decodeAll(_ info: ClipInfo, into report: inout VerifyReport) throws {
        let input = try MediaProbe.openInput(info.path)
        var decoders: [Int: Decoder] = [:]
        for index in [info.videoIndex, info.audioIndex].compactMap({ $0 }) {
            do {
                decoders[index] = try Decoder(input: input, stream: index, deterministic: true)
            } catch let error as FFmpegError {
                report.problems.append("cannot decode stream #\(index): \(error.summary)")
            }
        }
        var lastDTS: [Int: Int64] = [:]
        var lastFramePTS: [Int: Int64] = [:]
        var firstVideoPTS: Int64?
        var videoEnd: Int64?
        var audioSpan: (start: Int64, end: Int64)?
        // Audio is measured by what decodes: a damaged index can give its last packet the rest of the
        // track's duration, so packet spans would look complete.
        var decodedSamples: Int64 = 0
        let packet = Packet()
        let frame = Frame()

        func drain(_ stream: Int, _ decoder: Decoder) {
            while true {
                let step: CodecStep<Void>
                do {
                    step = try decoder.receive(into: frame)
                } catch {
                    report.decodeErrors += 1
                    continue
                }
                guard case .value = step else { return }
                if frame.isCorrupt { report.decodeErrors += 1 }
                if stream == info.videoIndex {
                    report.videoFrames += 1
                } else {
                    report.audioFrames += 1
                    decodedSamples += Int64(frame.sampleCount)
                }
                if let pts = frame.bestEffortTimestamp {
                    if let last = lastFramePTS[stream], pts <= last { report.timestampErrors += 1 }
                    lastFramePTS[stream] = pts
                }
            }
        }

        do {
            while try input.read(into: packet) {
                let stream = packet.streamIndex
                guard let decoder = decoders[stream] else { continue }
                if let dts = packet.dts {
                    if let last = lastDTS[stream], dts <= last { report.timestampErrors += 1 }
                    lastDTS[stream] = dts
                }
                if stream == info.videoIndex, let pts = packet.pts, !packet.isDiscarded {
                    firstVideoPTS = min(firstVideoPTS ?? pts, pts)
                    videoEnd = max(videoEnd ?? pts, pts &+ max(packet.duration, 0))
                }
                if stream == info.audioIndex, let pts = packet.pts, !packet.isDiscarded, let audio = info.audio {
                    let end = pts &+ (packet.duration > 0 ? packet.duration : audio.frameTicks)
                    audioSpan = (min(audioSpan?.start ?? pts, pts), max(audioSpan?.end ?? end, end))
                }
                do {
                    try decoder.send(packet)
                } catch {
                    report.decodeErrors += 1
                }
                drain(stream, decoder)
            }
        } catch let error as FFmpegError {
            report.problems.append("cannot read to the end: \(error.message) (truncated or damaged)")
        }
        for (stream, decoder) in decoders {
            try? decoder.send(nil)
            drain(stream, decoder)
        }
        if let first = firstVideoPTS, let end = videoEnd, let video = info.video {
            report.duration = Double(end.clampedMinus(first)) * video.timeBase.value
        }
        // The same question the stitch pre-flight asks: does each stream hold what the file states?
        var heldAudio: Int64?
        if let audio = info.audio {
            if let index = info.audioIndex, decoders[index] != nil, let rate = audio.sampleRate, rate > 0 {
                heldAudio = Rational(1, rate).rescale(decodedSamples, to: audio.timeBase)
            } else {
                heldAudio = audioSpan.map { $0.end.clampedMinus($0.start) } ?? 0
            }
        }
        let held = Completeness.Held(video: firstVideoPTS.flatMap { first in videoEnd.map { $0.clampedMinus(first) } } ?? 0, audio: heldAudio)
        report.problems += Completeness.problems(info, held: held)
        if report.decodeErrors > 0 { report.problems.append("\(report.decodeErrors) decode error(s)") }
        if report.timestampErrors > 0 {
            report.problems.append("\(report.timestampErrors) timestamp(s) not increasing")
        }
        if info.videoIndex != nil, decoders[info.videoIndex!] != nil, report.videoFrames == 0 {
            report.problems.append("no video frame decodes")
        }
    }
}
