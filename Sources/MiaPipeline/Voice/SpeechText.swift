import Foundation

/// Text as the cloud voices take it: its words, and runs short enough for one request.
enum SpeechText {
    /// The words of `text`: its runs of non-space characters, in order (what `SynthesizedSpeech.words` lists).
    static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    /// `text` without markup no voice here obeys: SSML or HTML tags (`<break time="1s"/>`) and eSpeak-style
    /// `[[phonemes]]` would otherwise be read out as words. True when something was taken out.
    static func withoutMarkup(_ text: String) -> (String, Bool) {
        var result = text
        for pattern in ["<[A-Za-z/!?][^<>]{0,500}>", "\\[\\[[^\\[\\]]{0,500}\\]\\]"] {
            result = result.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        return (result, result != text)
    }

    /// Characters as the APIs count them: Unicode code points (Python's `len`, JavaScript's code points).
    static func length(_ text: some StringProtocol) -> Int { text.unicodeScalars.count }

    /// `text` cut into runs of at most `limit` characters, each ending at a sentence boundary where one
    /// fits, else at a space, else (one word longer than the limit) anywhere. Joined with single spaces the
    /// runs give back the text's words in order: no word is lost or split unless it alone is too long.
    static func chunks(_ text: String, limit: Int) -> [String] {
        let limit = max(1, limit)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard length(trimmed) > limit else { return trimmed.isEmpty ? [] : [trimmed] }
        var chunks: [String] = []
        var current = ""
        func flush() {
            let run = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !run.isEmpty { chunks.append(run) }
            current = ""
        }
        for sentence in sentences(trimmed) {
            let joined = current.isEmpty ? sentence : current + " " + sentence
            if length(joined) <= limit { current = joined; continue }
            flush()
            if length(sentence) <= limit { current = sentence; continue }
            // A sentence longer than a request: cut it at spaces.
            for word in words(sentence) {
                let next = current.isEmpty ? word : current + " " + word
                if length(next) <= limit { current = next; continue }
                flush()
                var rest = Array(word.unicodeScalars)
                while rest.count > limit {
                    chunks.append(String(String.UnicodeScalarView(rest.prefix(limit))))
                    rest.removeFirst(limit)
                }
                current = String(String.UnicodeScalarView(rest))
            }
        }
        flush()
        return chunks
    }

    /// The sentences of `text`: runs ending in `.`, `!`, `?`, `…` (closing quotes and brackets kept) that
    /// are followed by a space, or the end.
    static func sentences(_ text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        var ended = false
        for character in text {
            if character.isWhitespace {
                if ended {
                    sentences.append(current)
                    current = ""
                    ended = false
                } else if !current.isEmpty, current.last != " " {
                    current.append(" ")
                }
                continue
            }
            if ended && !"\"'”’)]»".contains(character) { ended = false }
            current.append(character)
            if ".!?…。！？".contains(character) { ended = true }
        }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty { sentences.append(last) }
        return sentences.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Pieces of speech made by one request each, as one: samples end to end, each piece's word timings
    /// moved by the length of the pieces before it.
    static func joined(_ pieces: [SynthesizedSpeech], sampleRate: Int) -> SynthesizedSpeech {
        var samples: [Int16] = []
        var words: [WordTiming] = []
        var approximate = false
        for piece in pieces {
            let offset = Double(samples.count) / Double(sampleRate)
            words += piece.words.map { WordTiming(word: $0.word, start: $0.start + offset, end: $0.end + offset) }
            samples += piece.samples
            approximate = approximate || piece.approximateTimings
        }
        return SynthesizedSpeech(samples: samples, sampleRate: sampleRate, words: words, approximateTimings: approximate)
    }
}

extension SpeechText {
    /// Raw 16-bit signed little-endian PCM as samples; nil for an odd number of bytes (not PCM, or cut).
    static func pcm16(_ data: Data) -> [Int16]? {
        guard data.count % 2 == 0 else { return nil }
        var samples = [Int16](repeating: 0, count: data.count / 2)
        data.withUnsafeBytes { raw in
            for index in samples.indices {
                samples[index] = Int16(bitPattern: UInt16(raw[2 * index]) | UInt16(raw[2 * index + 1]) << 8)
            }
        }
        return samples
    }

    /// Something a user or a server gave, fit for a one-line message: control characters dropped, at most
    /// `limit` characters.
    static func oneLine(_ text: String, limit: Int = 60) -> String {
        let clean = String(text.unicodeScalars.filter { $0.properties.generalCategory != .control }.map(Character.init))
        return clean.count > limit ? String(clean.prefix(limit)) + "…" : clean
    }
}
