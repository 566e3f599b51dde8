import Foundation

/// Turns eSpeak NG's word events into one `WordTiming` per whitespace-separated word of the text.
///
/// eSpeak NG reports a word event where it starts speaking a word: its 1-based position in the text, in
/// Unicode scalars (it decodes the UTF-8 itself), and its sample offset from the start of the message. Its
/// words are not the text's words: "1234" is four events ("one thousand two hundred…"), "a\u{1}b" two,
/// a lone "—" none, and in long texts an occasional event points back at an earlier clause. So events are
/// mapped to text words by position, moving forward only; a word with no event shares the time between
/// its neighbours that have one. Every word of the text gets a timing, in order, and timings never go back.
enum ESpeakWordTimings {
    /// One `espeakEVENT_WORD`: where in the text (1-based scalar index) and at which sample.
    struct Event: Equatable {
        var textPosition: Int
        var sample: Int
    }

    /// A whitespace-separated word of the text and its scalar range (0-based, half-open).
    struct TextWord: Equatable {
        var word: String
        var scalars: Range<Int>
    }

    /// The text's words, split as `String.split(whereSeparator: \.isWhitespace)` does, with scalar offsets.
    static func words(of text: String) -> [TextWord] {
        var words: [TextWord] = []
        var current = ""
        var currentStart = 0
        var offset = 0
        for character in text {
            let width = character.unicodeScalars.count
            if character.isWhitespace {
                if !current.isEmpty { words.append(TextWord(word: current, scalars: currentStart..<offset)) }
                current = ""
            } else {
                if current.isEmpty { currentStart = offset }
                current.append(character)
            }
            offset += width
        }
        if !current.isEmpty { words.append(TextWord(word: current, scalars: currentStart..<offset)) }
        return words
    }

    /// - Parameters:
    ///   - text: the text exactly as spoken (same scalar positions as eSpeak NG saw).
    ///   - events: the word events, in the order eSpeak NG sent them.
    ///   - voicedEnd: the sample where the voice stops (the last word ends there).
    ///   - sampleRate: samples per second.
    static func timings(text: String, events: [Event], voicedEnd: Int, sampleRate: Int) -> [WordTiming] {
        let words = words(of: text)
        guard !words.isEmpty, sampleRate > 0 else { return [] }
        let end = max(0, voicedEnd)
        var starts = [Int?](repeating: nil, count: words.count)
        var cursor = 0  // the word the last used event fell in; events never move it back
        var latestStart = 0
        for event in events {
            let index = event.textPosition - 1
            var target: Int
            if index >= 0, let lastWord = words.last, index < lastWord.scalars.upperBound {
                guard index >= words[cursor].scalars.lowerBound || starts[cursor] == nil else { continue }  // points back
                target = cursor
                // The word holding the position, or the next one when it falls on whitespace.
                while target < words.count - 1, words[target].scalars.upperBound <= index { target += 1 }
            } else {
                // A position outside the text: take the event as the next word in order.
                target = starts[cursor] == nil ? cursor : min(cursor + 1, words.count - 1)
            }
            if starts[target] == nil {
                let sample = min(max(event.sample, latestStart), end)
                starts[target] = sample
                latestStart = sample
            }
            cursor = target
        }
        let filled = spreadMissing(starts, end: end)
        return words.indices.map { index in
            let start = filled[index]
            let stop = index + 1 < words.count ? filled[index + 1] : max(end, start)
            return WordTiming(word: words[index].word, start: Double(start) / Double(sampleRate), end: Double(stop) / Double(sampleRate))
        }
    }

    /// Words with no event share the span between the known starts around them evenly (the first word
    /// starts at 0 when it has none, the last run ends at `end`).
    private static func spreadMissing(_ starts: [Int?], end: Int) -> [Int] {
        var filled = starts
        if filled[0] == nil { filled[0] = 0 }
        var anchor = 0
        while anchor < filled.count {
            var next = anchor + 1
            while next < filled.count, filled[next] == nil { next += 1 }
            let from = filled[anchor] ?? 0
            let to = next < filled.count ? (filled[next] ?? from) : max(end, from)
            let gap = next - anchor
            if gap > 1 {
                for step in 1..<gap { filled[anchor + step] = from + (to - from) * step / gap }
            }
            anchor = next
        }
        return filled.map { $0 ?? 0 }
    }
}
