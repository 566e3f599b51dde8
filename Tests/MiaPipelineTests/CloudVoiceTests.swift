import Foundation
import Testing
@testable import MiaPipeline

/// The OpenAI and ElevenLabs voice adapters against fake APIs that are real HTTP servers on loopback
/// (`Support/FakeVoiceServers.swift`), and the timing estimate they share, on tone bursts with gaps.
@Suite struct CloudVoiceTests {
    static let openAIKey = "sk-proj-VOICEKEY0123456789abcdefSECRET"
    static let elevenKey = "sk_" + String(repeating: "9f8e7d6c5b4a", count: 4)
    static let rachel = "21m00Tcm4TlvDq8ikWAM"
    static let text = "Boats drift across the pond. The wind is kind, and the water is calm."

    let log = CollectingLog()

    static func http(timeout: Double = 5) -> HTTPSettings {
        HTTPSettings(requestTimeout: timeout, downloadIdleTimeout: timeout, downloadTimeout: 30, retry: ProviderTests.fastRetry, proxy: nil)
    }

    func openAI(_ fake: FakeOpenAISpeechServer, key: String = openAIKey, timeout: Double = 5, model: String = "tts-1") throws -> OpenAIVoice {
        try OpenAIVoice(apiKey: key, baseURL: fake.baseURL, options: .init(model: model, http: Self.http(timeout: timeout)), log: log)
    }

    func eleven(_ fake: FakeElevenLabsServer, key: String = elevenKey, timeout: Double = 5,
                model: String = "eleven_multilingual_v2") throws -> ElevenLabsVoice {
        try ElevenLabsVoice(apiKey: key, baseURL: fake.baseURL, options: .init(model: model, http: Self.http(timeout: timeout)), log: log)
    }

    static func request(_ voice: String, text: String = text, rate: Double = 1) -> SpeechRequest {
        SpeechRequest(text: text, voice: voice, language: "en", rate: rate)
    }

    var retries: [MiaEvent] { log.events.filter { $0.tag == "MIA:PROVIDER:RETRY" } }

    // MARK: - The timing estimate

