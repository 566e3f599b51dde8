import Foundation
import Testing
@testable import MiaPipeline

/// Script to narrated video with real speech (eSpeak NG), measured on the output: every scene's voice starts
/// with its scene and ends inside it, the soundtrack sits at the loudness target, and the CLI speaks by default.
@Suite struct NarratedRenderTests {
    /// 24 scenes of different lengths; their lengths come from the speech, never whole frames of audio.
    static let script: String = (1...24).map { (number: Int) -> String in
        let words = ["Every", "morning", "the", "harbor", "wakes", "before", "the", "city", "and", "the", "boats", "go", "out"]
        let line: String = words.prefix(3 + number % 9).joined(separator: " ")
        return "Scene \(number): Part \(number)\nVO: \(line).\n"
    }.joined(separator: "\n")

    /// Mono 48 kHz samples of a file's audio, decoded by the ffmpeg CLI (the independent oracle).
    static func samples(_ file: String, scratch: Scratch) throws -> [Int16] {
        let raw = scratch.path("audio-\(UUID().uuidString).pcm")
        try ffmpeg(["-i", file, "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "s16le", raw])
        let data = try Data(contentsOf: URL(fileURLWithPath: raw))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
    }

    /// Seconds from `from` to the first 5 ms window louder than `threshold` (RMS), or nil.
    static func onset(_ samples: [Int16], rate: Int, from: Double, to: Double, threshold: Double = 300) -> Double? {
        let window = rate / 200
        var index = Int(from * Double(rate))
        while index + window <= min(samples.count, Int(to * Double(rate))) {
            let energy = samples[index..<index + window].reduce(0.0) { $0 + Double($1) * Double($1) }
            if (energy / Double(window)).squareRoot() > threshold { return Double(index) / Double(rate) }
            index += window
        }
        return nil
    }

    @Test func everyScenesVoiceStartsWithItsSceneAndEndsInsideIt() async throws {
        let scratch = Scratch()
        let output = scratch.path("harbor.mp4")
        let log = CollectingLog()
        let render = RenderOrchestrator(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([]), log: log)
        var plan = PlanOptions(provider: .template, width: 320, height: 180, fps: 30)
        plan.narration = NarrationOptions(voice: .engine(.espeak, voice: nil))
        let options = RenderOptions(plan: plan, theme: try Theme.named("midnight"))
        let prepared = try await render.prepare(script: Self.script, name: "harbor.txt", output: output, options: options)
        let outcome = try await render.execute(prepared, output: output, options: options)
        #expect(outcome.stitch.mode == "copy", "template cards are still copied; only audio is made anew")
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)

        let mixed = try Self.samples(output, scratch: scratch)
        let spans = outcome.stitch.clips
        #expect(spans.count == 24)
        let frame = 1.0 / 30
        for (job, span) in zip(prepared.plan.scenes, spans) {
            let speech = try #require(job.speech)
            let wav = URL(fileURLWithPath: prepared.folder).appendingPathComponent(speech.file).path
            let own = try SpeechFile.read(wav)
            let voiced = try #require(Self.onset(own.samples, rate: own.sampleRate, from: 0, to: speech.seconds, threshold: 150))
            let heard = try #require(Self.onset(mixed, rate: 48_000, from: span.startSeconds, to: span.startSeconds + span.durationSeconds))
            // Where the speech's own first sound lands: its scene's start + lead-in, within a frame.
            #expect(abs(heard - (span.startSeconds + speech.leadIn + voiced)) <= frame,
                    "scene \(job.sceneNumber): heard at \(heard), expected \(span.startSeconds + speech.leadIn + voiced)")
            // The scene holds the whole speech: nothing is heard in its last 0.3 s (the tail), so nothing runs on.
            let tail: Double? = Self.onset(mixed, rate: 48_000, from: span.startSeconds + span.durationSeconds - 0.3,
                                  to: span.startSeconds + span.durationSeconds, threshold: 300)
            #expect(tail == nil, "scene \(job.sceneNumber): sound at \(String(describing: tail)) in its tail")
        }
        // The soundtrack's loudness, measured by ffmpeg's own EBU R128 meter.
        let meter = try run("/usr/bin/ffmpeg", ["-hide_banner", "-nostats", "-i", output, "-af", "ebur128=peak=true", "-f", "null", "-"])
        let summary: String = meter.stderr.components(separatedBy: "I:").last ?? ""
        let integrated = summary.trimmingCharacters(in: .whitespaces).split(separator: " ").first.flatMap { Double(String($0)) }
        #expect(abs((integrated ?? 0) - (-14)) <= 1, "\(integrated ?? .nan) LUFS")
        #expect(log.events.contains { $0.tag == "MIA:SOUNDTRACK" && $0["narrated_scenes"] == .int(24) })
        #expect(outcome.review.pacing.allSatisfy { $0.speechSeconds != nil })
    }

