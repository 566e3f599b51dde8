import Foundation
import Testing
@testable import MiaPipeline

/// `--voice`, `--voices`, language detection, speech files and the speech records in the job store:
/// everything of the voice stage around the engines.
@Suite struct VoiceSettingsTests {
    @Test func voiceChoicesParseAndBadOnesSayWhatIsAccepted() throws {
        #expect(try VoiceChoice(parsing: "auto") == .auto)
        #expect(try VoiceChoice(parsing: "none") == .none)
        #expect(try VoiceChoice(parsing: "espeak") == .engine(.espeak, voice: nil))
        #expect(try VoiceChoice(parsing: "espeak:en-us+f3") == .engine(.espeak, voice: "en-us+f3"))
        #expect(try VoiceChoice(parsing: "OpenAI:nova") == .engine(.openai, voice: "nova"))
        #expect(try VoiceChoice(parsing: "elevenlabs:21m00Tcm4TlvDq8ikWAM").description == "elevenlabs:21m00Tcm4TlvDq8ikWAM")
        for bad in ["polly", "espeak:", "elevenlabs", "openai:../../etc", "espeak:a\nb"] {
            #expect(throws: MiaError.self) { try VoiceChoice(parsing: bad) }
        }
        let message = try #require(catchMiaError { try VoiceChoice(parsing: "polly:joanna") })
        #expect(message.contains("auto, none, espeak[:VOICE], openai[:VOICE] or elevenlabs:VOICE_ID"))
    }

    @Test func closestNamesSuggestWhatWasMeant() {
        let voices = ["en", "en-us", "en-gb", "de", "fr", "es", "en-029"]
        #expect(ClosestNames.closest(to: "en-uss", in: voices).first == "en-us")
        #expect(ClosestNames.closest(to: "EN-GB", in: voices).first == "en-gb")
        #expect(ClosestNames.closest(to: "zzzzzzzz", in: voices).isEmpty)
        #expect(ClosestNames.closest(to: "", in: voices).isEmpty)
    }

    @Test func languageComesFromTheWritingSystemOrTheCommonestWords() {
        #expect(LanguageDetector.detect("Every morning, millions of people open a dozen apps to plan the day.") == "en")
        #expect(LanguageDetector.detect("Jeden Morgen öffnen Millionen Menschen ein Dutzend Apps, und das ist nicht gut.") == "de")
        #expect(LanguageDetector.detect("Chaque matin, des millions de personnes ouvrent une douzaine d'applications pour la journée.") == "fr")
        #expect(LanguageDetector.detect("Cada mañana, millones de personas abren una docena de aplicaciones para el día.") == "es")
        #expect(LanguageDetector.detect("Каждое утро миллионы людей открывают десяток приложений.") == "ru")
        #expect(LanguageDetector.detect("Щоранку мільйони людей відкривають їх.") == "uk")
        #expect(LanguageDetector.detect("毎朝、何百万人もの人がアプリを開きます。") == "ja")
        #expect(LanguageDetector.detect("每天早上，数百万人打开十几个应用。") == "zh")
        #expect(LanguageDetector.detect("매일 아침 수백만 명이 앱을 엽니다.") == "ko")
        #expect(LanguageDetector.detect("हर सुबह लाखों लोग ऐप खोलते हैं।") == "hi")
        #expect(LanguageDetector.detect("كل صباح يفتح الملايين التطبيقات") == "ar")
        #expect(LanguageDetector.detect("") == "en")
        #expect(LanguageDetector.detect("12345 !!!") == "en")
    }

