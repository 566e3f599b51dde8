import Foundation

// Word timings for an engine that gives none (OpenAI speech), read from the audio itself.
//
// Speech pauses where the text does: at the end of a sentence, usually at a comma. So the audio is cut into
// voiced spans at its pauses (10 ms frames whose RMS stays under a threshold for at least 150 ms), and the
// text into phrases at its punctuation. Each phrase boundary is snapped to the pause nearest to where it
// would fall if speech time were spread over the text by character count; a boundary with no pause near it
// stays where the characters put it (a comma read without a breath), and a pause no boundary claims stays
// inside its phrase (a breath mid-sentence). Within a phrase, its voiced time (pauses left out) is shared
// among its words by character length. Every word gets a start and an end in order, never overlapping,
// and no word ever starts in a pause.
//
// Measured against speech with known timings (tone bursts with gaps, see CloudVoiceTests), phrase edges land
// within one frame; words inside a phrase are as good as the even-rate assumption, which is why speech made
// this way is marked `approximateTimings`.

/// Word timings estimated from the audio, for engines that return none.
public enum WordTimingEstimate {
    /// A pause is at least this long (seconds): shorter dips are stops and plosives inside words.
    public static let minimumPause = 0.15
    /// The analysis frame (seconds).
    static let frame = 0.01

    /// Timings for every word of `text` (its runs of non-space characters) spoken in `samples`.
    /// - Parameters:
    ///   - samples: mono 16-bit PCM.
    ///   - sampleRate: samples per second.
    public static func words(of text: String, samples: [Int16], sampleRate: Int) -> [WordTiming] {
        let words = SpeechText.words(text)
        guard !words.isEmpty else { return [] }
        guard sampleRate > 0, !samples.isEmpty else { return words.map { WordTiming(word: $0, start: 0, end: 0) } }
        let spans = voicedSpans(samples, sampleRate: sampleRate)
        let voiced = VoicedTime(spans)
        // Phrases: runs of words ending in punctuation.
        var phrases: [Range<Int>] = []
        var start = 0
        for (index, word) in words.enumerated() where index == words.count - 1 || endsPhrase(word) {
            phrases.append(start..<index + 1)
            start = index + 1
        }
        let weights = words.map { Double(max(1, $0.count)) }
        let total = weights.reduce(0, +)
        // Each phrase boundary in voiced time, snapped to a pause when one is near.
        var boundaries = [0.0]
        var cumulative = 0.0
        var lastGap = -1
        for phrase in phrases.dropLast() {
            cumulative += phrase.reduce(0) { $0 + weights[$1] }
            let expected = voiced.total * cumulative / total
            let tolerance = voiced.total * 0.5 * phrase.reduce(0) { $0 + weights[$1] } / total
            var best: (gap: Int, distance: Double)?
            for gap in voiced.gaps.indices where gap > lastGap {
                let distance = abs(voiced.gaps[gap] - expected)
                if distance <= tolerance, distance < (best?.distance ?? .infinity) { best = (gap, distance) }
            }
            if let best {
                boundaries.append(voiced.gaps[best.gap])
                lastGap = best.gap
            } else {
                boundaries.append(max(expected, boundaries.last ?? 0))
            }
        }
        boundaries.append(voiced.total)
        // Words share their phrase's voiced time by characters.
        var timings: [WordTiming] = []
        for (number, phrase) in phrases.enumerated() {
            let from = boundaries[number], to = max(boundaries[number + 1], from)
            let phraseWeight = phrase.reduce(0) { $0 + weights[$1] }
            var position = from
            for index in phrase {
                let end = index == phrase.upperBound - 1 ? to : position + (to - from) * weights[index] / phraseWeight
                timings.append(WordTiming(word: words[index], start: voiced.real(position, startingThere: true),
                                          end: voiced.real(end, startingThere: false)))
                position = end
            }
        }
        return timings
    }

    /// Whether a word ends a phrase: its last letter is followed by sentence or clause punctuation.
    static func endsPhrase(_ word: String) -> Bool {
        let trimmed = word.trimmingCharacters(in: CharacterSet(charactersIn: "\"'”’)]»"))
        guard let last = trimmed.last else { return false }
        return ".!?…,;:—–。！？，、；：".contains(last)
    }

    /// The voiced stretches of the audio (seconds), split where it stays quiet for `minimumPause` or more.
    /// All of it, when nothing rises above the threshold (one long murmur is still speech).
    static func voicedSpans(_ samples: [Int16], sampleRate: Int) -> [ClosedRange<Double>] {
        let frameLength = max(1, Int(Double(sampleRate) * frame))
        var levels: [Double] = []
        levels.reserveCapacity(samples.count / frameLength + 1)
        var index = 0
        while index < samples.count {
            let end = min(index + frameLength, samples.count)
            var sum = 0.0
            for sample in samples[index..<end] { sum += Double(sample) * Double(sample) }
            levels.append((sum / Double(end - index)).squareRoot())
            index = end
        }
        // The threshold follows the loudness of the speech (a quiet voice, a loud one), with a floor for
        // digital silence and dither.
        let loud = levels.sorted()[min(levels.count - 1, levels.count * 9 / 10)]
        let threshold = max(100, loud * 0.1)
        let seconds = Double(samples.count) / Double(sampleRate)
        let pauseFrames = Int((minimumPause / frame).rounded())
        var spans: [ClosedRange<Double>] = []
        var spanStart: Int?
        var quiet = 0
        for (frameIndex, level) in levels.enumerated() {
            if level >= threshold {
                if spanStart == nil { spanStart = frameIndex }
                quiet = 0
            } else if let begun = spanStart {
                quiet += 1
                if quiet >= pauseFrames {
                    spans.append(Double(begun) * frame...Double(frameIndex - quiet + 1) * frame)
                    spanStart = nil
                    quiet = 0
                }
            }
        }
        if let begun = spanStart {
            spans.append(Double(begun) * frame...min(seconds, Double(levels.count - quiet) * frame))
        }
        return spans.isEmpty ? [0...seconds] : spans
    }

    /// Speech time with the pauses taken out, and back.
    struct VoicedTime {
        let spans: [ClosedRange<Double>]
        /// Voiced seconds before each pause (one per gap between spans).
        let gaps: [Double]
        let total: Double

        init(_ spans: [ClosedRange<Double>]) {
            self.spans = spans
            var running = 0.0
            var gaps: [Double] = []
            for span in spans {
                running += span.upperBound - span.lowerBound
                gaps.append(running)
            }
            total = running
            self.gaps = Array(gaps.dropLast())
        }

        /// The real time of voiced time `voiced`. At a pause, a word starting there starts after it and
        /// one ending there ends before it.
        func real(_ voiced: Double, startingThere: Bool) -> Double {
            var before = 0.0
            for (index, span) in spans.enumerated() {
                let length = span.upperBound - span.lowerBound
                let isLast = index == spans.count - 1
                if voiced < before + length || (voiced <= before + length && (!startingThere || isLast)) || isLast {
                    return min(span.upperBound, span.lowerBound + max(0, voiced - before))
                }
                before += length
            }
            return spans.last?.upperBound ?? 0
        }
    }
}
