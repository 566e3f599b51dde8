import Foundation
import Testing
@testable import MiaPipeline

/// The built-in voice, speaking for real through libespeak-ng: samples, word timings, voices, hostile text.
@Suite struct ESpeakVoiceTests {
    let voice = ESpeakVoice()

    private func words(_ text: String) -> [String] { text.split(whereSeparator: \.isWhitespace).map(String.init) }

    /// Every word of the text, in order, never going back, all inside the audio.
    private func expectCoherentTimings(_ speech: SynthesizedSpeech, for text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(speech.words.map(\.word) == words(text), sourceLocation: sourceLocation)
        var previousEnd = 0.0
        for timing in speech.words {
            #expect(timing.start >= previousEnd - 1e-9 && timing.end >= timing.start, "\(timing)", sourceLocation: sourceLocation)
            #expect(timing.end <= speech.seconds + 1e-9, "\(timing)", sourceLocation: sourceLocation)
            previousEnd = timing.end
        }
    }

    @Test func speaksAnEnglishSentenceWithATimingForEveryWord() async throws {
        let text = "The quick brown fox jumps over the lazy dog, and then it naps in the sun."
        let speech = try await voice.synthesize(SpeechRequest(text: text, voice: "en-us", language: "en"))
        #expect(speech.sampleRate == 22050)
        #expect(speech.seconds > 2 && speech.seconds < 10)
        #expect(speech.approximateTimings == false)
        expectCoherentTimings(speech, for: text)
        let first = try #require(speech.words.first)
        let last = try #require(speech.words.last)
        #expect(first.start < 0.5)
        #expect(last.end > speech.seconds - 0.3)
        // Real timings, not an even spread: "the" is much shorter than "quick brown".
        #expect(speech.words[0].end - speech.words[0].start < speech.words[1].end - speech.words[1].start)
    }

    @Test func rateTwoIsClearlyFaster() async throws {
        let text = "Speaking twice as fast should take a good deal less time than speaking normally."
        let normal = try await voice.synthesize(SpeechRequest(text: text, voice: "en", language: "en", rate: 1))
        let fast = try await voice.synthesize(SpeechRequest(text: text, voice: "en", language: "en", rate: 2))
        #expect(fast.seconds < normal.seconds * 0.7, "normal \(normal.seconds) s, fast \(fast.seconds) s")
        expectCoherentTimings(fast, for: text)
    }

    @Test func theLanguageChoosesTheVoiceWhenNoneIsNamed() async throws {
        let german = try await voice.voices(language: "de")
        #expect(german.contains { $0.id == "de" })
        #expect(german.allSatisfy { $0.languages.contains("de") && $0.engine == .espeak })
        let all = try await voice.voices(language: nil)
        #expect(all.count > 50 && all.count > german.count)
        #expect(all.contains { $0.id == "en-us" && $0.languages == ["en"] })

        let text = "Guten Morgen, wie geht es Ihnen heute?"
        let speech = try await voice.synthesize(SpeechRequest(text: text, voice: "", language: "de-DE"))
        expectCoherentTimings(speech, for: text)
        let entries = try await Self.entries()
        #expect(try ESpeakEngine.resolve(voice: "", language: "de-DE", in: entries).info.id == "de")
        #expect(try ESpeakEngine.resolve(voice: "", language: "en", in: entries).info.id == "en")
        #expect(try ESpeakEngine.resolve(voice: "English (America)", language: "de", in: entries).info.id == "en-us")
        // No voice for the language: English speaks it (documented), rather than nothing.
        #expect(try ESpeakEngine.resolve(voice: "", language: "xx", in: entries).info.id == "en")
    }