    /// Phrase edges land on the pauses; every word is timed, in order, inside the speech.
    @Test func estimateFindsPhrasesAtPauses() {
        let truth = FakeSpeech(Self.text)
        let words = WordTimingEstimate.words(of: Self.text, samples: truth.samples, sampleRate: FakeSpeech.rate)
        #expect(words.map(\.word) == SpeechText.words(Self.text))
        for (estimate, real) in zip(words, truth.words) {
            // Phrase edges (after "pond.", "kind,", and the ends) within 50 ms (a few RMS frames); other words within 150 ms.
            let edge = WordTimingEstimate.endsPhrase(real.word) || real.word == "Boats"
            #expect(abs(estimate.end - real.end) <= (edge ? 0.05 : 0.15), "\(estimate) vs \(real)")
            #expect(abs(estimate.start - real.start) <= 0.15, "\(estimate) vs \(real)")
        }
        #expect(abs(words[5].start - truth.words[5].start) <= 0.02, "the second sentence starts after its pause")
        for (a, b) in zip(words, words.dropFirst()) { #expect(a.end <= b.start + 1e-9 && a.start <= a.end) }
    }

    /// A comma read without a breath, and noise under the speech: the boundary stays where the characters
    /// put it, sentence ends still snap, nothing starts in a pause.
    @Test func estimateCopesWithAMissingPauseAndNoise() {
        let truth = FakeSpeech("Lights dim slowly now. Curtains rise and music swells.")
        var generator = SplitMix64(seed: 7)
        let noisy = truth.samples.map { $0 &+ Int16(Int(generator.next() % 121) - 60) }
        let text = "Lights dim, slowly now. Curtains rise and music swells."
        let words = WordTimingEstimate.words(of: text, samples: noisy, sampleRate: FakeSpeech.rate)
        #expect(words.count == 9)
        #expect(abs(words[3].end - truth.words[3].end) <= 0.02, "\(words[3]) vs \(truth.words[3])")
        #expect(abs(words[4].start - truth.words[4].start) <= 0.02, "\(words[4]) vs \(truth.words[4])")
        #expect(abs(words[8].end - truth.words[8].end) <= 0.02)
        for (a, b) in zip(words, words.dropFirst()) { #expect(a.end <= b.start + 1e-9) }
    }

    @Test func estimateOfSilenceOrNothing() {
        let silent = [Int16](repeating: 0, count: 24_000)
        let words = WordTimingEstimate.words(of: "one two", samples: silent, sampleRate: 24_000)
        #expect(words.map(\.word) == ["one", "two"] && words.last?.end == 1)
        #expect(WordTimingEstimate.words(of: "one", samples: [], sampleRate: 24_000) == [WordTiming(word: "one", start: 0, end: 0)])
        #expect(WordTimingEstimate.words(of: "  ", samples: silent, sampleRate: 24_000).isEmpty)
    }

    @Test func longTextIsCutAtSentences() {
        let sentence = "The tide comes in again. "
        let text = String(repeating: sentence, count: 20)
        let chunks = SpeechText.chunks(text, limit: 60)
        #expect(chunks.allSatisfy { $0.count <= 60 && $0.hasSuffix(".") })
        #expect(chunks.joined(separator: " ").split(separator: " ") == text.split(separator: " "))
        let giant = SpeechText.chunks(String(repeating: "word ", count: 30) + String(repeating: "x", count: 25), limit: 20)
        #expect(giant.allSatisfy { $0.count <= 20 })
        #expect(giant.joined(separator: " ").replacingOccurrences(of: " ", with: "").count == 4 * 30 + 25)
    }

    // MARK: - OpenAI

    @Test func openAIHappyPath() async throws {
        let fake = try FakeOpenAISpeechServer(key: Self.openAIKey)
        let speech = try await openAI(fake).synthesize(Self.request("nova", rate: 1.25))
        let request = try #require(fake.requests.first)
        #expect(fake.requests.count == 1)
        #expect(request.method == "POST" && request.path == "/v1/audio/speech")
        #expect(request.header("authorization") == "Bearer \(Self.openAIKey)")
        #expect(request.header("accept") == "application/octet-stream" && request.header("content-type") == "application/json")
        let body = try #require(request.json)
        #expect(body["model"] as? String == "tts-1" && body["input"] as? String == Self.text && body["voice"] as? String == "nova")
        #expect(body["response_format"] as? String == "pcm" && body["speed"] as? Double == 1.25)
        let truth = FakeSpeech(Self.text)
        #expect(speech.sampleRate == 24_000 && speech.samples == truth.samples)
        #expect(speech.approximateTimings)
        #expect(speech.words.map(\.word) == SpeechText.words(Self.text))
        #expect(abs((speech.words.last?.end ?? 0) - truth.words.last!.end) <= 0.02)
        // tts-1: $15 per million characters (VoiceCatalog).
        #expect(abs(try openAI(fake).price(of: Self.request("nova")) - Double(Self.text.count) * 15 / 1_000_000) < 1e-12)
    }

    @Test func openAIRetriesA429WithRetryAfterAndA500() async throws {
        let fake = try FakeOpenAISpeechServer(key: Self.openAIKey)
        fake.inject([.status(429, headers: ["Retry-After": "0.2"]), .status(500)], on: "speech")
        let started = Date()
        let speech = try await openAI(fake).synthesize(Self.request("alloy"))
        #expect(Date().timeIntervalSince(started) >= 0.2, "Retry-After was honoured")
        #expect(fake.requests.count == 3 && !speech.samples.isEmpty)
        #expect(retries.count == 2 && retries.first?.text.contains("provider=openai") == true, "\(retries.map(\.text))")
        #expect(retries.first?.text.contains("wait=0.2") == true, "\(retries.map(\.text))")
    }

    @Test func openAISlowAnswerPastTheDeadlineIsNotSentAgain() async throws {
        let fake = try FakeOpenAISpeechServer(key: Self.openAIKey)
        fake.inject([.slow(2)], on: "speech")
        let voice = try openAI(fake, timeout: 0.4)
        await #expect { try await voice.synthesize(Self.request("alloy")) } throws: { error in
            guard case ProviderError.unavailable(let message) = error else { return false }
            return message.contains("no answer within") && message.contains("not sent again")
        }
        #expect(fake.requests.count == 1, "billed speech is not asked for twice")
    }

    @Test func openAIAnswersThatAreNotPCM() async throws {
        let fake = try FakeOpenAISpeechServer(key: Self.openAIKey)
        fake.inject([.malformedJSON], on: "speech")
        fake.damage([.oddLength])
        let voice = try openAI(fake)
        for expected in ["not PCM audio", "not 16-bit PCM"] {
            await #expect { try await voice.synthesize(Self.request("alloy")) } throws: { error in
                guard case ProviderError.malformedResponse(let message) = error else { return false }
                return message.contains(expected)
            }
        }
    }