    @Test func speechFilesRoundTripAndDamagedOnesAreRefusedByName() throws {
        let scratch = Scratch()
        let samples: [Int16] = (0..<22_050).map { Int16(clamping: Int(8_000 * sin(Double($0) * 0.05))) } + [.min, .max]
        let path = scratch.path("speech.wav")
        try SpeechFile.write(samples, sampleRate: 22_050, to: path)
        let read = try SpeechFile.read(path)
        #expect(read.samples == samples)
        #expect(read.sampleRate == 22_050)
        // FFmpeg reads it as what it is.
        let probed = try ffprobe(path, packets: false)
        #expect(probed.stream("audio")?.codecName == "pcm_s16le")
        #expect(scratch.contents == ["speech.wav"])

        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(1_000).write(to: URL(fileURLWithPath: scratch.path("cut.wav")))
        #expect(catchMiaError { try SpeechFile.read(scratch.path("cut.wav")) }?.contains("cut.wav") == true)
        #expect(catchMiaError { try SpeechFile.read(scratch.path("cut.wav")) }?.contains("is cut short") == true)
        var stereo = data
        stereo[22] = 2
        try stereo.write(to: URL(fileURLWithPath: scratch.path("stereo.wav")))
        #expect(catchMiaError { try SpeechFile.read(scratch.path("stereo.wav")) }?.contains("is not a mono 16-bit PCM WAV") == true)
        try Data("RIFF".utf8).write(to: URL(fileURLWithPath: scratch.path("short.wav")))
        #expect(throws: MiaError.self) { try SpeechFile.read(scratch.path("short.wav")) }
    }

    @Test func resamplingKeepsLengthInProportion() {
        let samples = [Int16](repeating: 1_000, count: 22_050)
        let resampled = SpeechFile.resample(samples, from: 22_050, to: 24_000)
        #expect(resampled.count == 24_000)
        #expect(resampled.allSatisfy { $0 == 1_000 })
    }

    @Test func voicesFilesMapSpeakersAndRefuseWhatCannotBeUsed() throws {
        let voices = try SpeakerVoices.parse("MAYA: espeak:en-us+f3\ndev: openai:onyx\nnarrator: elevenlabs:abc123\n", name: "v.yaml")
        #expect(voices.voice(for: "Maya") == .engine(.espeak, voice: "en-us+f3"))
        #expect(voices.voice(for: "DEV ") == .engine(.openai, voice: "onyx"))
        #expect(voices.voice(for: nil) == .engine(.elevenlabs, voice: "abc123"))
        #expect(voices.voice(for: "SAM") == nil)

        let cases: [(String, String)] = [
            ("- MAYA\n- DEV\n", "maps speaker names to voices"),
            ("MAYA: polly:joanna\n", "v.yaml:1"),
            ("MAYA: auto\n", "must name an engine"),
            ("MAYA: [espeak]\n", "must be text"),
            ("MAYA: espeak\nmaya: openai\n", "named twice"),
            ("MAYA: 'unclosed\n", "is not valid YAML"),
        ]
        for (text, expected) in cases {
            let message = catchMiaError { try SpeakerVoices.parse(text, name: "v.yaml") }
            #expect(message?.contains(expected) == true, "\(text): \(message ?? "no error")")
        }
        #expect(catchMiaError { try SpeakerVoices.load("/nonexistent/voices.yaml") }?.contains("file not found") == true)
    }

    @Test(arguments: StoreKind.allCases)
    func speechIsClaimedOnceRecordedAndForgotten(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = test.store
        let claim = { (owner: String) in
            try store.claimSpeech(key: "k1", engine: .openai, voice: "alloy", language: "en", characters: 12, owner: owner,
                                  leaseSeconds: 60)
        }
        #expect(try claim("a") == .granted)
        guard case .heldBy(let holder, _) = try claim("b") else { Issue.record("b should wait for a"); return }
        #expect(holder == "a")
        // A failed synthesis gives the claim back at once.
        try store.releaseSpeech(key: "k1", owner: "a")
        #expect(try claim("b") == .granted)
        let words = [WordTiming(word: "Hello", start: 0.05, end: 0.4), WordTiming(word: "there", start: 0.45, end: 0.9)]
        let record = StoredSpeech(key: "k1", engine: .openai, voice: "alloy", characters: 12, seconds: 1.0, cost: 0.0002,
                                  file: "/tmp/k1.wav", words: words, approximateTimings: true)
        try store.recordSpeech(record)
        #expect(try claim("c") == .recorded(record))
        #expect(try store.recordedSpeech(key: "k1") == record)
        try store.forgetSpeech(key: "k1")
        #expect(try store.recordedSpeech(key: "k1") == nil)
        #expect(try claim("c") == .granted)
    }