    @Test func theCommandLineSpeaksByDefaultAndARerunSpeaksNothing() throws {
        let scratch = Scratch()
        let environment = BatchTests.cleanEnvironment.merging(["MIA_DB": scratch.path("jobs.sqlite")]) { $1 }
        let script = scratch.path("s.txt")
        try "Scene 1: Hello\nVO: Hello there, and welcome.\n\nScene 2: Bye\nVO: See you soon.\n".write(toFile: script, atomically: true, encoding: .utf8)
        // Negative values as users write them: "--duck -6", not only "--duck=-6".
        let arguments = ["render", script, "-o", scratch.path("out.mp4"), "--size", "320x180", "--autopilot", "--duck", "-6",
                         "--loudness", "-16"]
        let first = try run(Repo.cli, arguments, environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("duck=-6.000") && first.stderr.contains("target_loudness=-16.000"))
        #expect(first.stderr.components(separatedBy: "[MIA:VOICE:CREATE]").count - 1 == 2)
        #expect(first.stderr.contains("[MIA:SOUNDTRACK]"))
        let plan = try RenderPlan.load(scratch.path("out.plan.json"))
        #expect(plan.voice == "auto (en)" && plan.scenes.allSatisfy { $0.speech != nil })

        let again = try run(Repo.cli, arguments + ["--overwrite"], environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("[MIA:VOICE:CREATE]"))
        #expect(again.stderr.contains("cached=true"))

        let silent = try run(Repo.cli, ["render", script, "-o", scratch.path("silent.mp4"), "--size", "320x180", "--autopilot",
                                        "--voice", "none"], environment: environment)
        #expect(silent.status == 0 && !silent.stderr.contains("MIA:VOICE") && !silent.stderr.contains("[MIA:SOUNDTRACK]"))
    }

    @Test func voicesListsWhatCanSpeakAndSaysWhatIsMissing() throws {
        let environment = BatchTests.cleanEnvironment
        let german = try run(Repo.cli, ["voices", "--engine", "espeak", "--language", "de", "--json"], environment: environment)
        #expect(german.status == 0, "\(german.stderr)")
        let listed = try JSONDecoder().decode([VoiceInfo].self, from: Data(german.stdout.utf8))
        #expect(listed.contains { $0.id == "de" } && listed.allSatisfy { $0.languages.contains("de") })
        let cloud = try run(Repo.cli, ["voices", "--engine", "elevenlabs"], environment: environment)
        #expect(cloud.status != 0 && cloud.stderr.contains("ELEVENLABS_API_KEY is not set"), "\(cloud.stderr)")
        let all = try run(Repo.cli, ["voices"], environment: environment)
        #expect(all.status == 0 && all.stdout.contains("espeak") && all.stdout.contains("OPENAI_API_KEY is not set"), "\(all.stdout)")
        let bad = try run(Repo.cli, ["render", "x.txt", "-o", "/tmp/x.mp4", "--voice", "polly"], environment: environment)
        #expect(bad.status == 64 && bad.stderr.contains("--voice"), "\(bad.stderr)")
    }
}