    @Test func openAIRefusalAndUnknownVoice() async throws {
        let fake = try FakeOpenAISpeechServer(key: Self.openAIKey)
        fake.inject([.status(400, body: #"{"error": {"message": "Your request was rejected by our safety system.", "code": "content_policy_violation", "param": null}}"#)],
                    on: "speech")
        let voice = try openAI(fake)
        await #expect(throws: VoiceError.refused(engine: .openai, reason: "[content_policy_violation] Your request was rejected by our safety system.")) {
            try await voice.synthesize(Self.request("alloy"))
        }
        do {
            _ = try await voice.synthesize(Self.request("alloyy"))
            Issue.record("an unknown voice was accepted")
        } catch let error as VoiceError {
            guard case .unknownVoice(.openai, "alloyy", let suggestions) = error else { Issue.record("\(error)"); return }
            #expect(suggestions.first == "alloy")
            #expect(error.message.contains("did you mean openai:alloy"))
        }
    }

    /// 4096 characters a request: a long narration goes in sentence-sized pieces, its audio end to end and
    /// its timings moved along.
    @Test func openAILongTextIsSplitAndJoined() async throws {
        let fake = try FakeOpenAISpeechServer(key: Self.openAIKey)
        fake.pace = 0.05
        let sentence = "Paper boats drift slowly across the quiet pond at dawn. "
        let text = String(repeating: sentence, count: 160).trimmingCharacters(in: .whitespaces)
        let speech = try await openAI(fake).synthesize(Self.request("echo", text: text))
        let sent = fake.spokenTexts
        #expect(sent.count == 3 && sent.allSatisfy { $0.count <= 4096 && $0.hasSuffix("dawn.") })
        #expect(sent.joined(separator: " ") == text)
        let pieces = sent.map { FakeSpeech($0, pace: 0.05) }
        #expect(speech.samples == pieces.flatMap(\.samples))
        #expect(speech.words.count == SpeechText.words(text).count)
        var offset = 0.0, index = 0
        for piece in pieces {
            let words = speech.words[index..<index + piece.words.count]
            #expect(words.allSatisfy { $0.start >= offset - 1e-9 && $0.end <= offset + piece.seconds + 1e-9 })
            #expect(abs(words.first!.start - (offset + piece.words.first!.start)) <= 0.02)
            offset += piece.seconds
            index += piece.words.count
        }
    }

    // MARK: - ElevenLabs

    @Test func elevenLabsHappyPath() async throws {
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        let speech = try await eleven(fake).synthesize(Self.request(Self.rachel, rate: 1.1))
        let request = try #require(fake.requests.first)
        #expect(request.target == "/v1/text-to-speech/\(Self.rachel)/with-timestamps?output_format=pcm_24000")
        #expect(request.header("xi-api-key") == Self.elevenKey && request.header("authorization") == nil)
        let body = try #require(request.json)
        #expect(body["text"] as? String == Self.text && body["model_id"] as? String == "eleven_multilingual_v2")
        #expect(body["language_code"] == nil, "multilingual v2 takes no language_code")
        #expect((body["voice_settings"] as? [String: Any])?["speed"] as? Double == 1.1)
        let truth = FakeSpeech(Self.text)
        #expect(speech.samples == truth.samples && !speech.approximateTimings)
        #expect(speech.words.count == truth.words.count)
        for (got, real) in zip(speech.words, truth.words) {
            #expect(got.word == real.word && abs(got.start - real.start) < 1e-6 && abs(got.end - real.end) < 1e-6)
        }
        #expect(try eleven(fake).price(of: Self.request(Self.rachel)) == Double(Self.text.count) * 0.10 / 1000)
    }

    @Test func elevenLabsSendsTheLanguageToModelsThatTakeIt() async throws {
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        _ = try await eleven(fake, model: "eleven_flash_v2_5").synthesize(Self.request(Self.rachel))
        #expect(fake.requests.first?.json?["language_code"] as? String == "en")
        #expect(fake.requests.first?.json?["voice_settings"] == nil, "speed 1 is the default: not sent")
    }

    @Test func elevenLabsRetriesA429WithRetryAfterAndA500() async throws {
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        fake.inject([.status(429, headers: ["retry-after-ms": "150"]), .status(503)], on: "speech")
        let speech = try await eleven(fake).synthesize(Self.request(Self.rachel))
        #expect(fake.requests.count == 3 && !speech.approximateTimings)
        #expect(retries.count == 2 && retries.allSatisfy { $0.text.contains("provider=elevenlabs") })
        #expect(retries.first?.text.contains("wait=0.15") == true, "\(retries.map(\.text))")
    }

    @Test func elevenLabsSlowAnswerPastTheDeadline() async throws {
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        fake.inject([.slow(2)], on: "speech")
        let voice = try eleven(fake, timeout: 0.4)
        await #expect { try await voice.synthesize(Self.request(Self.rachel)) } throws: { error in
            guard case ProviderError.unavailable(let message) = error else { return false }
            return message.contains("no answer within")
        }
        #expect(fake.requests.count == 1)
    }

