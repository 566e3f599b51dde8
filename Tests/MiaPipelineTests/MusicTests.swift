import Foundation
import Testing
@testable import MiaPipeline

/// Music under a plan's soundtrack (`--music`): ducked under the narration, faded, looped or cut to
/// the video, at the loudness target, and refused before any work when it cannot be played. Media is
/// made here with the ffmpeg CLI; levels are read with a Goertzel filter at the music's own frequency,
/// loudness with the ffmpeg CLI's `ebur128`.
@Suite struct MusicTests {
    typealias Plan = SoundtrackTests.NarratedPlan

    /// `plan`'s files with `music` (relative to the plan's folder) recorded in it.
    static func files(_ plan: Plan, music: String) throws -> PlanFiles {
        var scored = try plan.files().plan
        scored.music = music
        return try PlanFiles(plan: scored, path: plan.scratch.path("plan.json"))
    }

    /// Writes `seconds` of a 440 Hz tone (whole cycles at 44.1 kHz: it loops in phase) as `name`, in the
    /// format its extension names: the music is resampled from 44.1 kHz to the track's 48 kHz.
    static func tone(_ scratch: Scratch, _ name: String, seconds: Double) throws {
        try ffmpeg(["-f", "lavfi", "-i", "sine=f=440:r=44100:d=\(seconds)", "-ac", "2", scratch.path(name)])
    }

    static func rms(_ samples: [Float], seconds range: Range<Double>) -> Double {
        let slice = samples[Int(range.lowerBound * 48_000)..<Int(range.upperBound * 48_000)]
        return sqrt(slice.reduce(0) { $0 + Double($1) * Double($1) } / Double(slice.count))
    }

    @Test(arguments: ["music.mp3", "music.ogg", "music.flac"])
    func musicIsDuckedUnderTheNarrationFadedOutCutAtTheVideosEndAndAtTheTarget(music: String) throws {
        var plan = Plan()
        plan.soundtrack = SoundtrackSettings(duck: -12, loudness: -16, musicDuck: -15)
        try plan.addScene(seconds: 5, clipAudio: "anullsrc=r=48000:cl=stereo", narration: "sine=f=1000:r=24000:d=2", leadIn: 2)
        try plan.addScene(seconds: 4, clipAudio: "anullsrc=r=48000:cl=stereo", narration: nil)
        // 20 s of music under a 9 s video: cut at the video's end.
        try Self.tone(plan.scratch, music, seconds: 20)
        let log = CollectingLog()
        let output = plan.scratch.path("scored.mp4")
        let result = try Stitcher(log: log).stitch(plan: Self.files(plan, music: music), to: output)

        let left = try SoundtrackTests.leftChannel(output)
        let level = { (range: ClosedRange<Double>) in SoundtrackTests.level(of: 440, in: left, seconds: range) }
        // Windows of 0.25 s hold 110 whole cycles; the fade-in (1 s) and ramps (0.25 s) stay outside them.
        let before = level(1.25...1.5), under = level(2.5...3.5), silentScene = level(6.0...6.5)
        #expect(SoundtrackTests.decibels(under / before) <= -8, "under the narration: \(SoundtrackTests.decibels(under / before)) dB")
        #expect(abs(SoundtrackTests.decibels(silentScene / before)) <= 1, "a scene without narration: \(SoundtrackTests.decibels(silentScene / before)) dB")
        // The last half second keeps falling, to near nothing.
        let tail = stride(from: 8.5, to: 9.0, by: 0.125).map { Self.rms(left, seconds: $0..<($0 + 0.125)) }
        #expect(zip(tail, tail.dropFirst()).allSatisfy { $1 < $0 * 0.9 }, "last half second: \(tail)")
        #expect(tail.last! < Self.rms(left, seconds: 6.0..<6.5) * 0.25)

        let oracle = try SoundtrackTests.oracleLoudness(output)
        #expect(abs(oracle.integrated - -16) <= 1, "integrated \(oracle.integrated) LUFS")
        #expect(oracle.truePeak <= SoundtrackSettings.truePeakCeiling + 0.2)
        let probed = try ffprobe(output, packets: false)
        let video = try #require(probed.stream("video")?.seconds), audio = try #require(probed.stream("audio")?.seconds)
        #expect(abs(video - 9) < 0.04 && abs(audio - video) < 0.03, "video \(video) s, audio \(audio) s")
        let report = try #require(result.soundtrack)
        #expect(report.music == plan.scratch.path(music) && report.musicLoops == 0 && report.musicDuck == -15)
        let event = try #require(log.events.first { $0.tag == "MIA:SOUNDTRACK" })
        #expect(event["music"] == .string(plan.scratch.path(music)) && event["music_loops"] == .int(0))
        #expect(plan.scratch.contents.filter { $0.hasPrefix(".") } == [])
    }

