import Foundation
import Testing
@testable import MiaPipeline

/// The voice stage with real engines: eSpeak NG speaking, loopback fakes of the cloud voices failing, the
/// job store keeping every synthesis so a rerun (or a second process) speaks nothing twice.
@Suite struct NarrationTests {
    let script = """
    Scene 1: Hook
    VO: Every morning, millions of people open a dozen apps just to plan one day.

    Scene 2: Quiet
    VISUAL: A calm desk at dawn.

    Scene 3: The product
    VO: Plandy puts your calendar, tasks and notes in one calm place.
    """
    static let elevenKey = "xi-test-key-0123456789"

    func speakAndPlan(_ text: String, in folder: String, store: JobStore, voices: VoiceRegistry, narration: NarrationOptions,
              budget: Double? = nil, log: any EventSink = SilentLog(), owner: String? = nil)
        async throws -> (RenderPlan, ScriptAnalysis, NarrationResult?) {
        var speaker = SpeechSynthesizer(store: store, voices: voices, log: log)
        if let owner { speaker.owner = owner }
        return try await RenderPlanner(log: log).plan(
            text, scriptName: "s.txt", planFileName: "s", planFolder: folder,
            options: PlanOptions(provider: .template, budget: budget, narration: narration), speaker: speaker)
    }

    func eleven(_ fake: FakeElevenLabsServer, log: any EventSink) throws -> ElevenLabsVoice {
        try ElevenLabsVoice(apiKey: Self.elevenKey, baseURL: fake.baseURL,
                            options: .init(http: CloudVoiceTests.http(timeout: 5)), log: log)
    }

    @Test func everySpokenSceneIsTimedByItsSpeechAndARerunSpeaksNothing() async throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let log = CollectingLog()
        let (plan, _, narration) = try await speakAndPlan(script, in: scratch.url.path, store: store, voices: VoiceRegistry([ESpeakVoice()]),
                                                  narration: NarrationOptions(voice: .engine(.espeak, voice: nil)), log: log)
        #expect(narration?.language == "en")
        let first = try #require(plan.scenes[0].speech), third = try #require(plan.scenes[2].speech)
        #expect(plan.scenes[1].speech == nil, "a scene with nothing to say stays silent")
        for (job, speech) in [(plan.scenes[0], first), (plan.scenes[2], third)] {
            let audio = try SpeechFile.read(scratch.url.appendingPathComponent(speech.file).path)
            #expect(abs(Double(audio.samples.count) / Double(audio.sampleRate) - speech.seconds) < 1e-6)
            #expect(speech.words.map(\.word) == job.narration.split(separator: " ").map(String.init))
            #expect(speech.leadIn == NarrationTiming.leadIn)
            // The scene holds lead-in, speech and tail, and not much more.
            #expect(job.seconds >= NarrationTiming.sceneSeconds(speaking: speech.seconds))
            #expect(job.seconds <= NarrationTiming.sceneSeconds(speaking: speech.seconds) + 0.11)
            #expect(speech.voice == "espeak" && speech.cost == 0)
        }
        #expect(plan.voice == "espeak (en)" && plan.soundtrack == SoundtrackSettings())
        #expect(log.events.filter { $0.tag == "MIA:VOICE:CREATE" }.count == 2)

        // A rerun: the same plan, byte for byte, and nothing spoken again.
        let rerunLog = CollectingLog()
        let (again, _, _) = try await speakAndPlan(script, in: scratch.url.path, store: store, voices: VoiceRegistry([ESpeakVoice()]),
                                           narration: NarrationOptions(voice: .engine(.espeak, voice: nil)), log: rerunLog)
        #expect(try again.json() == plan.json())
        #expect(rerunLog.events.filter { $0.tag == "MIA:VOICE:CREATE" }.isEmpty)
        #expect(rerunLog.events.filter { $0.tag == "MIA:VOICE:COMPLETE" }.allSatisfy { $0["cached"] == .bool(true) })

