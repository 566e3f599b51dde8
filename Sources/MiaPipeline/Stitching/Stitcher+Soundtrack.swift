import Foundation

extension Stitcher {
    /// A narrated plan, or one with music: its clips stitched as any plan's are, into a hidden file
    /// beside `output`, then the soundtrack pass (`Soundtrack`) writes `output` from that, through
    /// `AtomicOutput`. The hidden file goes on every path, success or failure. Captions (`CaptionMode`)
    /// come from the narration's word timings: a subtitle track in the same pass (`soft`), and the sidecar
    /// files, written only once the video is published.
    /// - Parameter music: the music file as `MusicBed.check` found it, or nil.
    /// - Throws: `MiaError` naming the scene and its narration file when one is missing or unreadable,
    ///   or what the stitch refused. Nothing is written then.
    func stitchNarrated(_ files: PlanFiles, music: ClipInfo?, to output: String, options: StitchOptions) throws -> StitchResult {
        let started = Date()
        let container = try OutputContainerFormat(outputPath: output)
        let captionMode = options.captions ?? files.plan.captions ?? .sidecar
        // Refused before any work, not after the video is made.
        if captionMode.writesSidecars { try CaptionFiles.checkDestinations(beside: output, overwrite: options.overwrite) }
        let appearance = options.captionAppearance ?? files.plan.captionAppearance ?? CaptionAppearance()
        let font = captionMode == .burn ? try CaptionFont.resolve(appearance.font) : nil
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

        let source = CaptionSource(language: files.plan.language, clips: files.plan.scenes.indices.map { index in
            narrated.first { $0.index == index }.map { CaptionSource.Clip(scene: $0.job.sceneNumber, leadIn: $0.speech.leadIn, words: $0.speech.words) }
        })

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
        if let font {
            let burned = BurnedCaptions(source: source, style: appearance.style, font: font)
            if let missing = burned.missingGlyphs {
                log.emit(MiaEvent("MIA:WARN", [("kind", "caption-glyphs"), ("output", .string(output)), ("message", .string(missing))]))
            }
            plainOptions.burnedCaptions = burned
        }
        let plain = try Stitcher(log: OutputNaming(log: log, hidden: plainPath, shown: output), progress: progress)
            .stitch(files.clipPaths, to: plainPath, options: plainOptions)

        let settings = files.plan.soundtrack ?? SoundtrackSettings()
        let cues = narrated.map { item in
            let span = plain.clips[item.index]
            return NarrationCue(scene: item.job.sceneNumber, file: item.path, start: span.startSeconds + item.speech.leadIn,
                                sceneEnd: Double(span.end) * span.timeBase.value)
        }
        let captions = captionMode == .none ? [] : source.cues(spans: plain.clips.map { ($0.startSeconds, Double($0.end) * $0.timeBase.value) })
        do {
            guard let last = plain.clips.last else { throw MiaError("no clips to stitch") }
            let outcome = try target.write { temporary in
                let outcome = try Soundtrack(
                    stitched: plainPath, temporary: temporary, destination: output, container: container, options: options,
                    videoEnd: last.end, videoTimeBase: last.timeBase, cues: cues, music: music, settings: settings,
                    captions: captionMode == .soft ? captions : [], language: CaptionLanguage.iso639_2(files.plan.language),
                    format: .init(sampleRate: files.plan.target.audioSampleRate, channels: files.plan.target.audioChannels),
                    log: log).run()
                let written = StitchOutcome(spans: plain.clips, videoPackets: outcome.videoPackets, audioPackets: outcome.audioPackets,
                                            droppedAudioPackets: 0, videoTimeBase: last.timeBase, audioEnd: plain.duration)
                try checkWritten(temporary, destination: output, against: written, hasAudio: true, verifyOutput: options.verifyOutput)
                return outcome
            }
            let report = outcome.report
            var fields: [(String, MiaEvent.Value)] = [
                ("output", .string(output)),
                ("narrated_scenes", .int(Int64(report.narratedScenes))),
                ("duck", .seconds(report.duck)),
            ]
            if let music = report.music {
                fields += [("music", .string(music)), ("music_duck", .seconds(report.musicDuck)),
                           ("music_loops", .int(Int64(report.musicLoops)))]
            }
            fields += [
                ("target_loudness", .seconds(report.targetLoudness)),
                ("integrated_loudness", .seconds(report.integratedLoudness)),
                ("true_peak", .seconds(report.truePeak)),
                ("gain", .seconds(report.gain)),
                ("limited", .bool(report.limited)),
                ("normalized", .bool(report.normalized)),
                ("writes", .int(Int64(report.writes))),
                ("elapsed", .seconds(Date().timeIntervalSince(started))),
            ]
            let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int64) ?? 0
            // The finished file's size: the picture's STITCH:COMPLETE (final=false) was of the file before its sound.
            fields.append(("bytes", .int(bytes)))
            log.emit(MiaEvent("MIA:SOUNDTRACK", fields))
            var result = StitchResult(output: output, mode: plain.mode, clips: plain.clips, duration: plain.duration,
                                      audioEnd: plain.duration, bytes: bytes, videoPackets: outcome.videoPackets,
                                      audioPackets: outcome.audioPackets, droppedAudioPackets: plain.droppedAudioPackets,
                                      elapsed: Date().timeIntervalSince(started))
            result.target = plain.target
            result.copiedClips = plain.copiedClips
            result.reencodedClips = plain.reencodedClips
            result.soundtrack = report
            result.captions = captions
            if captionMode.writesSidecars {
                // Only now: a video that failed gets no captions.
                let written = try CaptionFiles.write(captions, beside: output, overwrite: options.overwrite)
                result.captionFiles = [written.srt, written.vtt]
            }
            var captionFields: [(String, MiaEvent.Value)] = [
                ("output", .string(output)), ("mode", .string(captionMode.rawValue)), ("cues", .int(Int64(captions.count))),
                ("track_packets", .int(Int64(outcome.subtitlePackets))),
                ("files", .string(result.captionFiles.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ","))),
            ]
            if let font { captionFields += [("style", .string(appearance.style.rawValue)), ("font", .string(font.family))] }
            log.emit(MiaEvent("MIA:CAPTIONS", captionFields))
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
        var fields = event.fields.map { ($0.key, $0.value == .string(hidden) ? .string(shown) : $0.value) }
        // Its picture is done, not the video: MIA:SOUNDTRACK reports the finished file.
        if event.tag == "MIA:STITCH:COMPLETE" { fields.append(("final", .bool(false))) }
        log.emit(MiaEvent(event.tag, fields))
    }
}
