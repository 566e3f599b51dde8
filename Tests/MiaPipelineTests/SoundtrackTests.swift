import Foundation
import Testing
@testable import MiaPipeline

/// A narrated plan's one soundtrack: loudness, ducking, placement over many scenes, the copied
/// video, and refusals. Media is made here with the ffmpeg CLI; loudness is checked with the ffmpeg
/// CLI's own `ebur128` (an oracle independent of the code under test).
@Suite struct SoundtrackTests {
    /// A plan folder: scene clips under `scenes/`, narrations under `voice/`.
    struct NarratedPlan {
        let scratch = Scratch()
        var jobs: [SceneJob] = []
        var soundtrack = SoundtrackSettings()

        /// Adds a scene: `seconds` of 320x240 30 fps video, the clip's own sound from `clipAudio`
        /// (a lavfi source), and narration from `narration` (a lavfi source, written as a 24 kHz mono WAV) at `leadIn`.
        mutating func addScene(seconds: Double, clipAudio: String, narration: String?, leadIn: Double = 0.2) throws {
            let number = jobs.count + 1
            try FileManager.default.createDirectory(atPath: scratch.path("scenes"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: scratch.path("voice"), withIntermediateDirectories: true)
            let clip = "scenes/scene-\(number).mp4"
            try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", clipAudio,
                        "-t", String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "30", "-bf", "0",
                        "-c:a", "aac", "-ar", "48000", "-ac", "2", scratch.path(clip)])
            var job = SceneJob(sceneNumber: number, title: "Scene \(number)", provider: .template, model: "template", seconds: seconds,
                               prompt: "p", narration: "n", onScreenText: "", output: clip, status: .complete, estimatedCost: 0, reason: "")
            if let narration {
                let file = "voice/scene-\(number).wav"
                try ffmpeg(["-f", "lavfi", "-i", narration, "-ar", "24000", "-ac", "1", "-c:a", "pcm_s16le", scratch.path(file)])
                let length = try #require(ffprobe(scratch.path(file), packets: false).stream("audio")?.seconds)
                job.speech = SceneSpeech(voice: "test", file: file, key: "k\(number)", seconds: length, leadIn: leadIn, words: [],
                                         approximateTimings: false, cost: 0)
            }
            jobs.append(job)
        }