    @Test func aShortMusicFileLoopsWithoutAGapOrAClickInAPlanWithoutSpeech() throws {
        var plan = Plan()
        try plan.addScene(seconds: 3, clipAudio: "anullsrc=r=48000:cl=stereo", narration: nil)
        try plan.addScene(seconds: 3, clipAudio: "anullsrc=r=48000:cl=stereo", narration: nil)
        try Self.tone(plan.scratch, "loop.wav", seconds: 1.5)
        let output = plan.scratch.path("looped.mp4")
        // No speech at all: the music alone gets the soundtrack pass.
        let result = try Stitcher(log: SilentLog()).stitch(plan: Self.files(plan, music: "loop.wav"), to: output)
        let report = try #require(result.soundtrack)
        #expect(report.narratedScenes == 0 && report.musicLoops >= 3, "loops: \(report.musicLoops)")
        let oracle = try SoundtrackTests.oracleLoudness(output)
        #expect(abs(oracle.integrated - -14) <= 1, "integrated \(oracle.integrated) LUFS")

        let left = try SoundtrackTests.leftChannel(output)
        // Between the fades (1 s in, 2 s out) the seams at 1.45, 2.9 and 4.35 s: every 25 ms window
        // (11 whole cycles) holds the same tone, and nothing jumps from one sample to the next more
        // than a 440 Hz sine can (a gap's edge or a click does).
        let steady = SoundtrackTests.level(of: 440, in: left, seconds: 1.1...1.3)
        #expect(steady > 0.05)
        for start in stride(from: 1.1, to: 3.975, by: 0.025) {
            let here = SoundtrackTests.level(of: 440, in: left, seconds: start...(start + 0.025))
            #expect(abs(SoundtrackTests.decibels(here / steady)) <= 0.5, "at \(start) s the tone is \(SoundtrackTests.decibels(here / steady)) dB")
        }
        let from = Int(1.1 * 48_000), to = Int(4.0 * 48_000)
        var jump = 0.0
        for index in (from + 1)..<(to - 1) {
            let bend: Double = Double(left[index + 1]) - 2 * Double(left[index]) + Double(left[index - 1])
            jump = max(jump, abs(bend))
        }
        // A clean 440 Hz sine of amplitude A bends at most A·(2π·440/48000)² ≈ 0.0033·A per sample (AAC adds a
        // little); a gap's edge bends it by up to A, even at a zero crossing by 2π·440/48000·A ≈ 0.058·A.
        #expect(jump < 0.03 * steady, "largest bend \(jump / steady) of the tone's amplitude")
        let probed = try ffprobe(output, packets: false)
        let video = try #require(probed.stream("video")?.seconds), audio = try #require(probed.stream("audio")?.seconds)
        #expect(abs(video - 6) < 0.04 && abs(audio - video) < 0.03, "video \(video) s, audio \(audio) s")
    }

    @Test func musicThatCannotBePlayedIsOneLineNamingTheFileAndNothingIsWritten() throws {
        var plan = Plan()
        try plan.addScene(seconds: 1, clipAudio: "anullsrc=r=48000:cl=stereo", narration: "sine=f=1000:r=24000:d=0.5")
        let output = plan.scratch.path("never.mp4")
        let stitcher = Stitcher(log: SilentLog())

        // Half an m4a: its index (at the end) is gone.
        try Self.tone(plan.scratch, "whole.m4a", seconds: 4)
        let whole = try Data(contentsOf: plan.scratch.url.appendingPathComponent("whole.m4a"))
        try whole.prefix(whole.count / 2).write(to: plan.scratch.url.appendingPathComponent("damaged.m4a"))
        // A video without sound, and a file that is not there.
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:d=1", "-c:v", "libx264", "-preset", "ultrafast",
                    plan.scratch.path("mute.mp4")])
        for (music, problem) in [("damaged.m4a", "the music cannot be read"), ("mute.mp4", "the music file holds no audio stream"),
                                 ("gone.mp3", "music file not found")] {
            let path = plan.scratch.path(music)
            let error = #expect(throws: MiaError.self) { try stitcher.stitch(plan: Self.files(plan, music: music), to: output) }
            #expect(error?.message.hasPrefix("\(path): \(problem)") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("\n") == false)
            #expect(!FileManager.default.fileExists(atPath: output))
            #expect(plan.scratch.contents.filter { $0.hasPrefix(".") } == [])
        }
    }

    @Test func planningChecksTheMusicBeforeAnySpeechAndRecordsItBesideThePlan() async throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let script = "# Scene 1: Hello\n\nVO: Music under the words.\n"
        let speaker = SpeechSynthesizer(store: store, voices: VoiceRegistry([ESpeakVoice()]), log: SilentLog())
        var options = PlanOptions(provider: .template, narration: NarrationOptions(voice: .engine(.espeak, voice: nil)))

        try Data("not music at all".utf8).write(to: scratch.url.appendingPathComponent("bad.mp3"))
        options.music = scratch.path("bad.mp3")
        let error = await #expect(throws: MiaError.self) {
            try await RenderPlanner(log: SilentLog()).plan(script, scriptName: "s.md", planFileName: "s", planFolder: scratch.url.path,
                                                           options: options, speaker: speaker)
        }
        #expect(error?.message.hasPrefix(scratch.path("bad.mp3") + ": ") == true, "\(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("s-scenes")), "speech was made before the music was checked")

        try Self.tone(scratch, "bed.ogg", seconds: 2)
        options.music = scratch.path("bed.ogg")
        options.narration?.soundtrack.musicDuck = -20
        let (plan, _, _) = try await RenderPlanner(log: SilentLog()).plan(script, scriptName: "s.md", planFileName: "s",
                                                                          planFolder: scratch.url.path, options: options, speaker: speaker)
        #expect(plan.music == "bed.ogg" && plan.soundtrack?.musicDuck == -20)
        // Outside the plan's folder: absolute.
        #expect(PlanFiles.musicEntry("/srv/music/a.mp3", planFolder: scratch.url.path) == "/srv/music/a.mp3")
        // A plan from before music decodes, with the default music duck.
        var json = String(decoding: try plan.json(), as: UTF8.self)
        json = json.replacingOccurrences(of: #",\s*"musicDuck" : -20"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #""music" : "bed.ogg","#, with: "")
        let old = try JSONDecoder().decode(RenderPlan.self, from: Data(json.utf8))
        #expect(old.music == nil && old.soundtrack?.musicDuck == -15 && !json.contains("music"))
    }
}
