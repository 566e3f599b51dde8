import Foundation

extension Stitcher {
    /// A narrated plan: its clips stitched as any plan's are, into a hidden file beside `output`,
    /// then the soundtrack pass (`Soundtrack`) writes `output` from that, through `AtomicOutput`.
    /// The hidden file goes on every path, success or failure.
    /// - Throws: `MiaError` naming the scene and its narration file when one is missing or unreadable,
    ///   or what the stitch refused. Nothing is written then.
    func stitchNarrated(_ files: PlanFiles, to output: String, options: StitchOptions) throws -> StitchResult {
        let started = Date()
        let container = try OutputContainerFormat(outputPath: output)
        let target = try AtomicOutput(destination: output, overwrite: options.overwrite)
        // Every narration is looked for before any work is done.
        var narrated: [(index: Int, job: SceneJob, speech: SceneSpeech, path: String)] = []
        for (index, job) in files.plan.scenes.enumerated() {
            guard let speech = job.speech, let path = try files.speechPath(job) else { continue }
            guard FileManager.default.fileExists(atPath: path) else {
                throw MiaError(.scene(job.sceneNumber), "its narration \(path) is missing")
            }
            narrated.append((index, job, speech, path))
        }

        let plainPath = LeftoverFiles.name(beside: output, suffix: "stitched.\(container.fileExtension)")
        TemporaryFiles.shared.register(plainPath)
        defer {
            unlink(plainPath)
            TemporaryFiles.shared.unregister(plainPath)
        }
        var plainOptions = options
        // The plain stitch is read once, front to back: no index up front, no decode check (the final file gets it).
        plainOptions.faststart = false
        plainOptions.overwrite = false
        plainOptions.verifyOutput = false
        let plain = try Stitcher(log: OutputNaming(log: log, hidden: plainPath, shown: output), progress: progress)
            .stitch(files.clipPaths, to: plainPath, options: plainOptions)

        let settings = files.plan.soundtrack ?? SoundtrackSettings()
        let cues = narrated.map { item in
            let span = plain.clips[item.index]
            return NarrationCue(scene: item.job.sceneNumber, file: item.path, start: span.startSeconds + item.speech.leadIn,
                                sceneEnd: Double(span.end) * span.timeBase.value)
        }
        do {
            guard let last = plain.clips.last else { throw MiaError("no clips to stitch") }
            let outcome = try target.write { temporary in
                let outcome = try Soundtrack(
                    stitched: plainPath, temporary: temporary, destination: output, container: container, options: options,
                    videoEnd: last.end, videoTimeBase: last.timeBase, cues: cues, settings: settings,
                    format: .init(sampleRate: files.plan.target.audioSampleRate, channels: files.plan.target.audioChannels),
                    log: log).run()
                let written = StitchOutcome(spans: plain.clips, videoPackets: outcome.videoPackets, audioPackets: outcome.audioPackets,
                                            droppedAudioPackets: 0, videoTimeBase: last.timeBase, audioEnd: plain.duration)
                try checkWritten(temporary, destination: output, against: written, hasAudio: true, verifyOutput: options.verifyOutput)
                return outcome
            }
            let report = outcome.report
            log.emit(MiaEvent("MIA:SOUNDTRACK", [
                ("output", .string(output)),
                ("narrated_scenes", .int(Int64(report.narratedScenes))),
                ("duck", .seconds(report.duck)),
                ("target_loudness", .seconds(report.targetLoudness)),
                ("integrated_loudness", .seconds(report.integratedLoudness)),
                ("true_peak", .seconds(report.truePeak)),
                ("gain", .seconds(report.gain)),
                ("limited", .bool(report.limited)),
                ("normalized", .bool(report.normalized)),
                ("writes", .int(Int64(report.writes))),
                ("elapsed", .seconds(Date().timeIntervalSince(started))),
            ]))
            let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int64) ?? 0
            var result = StitchResult(output: output, mode: plain.mode, clips: plain.clips, duration: plain.duration,
                                      audioEnd: plain.duration, bytes: bytes, videoPackets: outcome.videoPackets,
                                      audioPackets: outcome.audioPackets, droppedAudioPackets: plain.droppedAudioPackets,
                                      elapsed: Date().timeIntervalSince(started))
            result.target = plain.target
            result.copiedClips = plain.copiedClips
            result.reencodedClips = plain.reencodedClips
            result.soundtrack = report
            return result
        } catch let error as MiaError {
            log.emit(MiaEvent("MIA:STITCH:ERROR", [("reason", .string(error.message))]))
            throw error
        }
    }
}

/// The plain stitch's events name the output the user asked for, not the hidden file it goes to.
private struct OutputNaming: EventSink {
    let log: any EventSink
    let hidden: String
    let shown: String

    func emit(_ event: MiaEvent) {
        log.emit(MiaEvent(event.tag, event.fields.map { ($0.key, $0.value == .string(hidden) ? .string(shown) : $0.value) }))
    }
}