        func files() throws -> PlanFiles {
            let plan = RenderPlan(renderPlanId: "plan-soundtrack", scriptHash: "h", script: "s.md", format: .headings,
                                  target: TargetFormat(width: 320, height: 240, fps: 30), budget: nil, targetDuration: nil,
                                  estimatedCost: 0, totalSeconds: jobs.reduce(0) { $0 + $1.seconds }, outputDirectory: "scenes",
                                  warnings: [], scenes: jobs, voice: "test", soundtrack: soundtrack)
            return try PlanFiles(plan: plan, path: scratch.path("plan.json"))
        }
    }

    /// EBU R128 of a file's audio as the ffmpeg CLI measures it: integrated LUFS and true peak dBTP.
    static func oracleLoudness(_ file: String) throws -> (integrated: Double, truePeak: Double) {
        let result = try run("ffmpeg", ["-hide_banner", "-nostats", "-i", file, "-map", "0:a", "-af", "ebur128=peak=true", "-f", "null", "-"])
        let summary = try #require(result.stderr.range(of: "Summary:").map { String(result.stderr[$0.upperBound...]) })
        func value(after label: String, in text: Substring) -> Double? {
            guard let range = text.range(of: label) else { return nil }
            return Double(text[range.upperBound...].trimmingCharacters(in: .whitespaces).prefix { "-+.0123456789".contains($0) })
        }
        let integrated = try #require(value(after: "I:", in: summary[...]))
        let peakSection = try #require(summary.range(of: "True peak:").map { summary[$0.upperBound...] })
        let truePeak = try #require(value(after: "Peak:", in: peakSection))
        return (integrated, truePeak)
    }

    /// The left channel of a file's audio, decoded by the ffmpeg CLI at 48 kHz.
    static func leftChannel(_ file: String) throws -> [Float] {
        let raw = FileManager.default.temporaryDirectory.appendingPathComponent("mia-left-\(UUID().uuidString).f32").path
        defer { unlink(raw) }
        try ffmpeg(["-i", file, "-map", "0:a", "-af", "pan=mono|c0=c0", "-ar", "48000", "-f", "f32le", raw])
        let data = try Data(contentsOf: URL(fileURLWithPath: raw))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Amplitude of the `frequency` component of `samples[range]` (Goertzel).
    static func level(of frequency: Double, in samples: [Float], seconds range: ClosedRange<Double>) -> Double {
        let from = Int(range.lowerBound * 48_000), to = Int(range.upperBound * 48_000)
        let coefficient = 2 * cos(2 * Double.pi * frequency / 48_000)
        var s1 = 0.0, s2 = 0.0
        for sample in samples[from..<to] {
            let s0 = Double(sample) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
        return 2 * sqrt(max(power, 0)) / Double(to - from)
    }

    static func decibels(_ ratio: Double) -> Double { 20 * log10(ratio) }

    @Test(arguments: [-14.0, -23.0])
    func theTrackLandsOnTheLoudnessTargetUnderTheTruePeakCeiling(target: Double) throws {
        var plan = NarratedPlan()
        plan.soundtrack = SoundtrackSettings(duck: -12, loudness: target)
        // Quiet speech with sharp clicks in it: at −14 LUFS the clicks would clip, so the true-peak
        // limit is exercised; at −23 one gain does it all.
        let clicky = "aevalsrc=0.05*sin(2*PI*1000*t)+0.9*lt(mod(n\\,4800)\\,3):s=24000:d=1.5"
        try plan.addScene(seconds: 2.5, clipAudio: "sine=f=220:r=48000", narration: clicky, leadIn: 0.4)
        try plan.addScene(seconds: 3.0, clipAudio: "sine=f=330:r=48000", narration: "sine=f=1000:r=24000:d=2", leadIn: 0.3)
        try plan.addScene(seconds: 2.0, clipAudio: "anullsrc=r=48000:cl=stereo", narration: nil)
        let files = try plan.files()
        let log = CollectingLog()
        let output = plan.scratch.path("final.mp4")
        let result = try Stitcher(log: log).stitch(plan: files, to: output)

        let oracle = try Self.oracleLoudness(output)
        #expect(abs(oracle.integrated - target) <= 1, "integrated \(oracle.integrated) LUFS for a \(target) target")
        #expect(oracle.truePeak <= SoundtrackSettings.truePeakCeiling, "true peak \(oracle.truePeak) dBTP")
        let report = try #require(result.soundtrack)
        #expect(report.normalized && report.narratedScenes == 2)
        #expect(abs(report.integratedLoudness - oracle.integrated) <= 0.5, "reported \(report.integratedLoudness), measured \(oracle.integrated)")
        let event = try #require(log.events.first { $0.tag == "MIA:SOUNDTRACK" })
        #expect(event["narrated_scenes"] == .int(2) && event["target_loudness"] == .seconds(target))
        #expect(event["integrated_loudness"] != nil && event["true_peak"] != nil && event["elapsed"] != nil)

        // Still a proper stitch: verifies, right length, one chapter per scene, no leftovers.
        #expect(Verifier(log: SilentLog()).verify([output], asStitchSet: false)[0].problems == [])
        let probed = try ffprobe(output, packets: false)
        let video = try #require(probed.stream("video")?.seconds), audio = try #require(probed.stream("audio")?.seconds)
        #expect(abs(video - 7.5) < 0.04 && abs(audio - video) < 0.03, "video \(video) s, audio \(audio) s")
        #expect(probed.stream("audio")?.sampleRate == "48000" && probed.stream("audio")?.channels == 2)
        #expect(probed.chapters?.map(\.title) == ["Scene 1", "Scene 2", "Scene 3"])
        #expect(try topLevelBoxes(output).prefix(2) == ["ftyp", "moov"])
        #expect(plan.scratch.contents.filter { $0.hasPrefix(".") } == [])
    }

    @Test func longBuzzyNarrationWithClicksStaysUnderTheCeilingAsEncoded() throws {
        var plan = NarratedPlan()
        // Speech-like material the limiter must work on: a gliding buzz with sharp 2-sample clicks, as
        // eSpeak's pulses are. AAC's coding puts about a dB back on limited peaks like these, which a
        // 0.5 dB margin and a meter read before the encoder let out at −0.3 dBTP.
        let buzzy = "aevalsrc=0.1*sin(2*PI*(150+40*sin(2*PI*0.7*t))*t)+0.6*lt(mod(n\\,2400)\\,2)*gt(sin(2*PI*1.3*t)\\,-0.3):s=24000:d=7.5"
        for _ in 0..<4 {
            try plan.addScene(seconds: 8, clipAudio: "aevalsrc=0.05*sin(2*PI*220*t):s=48000", narration: buzzy, leadIn: 0.2)
        }
        let log = CollectingLog()
        let output = plan.scratch.path("buzzy.mp4")
        let result = try Stitcher(log: log).stitch(plan: try plan.files(), to: output)

        let oracle = try Self.oracleLoudness(output)
        #expect(oracle.truePeak <= SoundtrackSettings.truePeakCeiling, "true peak \(oracle.truePeak) dBTP as encoded")
        #expect(abs(oracle.integrated - -14) <= 0.5, "integrated \(oracle.integrated) LUFS")
        // What the log says is what the file holds, not what went into the encoder.
        let report = try #require(result.soundtrack)
        #expect(report.limited)
        #expect(abs(report.truePeak - oracle.truePeak) <= 0.1, "reported \(report.truePeak) dBTP, measured \(oracle.truePeak)")
        #expect(abs(report.integratedLoudness - oracle.integrated) <= 0.1, "reported \(report.integratedLoudness), measured \(oracle.integrated)")
        let event = try #require(log.events.first { $0.tag == "MIA:SOUNDTRACK" })
        #expect(event["true_peak"] == .seconds(report.truePeak) && event["writes"] == .int(Int64(report.writes)))
        #expect(!log.events.contains { $0.tag == "MIA:WARN" && $0["kind"] == "true-peak" })
    }

    @Test(arguments: [(-61.0, -14.0, "soundtrack.duck -61.0 must be between -60 and 0 dB"),
                      (3.0, -14.0, "soundtrack.duck 3.0 must be between -60 and 0 dB"),
                      (-12.0, -41.0, "soundtrack.loudness -41.0 must be between -40 and -5 LUFS"),
                      (-12.0, -4.0, "soundtrack.loudness -4.0 must be between -40 and -5 LUFS"),
                      (-12.0, .nan, "soundtrack.loudness nan must be between -40 and -5 LUFS")])
    func aPlanFileWithADuckOrLoudnessOutOfRangeIsRefusedNamingTheFile(duck: Double, loudness: Double, problem: String) throws {
        var plan = NarratedPlan()
        try plan.addScene(seconds: 1.0, clipAudio: "anullsrc=r=48000:cl=stereo", narration: "sine=f=1000:r=24000:d=0.5")
        plan.soundtrack = SoundtrackSettings(duck: duck, loudness: loudness)
        let refused = #expect(throws: MiaError.self) { try plan.files() }
        #expect(refused?.message == "\(plan.scratch.path("plan.json")): \(problem)")
        #expect(refused?.message.contains("\n") == false)

        // As loaded from disk (a hand-edited plan): the same one line.
        plan.soundtrack = SoundtrackSettings()
        var edited = try plan.files().plan
        edited.soundtrack = SoundtrackSettings(duck: duck, loudness: loudness)
        let path = plan.scratch.path("edited.json")
        if loudness.isFinite {
            try edited.json().write(to: URL(fileURLWithPath: path))
            let loaded = #expect(throws: MiaError.self) { try PlanFiles.load(path) }
            #expect(loaded?.message == "\(path): \(problem)")
        }
        // The edges are allowed.
        plan.soundtrack = SoundtrackSettings(duck: -60, loudness: -40)
        _ = try plan.files()
        plan.soundtrack = SoundtrackSettings(duck: 0, loudness: -5)
        _ = try plan.files()
    }

    /// Lengths in a hand-edited plan become sample counts: absurd ones are refused by name, never trapped on.
    @Test func aPlanFileWithAbsurdLengthsIsRefusedNamingTheField() throws {
        var plan = NarratedPlan()
        try plan.addScene(seconds: 1.0, clipAudio: "anullsrc=r=48000:cl=stereo", narration: "sine=f=1000:r=24000:d=0.5")
        let good = try plan.files().plan
        let edits: [(String, (inout SceneJob) -> Void)] = [
            ("scenes[0].speech.leadIn 1e+300", { $0.speech?.leadIn = 1e300 }),
            ("scenes[0].speech.leadIn -5.0", { $0.speech?.leadIn = -5 }),
            ("scenes[0].speech.seconds -1.0", { $0.speech?.seconds = -1 }),
            ("scenes[0].sceneSeconds 1000000000000.0", { $0.sceneSeconds = 1e12 }),
            ("scenes[0].seconds -5.0", { $0.seconds = -5 }),
        ]
        for (index, (field, edit)) in edits.enumerated() {
            var edited = good
            edit(&edited.scenes[0])
            let path = plan.scratch.path("absurd-\(index).json")
            try edited.json().write(to: URL(fileURLWithPath: path))
            let refused = #expect(throws: MiaError.self) { try PlanFiles.load(path) }
            #expect(refused?.message.hasPrefix("\(path): \(field) must be") == true, "\(refused?.message ?? "")")
        }
        var edited = good
        edited.scenes[0].speech?.words = [WordTiming(word: "far", start: 1e300, end: 1e300)]
        let path = plan.scratch.path("absurd-words.json")
        try edited.json().write(to: URL(fileURLWithPath: path))
        let refused = #expect(throws: MiaError.self) { try PlanFiles.load(path) }
        #expect(refused?.message.contains("scenes[0].speech.words[0] is not inside its speech") == true, "\(refused?.message ?? "")")
    }

    @Test func theClipSoundIsDuckedByTheSetAmountWhileTheNarrationSpeaks() throws {
        var plan = NarratedPlan()
        plan.soundtrack = SoundtrackSettings(duck: -12, loudness: -20)
        try plan.addScene(seconds: 5, clipAudio: "sine=f=220:r=48000", narration: "sine=f=1000:r=24000:d=2", leadIn: 1.5)
        let output = plan.scratch.path("ducked.mp4")
        try Stitcher(log: SilentLog()).stitch(plan: try plan.files(), to: output)

        let left = try Self.leftChannel(output)
        // 0.5 s windows hold whole cycles of both tones; ramps (0.1 s) and AAC edges stay outside them.
        let before = Self.level(of: 220, in: left, seconds: 0.5...1.0)
        let during = Self.level(of: 220, in: left, seconds: 2.0...2.5)
        let after = Self.level(of: 220, in: left, seconds: 4.0...4.5)
        #expect(abs(Self.decibels(during / before) - -12) <= 1.5, "ducked by \(Self.decibels(during / before)) dB")
        #expect(abs(Self.decibels(after / before)) <= 0.5, "back up to \(Self.decibels(after / before)) dB")
        // The narration is there while it speaks, and not before.
        let voiceDuring = Self.level(of: 1000, in: left, seconds: 2.0...2.5), voiceBefore = Self.level(of: 1000, in: left, seconds: 0.5...1.0)
        #expect(Self.decibels(voiceDuring / max(voiceBefore, 1e-9)) > 40)
    }

    @Test func fiftyScenesKeepEveryNarrationOnItsSceneAndTheVideoPacketsUntouched() throws {
        var plan = NarratedPlan()
        for index in 0..<50 {
            // 1.0–1.6 s: lengths in whole video frames that are no whole number of AAC frames.
            let seconds = 1.0 + Double((index * 7) % 19) / 30
            let leadIn = 0.1 + Double(index % 5) * 0.05
            try plan.addScene(seconds: seconds, clipAudio: "anullsrc=r=48000:cl=stereo",
                              narration: "sine=f=1000:r=24000:d=0.5", leadIn: leadIn)
        }
        let files = try plan.files()
        let output = plan.scratch.path("fifty.mp4")
        let result = try Stitcher(log: SilentLog()).stitch(plan: files, to: output)
        #expect(result.soundtrack?.narratedScenes == 50 && result.soundtrack?.cutNarrations == [])

        // The same plan without speech is stitched as before: no soundtrack pass, the clips' own audio.
        var silent = plan.jobs
        for index in silent.indices { silent[index].speech = nil }
        let plainFiles = try PlanFiles(plan: RenderPlan(renderPlanId: files.plan.renderPlanId, scriptHash: "h", script: "s.md", format: .headings,
                                                        target: files.plan.target, budget: nil, targetDuration: nil, estimatedCost: 0,
                                                        totalSeconds: 0, outputDirectory: "scenes", warnings: [], scenes: silent),
                                       path: files.path)
        let plainOutput = plan.scratch.path("plain.mp4")
        let plain = try Stitcher(log: SilentLog()).stitch(plan: plainFiles, to: plainOutput)
        #expect(plain.soundtrack == nil)

        let narrated = try ffprobe(output), reference = try ffprobe(plainOutput)
        let videoIndex = try #require(narrated.stream("video")?.index), referenceIndex = try #require(reference.stream("video")?.index)
        let hashes = narrated.packets(ofStream: videoIndex).map { "\($0.pts ?? -1) \($0.dataHash ?? "")" }
        #expect(hashes.count == plain.videoPackets && hashes == reference.packets(ofStream: referenceIndex).map { "\($0.pts ?? -1) \($0.dataHash ?? "")" })

        let chapters = try #require(narrated.chapters)
        #expect(chapters.count == 50)
        let left = try Self.leftChannel(output)
        let peak = left.map { abs($0) }.max() ?? 0
        let frame = 1.0 / 30
        for (index, chapter) in chapters.enumerated() {
            let expected = chapter.start + (plan.jobs[index].speech?.leadIn ?? 0)
            let from = Int(chapter.start * 48_000), to = min(left.count, Int(chapter.end * 48_000))
            let loud = (from..<to).filter { abs(left[$0]) > peak * 0.3 }
            let onset = Double(loud.first ?? -48_000) / 48_000, end = Double(loud.last ?? 0) / 48_000
            #expect(abs(onset - expected) <= frame, "scene \(index + 1): burst at \(onset) s, expected \(expected) s")
            #expect(end < chapter.end, "scene \(index + 1): burst runs to \(end) s, the scene ends at \(chapter.end) s")
        }
        #expect(Verifier(log: SilentLog()).verify([output], asStitchSet: false)[0].problems == [])
    }

    @Test func aNarrationLongerThanItsSceneIsCutThereWithAWarning() throws {
        var plan = NarratedPlan()
        try plan.addScene(seconds: 1.5, clipAudio: "anullsrc=r=48000:cl=stereo", narration: "sine=f=1000:r=24000:d=2", leadIn: 0.2)
        try plan.addScene(seconds: 1.5, clipAudio: "anullsrc=r=48000:cl=stereo", narration: nil)
        let log = CollectingLog()
        let output = plan.scratch.path("cut.mp4")
        let result = try Stitcher(log: log).stitch(plan: try plan.files(), to: output)
        #expect(result.soundtrack?.cutNarrations == [1])
        #expect(log.events.contains { $0.tag == "MIA:WARN" && $0["kind"] == "narration-cut" && $0["scene"] == .int(1) })
        let left = try Self.leftChannel(output)
        let peak = left.map { abs($0) }.max() ?? 0
        let last = Double(left.lastIndex { abs($0) > peak * 0.05 } ?? 0) / 48_000
        #expect(last < 1.5 + 0.005, "the narration sounds until \(last) s; its scene ends at 1.5 s")
    }

    @Test func aMixWithNothingAudibleIsNotLiftedIntoNoise() throws {
        var plan = NarratedPlan()
        // A "narration" of faint hiss (about −60 LUFS: over the R128 gate, under any speech) over silent clips:
        // reaching −14 LUFS would take +46 dB.
        try plan.addScene(seconds: 1.5, clipAudio: "anullsrc=r=48000:cl=stereo", narration: "aevalsrc=0.002*(random(0)-0.5):s=24000:d=1")
        let output = plan.scratch.path("quiet.mp4")
        let result = try Stitcher(log: SilentLog()).stitch(plan: try plan.files(), to: output)
        #expect(result.soundtrack?.normalized == false && result.soundtrack?.gain == 0)
        let peak = try Self.leftChannel(output).map { abs($0) }.max() ?? 1
        #expect(peak < 0.005, "peak \(peak)")
    }

    @Test func aDamagedOrMissingNarrationIsOneLineNamingTheSceneAndFileAndWritesNothing() throws {
        var plan = NarratedPlan()
        try plan.addScene(seconds: 1.0, clipAudio: "anullsrc=r=48000:cl=stereo", narration: "sine=f=1000:r=24000:d=0.5")
        try plan.addScene(seconds: 1.0, clipAudio: "anullsrc=r=48000:cl=stereo", narration: "sine=f=1000:r=24000:d=0.5")
        let files = try plan.files()
        let wav = plan.scratch.path("voice/scene-2.wav")
        // Its header overwritten: no RIFF, no format, nothing a demuxer can take as audio.
        let handle = try #require(FileHandle(forWritingAtPath: wav))
        handle.write(Data((0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }))
        try handle.close()
        let output = plan.scratch.path("never.mp4")
        let damaged = #expect(throws: MiaError.self) { try Stitcher(log: SilentLog()).stitch(plan: files, to: output) }
        #expect(damaged?.message.hasPrefix("scene 2: its narration \(wav)") == true, "\(damaged?.message ?? "")")
        #expect(damaged?.message.contains("\n") == false)
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(plan.scratch.contents.filter { $0.hasPrefix(".") } == [])

        try FileManager.default.removeItem(atPath: wav)
        let missing = #expect(throws: MiaError.self) { try Stitcher(log: SilentLog()).stitch(plan: files, to: output) }
        #expect(missing?.message == "scene 2: its narration \(wav) is missing")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