    @Test func anUnknownVoiceSuggestsTheClosest() async throws {
        let error = await #expect(throws: VoiceError.self) {
            try await voice.synthesize(SpeechRequest(text: "Hello.", voice: "en-uss", language: "en"))
        }
        guard case .unknownVoice(.espeak, "en-uss", let suggestions) = error else {
            Issue.record("expected unknownVoice, got \(String(describing: error))")
            return
        }
        #expect(suggestions.contains("en-us"))
        #expect(error?.message.contains("espeak:en-us") == true)
        // An explicit voice is never replaced by a fallback, even for empty text.
        await #expect(throws: VoiceError.self) { try await voice.synthesize(SpeechRequest(text: "", voice: "no-such-voice", language: "en")) }
    }

    @Test func markupAndNULsAreSpokenAsText() async throws {
        let text = "<speak>Hello</speak> <break time=\"10s\"/> a\u{0}b [[h@l'oU]] done"
        let speech = try await voice.synthesize(SpeechRequest(text: text, voice: "en-us", language: "en"))
        #expect(speech.words.map(\.word) == words(text))
        expectCoherentTimings(speech, for: text)
        // Obeyed, the break alone would be 10 s; read as text the whole line is a few seconds.
        #expect(speech.seconds > 1 && speech.seconds < 9)
    }

    @Test func emptyTextIsEmptySpeech() async throws {
        for text in ["", "   \n\t ", "\u{0}\u{0}"] {
            let speech = try await voice.synthesize(SpeechRequest(text: text, voice: "", language: "en"))
            #expect(speech.samples.isEmpty && speech.words.isEmpty && speech.sampleRate == 22050)
        }
    }

    @Test func twentyThousandCharactersAreSpokenWhole() async throws {
        let sentence = "Every scene of the long script is narrated from its first word to its last one. "
        let text = String(String(repeating: sentence, count: 20_000 / sentence.count + 1).prefix(20_000))
        let speech = try await voice.synthesize(SpeechRequest(text: text, voice: "en-us", language: "en", rate: 1.5))
        #expect(speech.words.count == words(text).count)
        expectCoherentTimings(speech, for: text)
        #expect(speech.seconds > 600)
        let last = try #require(speech.words.last)
        #expect(last.start > speech.seconds - 2 && last.end > speech.seconds - 0.3)

        let tooLong = String(repeating: "a ", count: ESpeakVoice.maximumTextLength / 2 + 1)
        await #expect(throws: VoiceError.self) { try await voice.synthesize(SpeechRequest(text: tooLong, voice: "en", language: "en")) }
    }

    /// eSpeak NG is one global engine: eight tasks at once are serialized, each gets its own whole speech.
    /// Not bit-identical (ESpeakVoice's comment says why; measured up to 40 ms apart on 3.7 s): the same
    /// words, lengths and word timings within 0.1 s.
    @Test func concurrentCallsEachGetTheirOwnWholeSpeech() async throws {
        let requests = (0..<8).map { index in
            SpeechRequest(text: "Task number \(index) says its own sentence, clearly and completely.", voice: index.isMultiple(of: 2) ? "en-us" : "de", language: "en")
        }
        var alone: [SynthesizedSpeech] = []
        for request in requests { alone.append(try await voice.synthesize(request)) }
        let together = try await withThrowingTaskGroup(of: (Int, SynthesizedSpeech).self) { group in
            for (index, request) in requests.enumerated() {
                group.addTask { (index, try await voice.synthesize(request)) }
            }
            var results = [SynthesizedSpeech?](repeating: nil, count: requests.count)
            for try await (index, speech) in group { results[index] = speech }
            return results.compactMap { $0 }
        }
        #expect(together.count == requests.count)
        for (single, concurrent) in zip(alone, together) {
            #expect(concurrent.words.map(\.word) == single.words.map(\.word))
            #expect(abs(concurrent.seconds - single.seconds) < 0.1, "\(concurrent.seconds) vs \(single.seconds)")
            for (a, b) in zip(concurrent.words, single.words) {
                #expect(abs(a.start - b.start) < 0.1 && abs(a.end - b.end) < 0.1, "\(a) vs \(b)")
            }
        }
    }

    @Test func eventsMapToTheTextsWordsByPosition() {
        // "1234" gives several events, "—" none, one event points back: still one timing per word, in order.
        let text = "Say 1234 — now"
        let events: [ESpeakWordTimings.Event] = [
            .init(textPosition: 1, sample: 100), .init(textPosition: 5, sample: 1000), .init(textPosition: 5, sample: 2000),
            .init(textPosition: 2, sample: 2500), .init(textPosition: 12, sample: 4000),
        ]
        let timings = ESpeakWordTimings.timings(text: text, events: events, voicedEnd: 5000, sampleRate: 1000)
        #expect(timings == [
            WordTiming(word: "Say", start: 0.1, end: 1.0), WordTiming(word: "1234", start: 1.0, end: 2.5),
            WordTiming(word: "—", start: 2.5, end: 4.0), WordTiming(word: "now", start: 4.0, end: 5.0),
        ])
        // No events at all: the words share the audio in order.
        let even = ESpeakWordTimings.timings(text: "a b", events: [], voicedEnd: 2000, sampleRate: 1000)
        #expect(even == [WordTiming(word: "a", start: 0, end: 1), WordTiming(word: "b", start: 1, end: 2)])
    }

    /// Seconds of speech per second of CPU for 1,000 English words (printed; the report quotes it).
    @Test func measuresSpeechPerCPUSecond() async throws {
        let pool = "the narrator reads every scene of the script aloud while pictures move slowly across the screen".split(separator: " ")
        let text = (0..<1000).map { index in String(pool[(index * 7) % pool.count]) + (index % 12 == 11 ? "." : "") }.joined(separator: " ")
        _ = try await voice.synthesize(SpeechRequest(text: "Warm up.", voice: "en-us", language: "en"))
        // The CPU time of eSpeak NG's own thread, so tests running beside this one do not count.
        let request = SpeechRequest(text: text, voice: "en-us", language: "en")
        let (speech, cpu) = try await ESpeakEngine.run {
            let before = Self.threadCPUSeconds()
            let speech = try ESpeakEngine.speak(request)
            return (speech, Self.threadCPUSeconds() - before)
        }
        #expect(speech.words.count == 1000)
        print("[ESpeakVoice] 1000 words: \(String(format: "%.1f", speech.seconds)) s of speech in \(String(format: "%.3f", cpu)) s CPU = \(String(format: "%.0f", speech.seconds / max(cpu, 1e-6))) s speech per CPU second")
    }

    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private static func entries() async throws -> [ESpeakVoiceEntry] {
        try await ESpeakEngine.run { try ESpeakEngine.started().voices }
    }
}
