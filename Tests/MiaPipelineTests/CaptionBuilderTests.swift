import Foundation
import Testing
@testable import MiaPipeline

/// The cue builder on timings made here: lines, lengths, durations, phrase and scene boundaries, CJK.
@Suite struct CaptionBuilderTests {
    /// Words spoken one after another, `pace` seconds each with `gap` between.
    static func timings(_ text: String, pace: Double = 0.3, gap: Double = 0.05) -> [WordTiming] {
        text.split(separator: " ").enumerated().map { index, word in
            WordTiming(word: String(word), start: Double(index) * (pace + gap), end: Double(index) * (pace + gap) + pace)
        }
    }

    static func scene(_ text: String, start: Double = 0, length: Double? = nil, pace: Double = 0.3) -> CaptionScene {
        let words = timings(text, pace: pace)
        return CaptionScene(scene: 1, start: start, end: start + (length ?? 0.25 + (words.last?.end ?? 0) + 0.5), leadIn: 0.25, words: words)
    }

    /// Every rule a cue keeps, checked on any output.
    static func checkRules(_ cues: [CaptionCue], in scenes: [CaptionScene], lineLength: Int = 42) {
        for (index, cue) in cues.enumerated() {
            #expect((1...2).contains(cue.lines.count), "cue \(index): \(cue.lines)")
            #expect(cue.lines.allSatisfy { $0.count <= lineLength && !$0.isEmpty }, "cue \(index): \(cue.lines)")
            let scene = scenes.first { $0.scene == cue.scene }!
            #expect(cue.start >= scene.start && cue.end <= scene.end, "cue \(index) leaves its scene")
            #expect(cue.end - cue.start <= 7 + 1e-9, "cue \(index) lasts \(cue.end - cue.start)")
            // At least a second, unless the next cue or the scene's cut comes sooner.
            let next = index + 1 < cues.count && cues[index + 1].scene == cue.scene ? cues[index + 1].start : scene.end
            #expect(cue.end - cue.start >= min(1, next - cue.start, scene.end - cue.start) - 1e-9, "cue \(index) is too brief")
            if index > 0 { #expect(cues[index - 1].end <= cue.start + 1e-9, "cues \(index - 1) and \(index) overlap") }
        }
    }

    @Test func aSixtyWordSentenceBecomesReadableCuesThatKeepEveryWord() {
        let words = (1...60).map { ["harbor", "boats", "morning", "the", "city", "wakes", "and", "slowly", "light", "arrives"][$0 % 10] }
        var text = words.joined(separator: " ")
        text = text.replacingOccurrences(of: "wakes and", with: "wakes, and") + "."
        let scene = Self.scene(text)
        let cues = CaptionBuilder(language: "en").cues([scene])
        Self.checkRules(cues, in: [scene])
        #expect(cues.count >= 4, "60 words at 42 characters a line need at least 4 two-line cues")
        #expect(cues.flatMap { $0.lines }.joined(separator: " ") == text, "no word lost, none moved")
        // Each cue starts when its first word is spoken.
        let starts = Set(scene.words.map { scene.start + scene.leadIn + $0.start })
        #expect(cues.allSatisfy { starts.contains($0.start) })
        // Commas are where the speech pauses: most cues end at one.
        let atPauses = cues.dropLast().filter { $0.lines.last!.hasSuffix(",") }.count
        #expect(atPauses * 2 >= cues.count - 1, "\(cues.map(\.lines))")
    }

    @Test func cuesEndAtSentencesAndLinesPartAtPhrases() {
        // Each sentence needs two lines: two never fit one cue.
        let sentences = ["The harbor wakes up long before the city ever does.", "Boats slip out quietly while the lamps are still burning.",
                         "By seven o'clock the fish market is loud and completely full."]
        let scene = Self.scene(sentences.joined(separator: " "))
        let cues = CaptionBuilder(language: "en").cues([scene])
        Self.checkRules(cues, in: [scene])
        #expect(cues.map { $0.lines.joined(separator: " ") } == sentences)

        let two = Self.scene("Hello there, and welcome to the harbor. The boats go out before the city wakes up.", pace: 0.2)
        let lines = CaptionBuilder(language: "en").cues([two]).map(\.lines)
        #expect(lines == [["Hello there, and welcome to the harbor.", "The boats go out before the city wakes up."]])
    }

    @Test func noCueCrossesASceneCut() {
        let first = CaptionScene(scene: 1, start: 0, end: 2.0, leadIn: 0.25,
                                 words: Self.timings("one two three four five"))
        // The last word ends at 1.95 s, the cut at 2.0: the cue may not hold on into the next scene.
        let second = CaptionScene(scene: 2, start: 2.0, end: 5.0, leadIn: 0.25, words: Self.timings("six seven"))
        let cues = CaptionBuilder(language: "en").cues([first, second])
        Self.checkRules(cues, in: [first, second])
        #expect(cues.map(\.scene) == [1, 2])
        #expect(cues[0].end <= 2.0 && cues[1].start == 2.25)
        #expect(cues[0].lines == ["one two three four five"] && cues[1].lines == ["six seven"])
    }

    @Test func aOneWordSceneShowsItsWordUntilTheCut() {
        let scene = CaptionScene(scene: 4, start: 10, end: 11.05, leadIn: 0.25, words: [WordTiming(word: "Hello.", start: 0, end: 0.3)])
        let cues = CaptionBuilder(language: "en").cues([scene])
        #expect(cues.map { [$0.start, $0.end] } == [[10.25, 11.05]] && cues.map(\.lines) == [["Hello."]] && cues.map(\.scene) == [4])
        #expect(cues.first?.words.map(\.text) == ["Hello."])
        // With room, a brief word stays a full second.
        let roomy = CaptionScene(scene: 4, start: 10, end: 13, leadIn: 0.25, words: [WordTiming(word: "Hello.", start: 0, end: 0.3)])
        #expect(CaptionBuilder(language: "en").cues([roomy]).map(\.end) == [11.25])
    }

    @Test func aSceneWithoutSpeechHasNoCues() {
        let silent = CaptionScene(scene: 2, start: 3, end: 8, leadIn: 0.25, words: [])
        #expect(CaptionBuilder(language: "en").cues([silent]).isEmpty)
        let blank = CaptionScene(scene: 2, start: 3, end: 8, leadIn: 0.25, words: [WordTiming(word: "  ", start: 0, end: 1)])
        #expect(CaptionBuilder(language: "en").cues([blank]).isEmpty)
    }

    @Test func longSpeechIsCutIntoCuesOfAtMostSevenSeconds() {
        // Slow speech: 20 short words over 16 s fit two lines but not seven seconds.
        let scene = Self.scene((1...20).map { "w\($0)" }.joined(separator: " "), pace: 0.75)
        let cues = CaptionBuilder(language: "en").cues([scene])
        Self.checkRules(cues, in: [scene])
        #expect(cues.count >= 3)
    }

    @Test func japaneseIsCutBetweenCharactersSixteenToALine() {
        let text = "今日はとても良い天気ですね。明日も晴れるでしょうか、それとも雨が降るでしょうか。"
        // eSpeak NG gives a few long "words" for unspaced text.
        let chunks = ["今日はとても良い天気ですね。", "明日も晴れるでしょうか、", "それとも雨が降るでしょうか。"]
        let words = chunks.enumerated().map { WordTiming(word: $0.element, start: Double($0.offset) * 2, end: Double($0.offset) * 2 + 1.8) }
        let scene = CaptionScene(scene: 1, start: 0, end: 7, leadIn: 0.25, words: words)
        let cues = CaptionBuilder(language: "ja").cues([scene])
        Self.checkRules(cues, in: [scene], lineLength: 16)
        #expect(cues.flatMap(\.lines).joined() == text, "no character lost, no space added")
        #expect(cues.flatMap(\.lines).allSatisfy { !$0.contains(" ") })
        #expect(cues.first?.lines.first == "今日はとても良い天気ですね。")
        // Grapheme clusters, not scalars: a flag or an accented letter is one character.
        #expect(CaptionBuilder(language: "zh").lineLength == 16 && CaptionBuilder(language: "de").lineLength == 42)
    }

    @Test func aWordLongerThanALineIsCutIntoLines() {
        let long = String(repeating: "x", count: 100)
        let scene = CaptionScene(scene: 1, start: 0, end: 5, leadIn: 0, words: [WordTiming(word: long, start: 0, end: 2)])
        let cues = CaptionBuilder(language: "en").cues([scene])
        Self.checkRules(cues, in: [scene])
        #expect(cues.flatMap(\.lines).joined() == long)
    }

    @Test func theSameTimingsGiveTheSameCues() {
        let scene = Self.scene("Every morning the harbor wakes before the city, and the boats go out. " + String(repeating: "Again and again. ", count: 8))
        #expect(CaptionBuilder(language: "en").cues([scene]) == CaptionBuilder(language: "en").cues([scene]))
    }

    @Test func subRipAndWebVTTText() {
        let cues = [CaptionCue(start: 0.25, end: 2.0004, lines: ["Hello there,", "and welcome."], scene: 1),
                    CaptionCue(start: 3661.5, end: 3663, lines: ["Fish & <chips>"], scene: 2)]
        #expect(CaptionFiles.srt(cues) == "1\n00:00:00,250 --> 00:00:02,000\nHello there,\nand welcome.\n\n2\n01:01:01,500 --> 01:01:03,000\nFish & <chips>\n")
        #expect(CaptionFiles.vtt(cues) == "WEBVTT\n\n00:00:00.250 --> 00:00:02.000\nHello there,\nand welcome.\n\n01:01:01.500 --> 01:01:03.000\nFish &amp; &lt;chips&gt;\n")
        let paths = CaptionFiles.paths(beside: "/a/b/movie.mp4")
        #expect(paths.srt == "/a/b/movie.srt" && paths.vtt == "/a/b/movie.vtt")
    }

    @Test func languageTagsAndModes() throws {
        #expect(CaptionLanguage.iso639_2("en") == "eng")
        #expect(CaptionLanguage.iso639_2("de") == "deu")
        #expect(CaptionLanguage.iso639_2("ja") == "jpn")
        #expect(CaptionLanguage.iso639_2(nil) == "und")
        #expect(CaptionLanguage.iso639_2("e1") == "und")
        #expect(try CaptionMode(parsing: "Soft") == .soft)
        #expect(try CaptionMode(parsing: "BURN") == .burn)
        #expect(throws: MiaError.self) { try CaptionMode(parsing: "hard") }
    }
}