        // A damaged speech file is spoken again rather than trusted.
        let damaged = scratch.url.appendingPathComponent(first.file)
        try Data("RIFF".utf8).write(to: damaged)
        let repairLog = CollectingLog()
        _ = try await speakAndPlan(script, in: scratch.url.path, store: store, voices: VoiceRegistry([ESpeakVoice()]),
                           narration: NarrationOptions(voice: .engine(.espeak, voice: nil)), log: repairLog)
        #expect(repairLog.events.filter { $0.tag == "MIA:VOICE:CREATE" }.count == 1)
        #expect(try SpeechFile.read(damaged.path).samples.count > 0)
    }

    @Test func aSilentPlanKeepsItsOldIdAndEstimates() async throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let silent = try RenderPlanner(log: SilentLog()).plan(script, scriptName: "s.txt", planFileName: "s",
                                                              options: PlanOptions(provider: .template)).0
        let none = try await speakAndPlan(script, in: scratch.url.path, store: store, voices: VoiceRegistry([ESpeakVoice()]),
                                  narration: NarrationOptions(voice: .none)).0
        #expect(try none.json() == silent.json())
        #expect(silent.scenes.allSatisfy { $0.speech == nil } && silent.voice == nil)
    }

    @Test func aScreenplaysCharactersKeepOneVoiceEachAcrossScenes() async throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let text = try String(contentsOfFile: Repo.media("scripts/coffee-shop.fountain"), encoding: .utf8)
        let named = SpeakerVoices(["DEV": .engine(.espeak, voice: "en-gb+m7")])
        let (plan, _, _) = try await speakAndPlan(text, in: scratch.url.path, store: store, voices: VoiceRegistry([ESpeakVoice()]),
                                          narration: NarrationOptions(voice: .engine(.espeak, voice: "en-us"), speakers: named))
        let voices = plan.scenes.compactMap(\.speech).map(\.voice)
        #expect(voices.contains { $0.contains("espeak:en-gb+m7") }, "DEV speaks with the voice the file names: \(voices)")
        #expect(voices.contains { $0.contains("espeak:en-us") })
        // NORA, unnamed, gets a voice of her own, the same in every scene she speaks in.
        let noraVoices = Set(plan.scenes.flatMap { job -> [String] in
            guard let speech = job.speech else { return [] }
            return speech.voice.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0 != "espeak:en-gb+m7" && $0 != "espeak:en-us" }
        })
        #expect(noraVoices.count == 1, "\(noraVoices)")
    }

    @Test func markupIsLeftOutAndAVoicesFileTypoIsNamed() async throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let text = try String(contentsOfFile: Repo.media("scripts/coffee-shop.fountain"), encoding: .utf8)
            .replacingOccurrences(of: "Twelve years", with: "<speak>Twelve <break time=\"10s\"/> years</speak> [[pause 5000]]")
        let typo = SpeakerVoices(["NORAH": .engine(.espeak, voice: "en-us+f3")])
        let log = CollectingLog()
        let (plan, analysis, _) = try await speakAndPlan(text, in: scratch.url.path, store: store, voices: VoiceRegistry(),
                                                         narration: NarrationOptions(voice: .engine(.espeak, voice: nil), speakers: typo),
                                                         log: log)
        let words = plan.scenes.compactMap(\.speech).flatMap(\.words).map(\.word)
        #expect(words.contains("Twelve") && !words.contains { $0.contains("<") || $0.contains("[[") || $0.contains("break") })
        #expect(analysis.warnings.contains { $0.message.contains("has markup") })
        #expect(analysis.warnings.contains { $0.message.contains("names NORAH, who speaks no line in the script; did you mean NORA?") },
                "\(analysis.warnings.map(\.message))")
    }

    @Test func anUnknownVoiceIsOneLineWithCloseMatches() async throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let message = await catchAsync {
            try await speakAndPlan(script, in: scratch.url.path, store: store, voices: VoiceRegistry([ESpeakVoice()]),
                           narration: NarrationOptions(voice: .engine(.espeak, voice: "en-uss")))
        }
        #expect(message?.contains("eSpeak NG has no voice \"en-uss\"; did you mean espeak:en-us") == true, "\(message ?? "")")
        #expect(message?.contains("\n") == false)
    }

    @Test func aFailingCloudVoiceFallsBackToESpeakAndSaysWhy() async throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        fake.inject(Array(repeating: .status(500, body: "{\"detail\":\"\(Self.elevenKey) down\"}"), count: 40), on: "speech")
        let log = CollectingLog()
        let voices = VoiceRegistry([ESpeakVoice(), try eleven(fake, log: log)])
        let (plan, _, narration) = try await speakAndPlan(script, in: scratch.url.path, store: store, voices: voices,
                                                  narration: NarrationOptions(voice: .auto), log: log)
        #expect(plan.scenes.compactMap(\.speech).allSatisfy { $0.voice == "espeak" && $0.cost == 0 })
        // Every scene's speech is in the file the plan names (the stitch reads it from there).
        for speech in plan.scenes.compactMap(\.speech) {
            #expect(try SpeechFile.read(scratch.url.appendingPathComponent(speech.file).path).samples.count > 0)
        }
        #expect(narration?.spent == 0)
        // After the first failure the engine is not waited on again: the second scene falls back at once.
        #expect(log.events.contains { $0.tag == "MIA:WARN" && $0.text.contains("failed earlier in this run") }
                || fake.requests.count <= 2 * (CloudVoiceTests.http().retry.maxRetries + 1))
        let warnings = log.events.filter { $0.tag == "MIA:WARN" && $0["kind"] == .string("fallback") }
        #expect(warnings.count == 2 && warnings.allSatisfy { $0["engine"] == .string("elevenlabs") })
        #expect(!log.events.contains { $0.text.contains(Self.elevenKey) }, "the key never reaches a log")

        // --no-fallback: the run stops, naming the scene, and nothing is recorded as spoken by the cloud.
        let strict = await catchAsync {
            try await speakAndPlan(script, in: scratch.url.path, store: store, voices: voices,
                           narration: NarrationOptions(voice: .engine(.elevenlabs, voice: "JBFqnCBsd6RMkjVDRZzb"), fallback: false))
        }
        #expect(strict?.contains("scene 1") == true, "\(strict ?? "")")
        #expect(strict?.contains(Self.elevenKey) == false)
    }

    @Test func paidSpeechIsBoughtOnceAcrossReruns() async throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        let log = CollectingLog()
        let voices = VoiceRegistry([ESpeakVoice(), try eleven(fake, log: log)])
        let (plan, _, narration) = try await speakAndPlan(script, in: scratch.url.path, store: store, voices: voices,
                                                  narration: NarrationOptions(voice: .auto), log: log)
        #expect(fake.spokenTexts.count == 2)
        #expect(!log.events.contains { $0.tag == "MIA:WARN" }, "\(log.events.filter { $0.tag == "MIA:WARN" }.map(\.text))")
        #expect(plan.scenes.compactMap(\.speech).allSatisfy { $0.voice == "elevenlabs:JBFqnCBsd6RMkjVDRZzb" && $0.cost > 0 })
        #expect((narration?.spent ?? 0) > 0 && narration?.spent == narration?.cost)
        #expect(abs(plan.estimatedCost - (plan.speechCost * 100).rounded() / 100) < 1e-9, "a Template plan costs its speech")
        let (again, _, rerun) = try await speakAndPlan(script, in: scratch.url.path, store: store, voices: voices,
                                               narration: NarrationOptions(voice: .auto), log: log)
        #expect(fake.spokenTexts.count == 2, "nothing bought twice")
        #expect(rerun?.spent == 0 && again.speechCost == plan.speechCost)
    }

    @Test func twoProcessesSpeakingOneScriptBuyEachPieceOnce() async throws {
        let scratch = Scratch()
        let location = scratch.path("jobs.sqlite")
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        fake.inject([.slow(0.5), .slow(0.5)], on: "speech")
        let voices = VoiceRegistry([ESpeakVoice(), try eleven(fake, log: SilentLog())])
        let folder = scratch.url.path
        let (first, second) = (try JobStore(path: location), try JobStore(path: location))
        async let one = speakAndPlan(script, in: folder, store: first, voices: voices,
                                     narration: NarrationOptions(voice: .auto), owner: "one")
        async let two = speakAndPlan(script, in: folder, store: second, voices: voices,
                                     narration: NarrationOptions(voice: .auto), owner: "two")
        let (a, b) = try await (one, two)
        #expect(fake.spokenTexts.count == 2, "\(fake.spokenTexts)")
        #expect(try a.0.json() == b.0.json())
    }

    @Test func cloudSpeechOverTheBudgetIsSpokenByESpeak() async throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        let log = CollectingLog()
        let voices = VoiceRegistry([ESpeakVoice(), try eleven(fake, log: log)])
        let (plan, analysis, _) = try await speakAndPlan(script, in: scratch.url.path, store: store, voices: voices,
                                                 narration: NarrationOptions(voice: .auto), budget: 0.001, log: log)
        #expect(fake.spokenTexts.isEmpty, "nothing bought")
        #expect(plan.scenes.compactMap(\.speech).allSatisfy { $0.voice == "espeak" })
        #expect(analysis.warnings.contains { $0.kind == .budget && $0.message.contains("eSpeak NG speaks it instead") })
        let refused = await catchAsync {
            try await speakAndPlan(script, in: scratch.url.path, store: store, voices: voices,
                           narration: NarrationOptions(voice: .auto, fallback: false), budget: 0.001)
        }
        #expect(refused?.contains("over the $0.00 budget") == true, "\(refused ?? "")")
    }
}

/// The message of the error `body` throws, or nil when it throws none.
func catchAsync(_ body: () async throws -> Any) async -> String? {
    do {
        _ = try await body()
        return nil
    } catch let error as MiaError {
        return error.message
    } catch {
        return "\(error)"
    }
}