    @Test func elevenLabsDamagedAnswers() async throws {
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        fake.inject([.malformedJSON], on: "speech")
        fake.damage([.truncatedBase64, .oddLength])
        let voice = try eleven(fake)
        for expected in ["not the expected JSON", "not base64", "not 16-bit PCM"] {
            await #expect { try await voice.synthesize(Self.request(Self.rachel)) } throws: { error in
                guard case ProviderError.malformedResponse(let message) = error else { return false }
                return message.contains(expected)
            }
        }
    }

    /// Without a usable alignment the audio is kept and the timings are estimated.
    @Test(arguments: [AudioDamage.noAlignment, .wrongAlignment])
    func elevenLabsFallsBackToTheEstimate(_ damage: AudioDamage) async throws {
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        fake.damage([damage])
        let speech = try await eleven(fake).synthesize(Self.request(Self.rachel))
        #expect(speech.approximateTimings)
        #expect(speech.samples == FakeSpeech(Self.text).samples)
        #expect(speech.words.map(\.word) == SpeechText.words(Self.text))
    }

    @Test func elevenLabsRefusalAndUnknownVoices() async throws {
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        fake.inject([.status(400, body: #"{"detail": {"status": "content_against_policy", "message": "This text violates our terms."}}"#)], on: "speech")
        let voice = try eleven(fake)
        await #expect(throws: VoiceError.refused(engine: .elevenlabs, reason: "[content_against_policy] This text violates our terms.")) {
            try await voice.synthesize(Self.request(Self.rachel))
        }
        // A 404 voice_not_found: the voice list is asked for close ids.
        await #expect(throws: VoiceError.unknownVoice(engine: .elevenlabs, voice: "21m00Tcm4TlvDq8ikWAX", suggestions: [Self.rachel])) {
            try await voice.synthesize(Self.request("21m00Tcm4TlvDq8ikWAX"))
        }
        #expect(fake.requests.last?.path == "/v1/voices")
        // An id that cannot go into a path is refused before any request.
        let before = fake.requests.count
        for bad in ["../v1/voices", "abc?x=1", "Rachel Green", ""] {
            await #expect(throws: VoiceError.unknownVoice(engine: .elevenlabs, voice: bad, suggestions: [])) {
                try await voice.synthesize(Self.request(bad))
            }
        }
        #expect(fake.requests.count == before)
    }

    @Test func elevenLabsVoiceList() async throws {
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        let voice = try eleven(fake)
        let all = try await voice.voices(language: nil)
        #expect(all.map(\.id) == FakeElevenLabsServer.voices.map(\.id) && all.first?.name == "Rachel" && all.first?.languages == ["en"])
        #expect(try await voice.voices(language: "de").map(\.name) == ["Domi", "Antoni"])
        // An endless list stops at the cap.
        let capped = try ElevenLabsVoice(apiKey: Self.elevenKey, baseURL: fake.baseURL,
                                         options: .init(http: Self.http(), maxVoiceListBytes: 64), log: log)
        await #expect { try await capped.voices(language: nil) } throws: { error in
            guard case ProviderError.malformedResponse(let message) = error else { return false }
            return message.contains("limit of 64 bytes")
        }
    }

    /// 10,000 characters a request for multilingual v2: three requests, exact timings moved along.
    @Test func elevenLabsLongTextIsSplitAndJoined() async throws {
        let fake = try FakeElevenLabsServer(key: Self.elevenKey)
        fake.pace = 0.02
        let sentence = "A lighthouse blinks over the harbour while gulls circle and call. "
        let text = String(repeating: sentence, count: 400).trimmingCharacters(in: .whitespaces)
        let speech = try await eleven(fake).synthesize(Self.request(Self.rachel, text: text))
        let sent = fake.spokenTexts
        #expect(sent.count == 3 && sent.allSatisfy { $0.unicodeScalars.count <= 10_000 && $0.hasSuffix("call.") })
        #expect(sent.joined(separator: " ") == text)
        let pieces = sent.map { FakeSpeech($0, pace: 0.02) }
        #expect(speech.samples == pieces.flatMap(\.samples) && !speech.approximateTimings)
        var expected: [WordTiming] = []
        var offset = 0.0
        for piece in pieces {
            expected += piece.words.map { WordTiming(word: $0.word, start: $0.start + offset, end: $0.end + offset) }
            offset += piece.seconds
        }
        #expect(speech.words.count == expected.count)
        let worst = zip(speech.words, expected).map { max(abs($0.start - $1.start), abs($0.end - $1.end)) }.max() ?? 1
        #expect(worst < 1e-6)
    }

    // MARK: - The key

    /// Servers that echo the key (in a 401 for a wrong key, in retried 429/500 bodies, in a refusal): no
    /// error message and no log event holds it.
    @Test func theKeyNeverLeaks() async throws {
        let openFake = try FakeOpenAISpeechServer(key: Self.openAIKey)
        let elevenFake = try FakeElevenLabsServer(key: Self.elevenKey)
        var texts: [String] = []
        func collect(_ work: () async throws -> Void) async {
            do { try await work(); Issue.record("expected an error") } catch {
                texts += ["\(error)", String(reflecting: error), (error as? ProviderError)?.message ?? "", (error as? VoiceError)?.message ?? ""]
            }
        }
        // A wrong key, echoed in the 401.
        let wrongOpen = "sk-proj-WRONGKEY0123456789abcdefSECRET"
        let wrongEleven = "sk_" + String(repeating: "0a1b2c3d4e5f", count: 4)
        await collect { _ = try await openAI(openFake, key: wrongOpen).synthesize(Self.request("alloy")) }
        await collect { _ = try await eleven(elevenFake, key: wrongEleven).synthesize(Self.request(Self.rachel)) }
        // The right key, echoed in retried answers and in the final one.
        for (fake, key) in [(openFake as FakeAPI, Self.openAIKey), (elevenFake as FakeAPI, Self.elevenKey)] {
            fake.inject([.status(429, body: "slow down, \(key)"), .status(500, body: #"{"error": {"message": "key \#(key) broke"}}"#),
                         .status(503, body: "still \(key)")], on: "speech")
        }
        await collect { _ = try await openAI(openFake).synthesize(Self.request("alloy")) }
        await collect { _ = try await eleven(elevenFake).synthesize(Self.request(Self.rachel)) }
        openFake.inject([.status(400, body: #"{"error": {"message": "refused for key \#(Self.openAIKey)"}}"#)], on: "speech")
        elevenFake.inject([.status(422, body: #"{"detail": [{"msg": "bad key \#(Self.elevenKey)"}]}"#)], on: "speech")
        await collect { _ = try await openAI(openFake).synthesize(Self.request("alloy")) }
        await collect { _ = try await eleven(elevenFake).synthesize(Self.request(Self.rachel)) }
        texts += log.events.flatMap { [$0.text, $0.json] }
        #expect(retries.count == 4, "\(log.events.map(\.text))")
        #expect(texts.contains { $0.contains("[redacted]") }, "the echoes reached the messages, redacted")
        for key in [Self.openAIKey, Self.elevenKey, wrongOpen, wrongEleven] {
            let apiKey = APIKey(key)
            for text in texts { #expect(!apiKey.appears(in: text), "\(text)") }
        }
    }

    // MARK: - Environment and prices

    @Test func keysAndBaseURLsFromTheEnvironment() throws {
        #expect(try OpenAIVoice.live(environment: ["OPENAI_API_KEY": " \n"], log: log) == nil)
        #expect(try ElevenLabsVoice.live(environment: [:], log: log) == nil)
        let voice = try #require(try ElevenLabsVoice.live(environment: ["ELEVENLABS_API_KEY": "k\n"], log: log))
        #expect(voice.http.baseURL.absoluteString == "https://api.elevenlabs.io")
        let gateway = try #require(try OpenAIVoice.live(environment: ["OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1/"], log: log))
        #expect(gateway.http.baseURL.absoluteString == "http://127.0.0.1:9/v1")
        #expect(throws: MiaError("ELEVENLABS_BASE_URL is not an http(s) URL of the form https://host/path")) {
            try ElevenLabsVoice.live(environment: ["ELEVENLABS_API_KEY": "k", "ELEVENLABS_BASE_URL": "ftp://x"], log: log)
        }
        #expect(ProviderVariables.keyVariable(VoiceEngine.espeak) == nil)
    }

    @Test func pricesPerEngineAndModel() {
        #expect(VoiceCatalog.price(engine: .espeak, model: "en", text: Self.text) == 0)
        #expect(VoiceCatalog.pricePerCharacter(engine: .openai, model: "tts-1-hd") == 30.0 / 1_000_000)
        #expect(VoiceCatalog.pricePerCharacter(engine: .openai, model: "gpt-4o-mini-tts") == 20.0 / 1_000_000)
        #expect(VoiceCatalog.pricePerCharacter(engine: .elevenlabs, model: "eleven_flash_v2_5") == 0.05 / 1000)
        #expect(VoiceCatalog.price(engine: .elevenlabs, model: "someday_model", text: "abcd") == 4 * 0.10 / 1000)
        #expect(VoiceCatalog.characterLimit(engine: .elevenlabs, model: "eleven_multilingual_v2") == 10_000)
    }
}