    /// A claim whose holder on this host was killed (-9) is taken over at once, not waited out for its lease.
    @Test func aClaimOfAKilledProcessIsTakenOver() throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let dead = "\(ProcessIdentity.host):999999:0@mia-\(ProcessIdentity.host)-\(ProcessIdentity.pidNamespace)-999999-1"
        #expect(ProcessIdentity.isGone(owner: dead))
        #expect(!ProcessIdentity.isGone(owner: ProcessIdentity.owner))
        #expect(!ProcessIdentity.isGone(owner: "worker-7"), "a worker's own id is never judged")
        func claim(_ owner: String) throws -> SpeechClaim {
            try store.claimSpeech(key: "k", engine: .espeak, voice: "", language: "en", characters: 3, owner: owner, leaseSeconds: 600)
        }
        #expect(try claim(dead) == .granted)
        #expect(try claim("alive") == .granted)
        guard case .heldBy = try claim("other") else { Issue.record("a live holder's claim must be waited for"); return }
    }

    @Test func measuredSpeechSetsSceneLengthsAndFitsProviderClips() throws {
        let script = """
        Scene 1: Hook
        VISUAL: Cinematic drone shot over a coastal city at sunset.
        VO: Every morning, millions of people open a dozen apps.

        Scene 2: Long
        VISUAL: Animated illustration of calendar cards snapping together.
        VO: A long line.

        Scene 3: Timed (8s)
        ON SCREEN: Download it free
        VO: Try it.
        """
        var options = AnalysisOptions(providerOverride: .runway, environment: ProviderEnvironment(runwayKeySet: true))
        options.speechSeconds = [1: 3.7, 2: 12.6, 3: 1.0]
        let analysis = try ScriptAnalyzer(log: SilentLog()).analyze(script, name: "s.txt", options: options)
        let scenes = analysis.scenes
        // 0.25 s lead-in + 3.7 s + 0.5 s tail = 4.45 s: Runway renders 5 s, the scene is cut at 4.45 s.
        #expect(scenes[0].estimate.source == .speech)
        #expect(scenes[0].seconds == 5)
        #expect(scenes[0].sceneSeconds == 4.45)
        #expect(scenes[0].fit == .trim)
        // 13.35 s of speech and pauses outlast Runway's 10 s: the clip is held, not replaced.
        #expect(scenes[1].chosen.provider == .runway)
        #expect(scenes[1].seconds == 10)
        #expect(scenes[1].sceneSeconds == 13.35)
        #expect(scenes[1].fit == .hold)
        #expect(analysis.warnings.contains { $0.kind == .sceneTooLong && $0.message.contains("last frame is held") })
        // The script's 8 s outlasts 1.75 s of speech: the annotation wins.
        #expect(scenes[2].estimate.source == .annotation)
        #expect(scenes[2].length == 8)
        #expect(abs(analysis.totalSeconds - (4.45 + 13.35 + 8)) < 1e-9)
        #expect(abs(analysis.totalCost - (0.6 + 1.2 + 0.96)) < 1e-9)

        // Speech longer than an annotation: the scene runs long and Mia says so.
        options.speechSeconds = [3: 9]
        let long = try ScriptAnalyzer(log: SilentLog()).analyze(script, name: "s.txt", options: options)
        #expect(long.scenes[2].length >= 9.75)
        // A clip a little longer than the speech is not cut (a quarter second more of tail, no re-encode).
        options.speechSeconds = [1: 4.2]
        #expect(try ScriptAnalyzer(log: SilentLog()).analyze(script, name: "s.txt", options: options).scenes[0].fit == nil)
        #expect(long.warnings.contains { $0.kind == .timing && $0.message.contains("Scene 3's narration takes 9.0 s") })
    }
}

/// The message of the `MiaError` `body` throws, or nil when it throws none.
func catchMiaError(_ body: () throws -> Any) -> String? {
    do {
        _ = try body()
        return nil
    } catch let error as MiaError {
        return error.message
    } catch {
        return "\(error)"
    }
}
