// MARK: - Finishing scenes

extension ScriptParser {
    /// Finishes drafts into numbered scenes; what they leave out on purpose goes to `leftOut`.
    static func scenes(from drafts: [Draft], leftOut: inout [LeftOutText]) -> [Scene] {
        var drafts = drafts
        // `AUDIO:` is what is heard; in a script that marks its words with `VO:` or a speaker, it is the sound.
        let marksWords = drafts.contains { $0.items.contains { $0.slot == .narration && ($0.speaker != nil || ($0.label.map { tagKey($0) != "AUDIO" } ?? false)) } }
        if marksWords {
            for index in drafts.indices {
                for item in drafts[index].items.indices where drafts[index].items[item].label.map({ tagKey($0) == "AUDIO" }) == true {
                    drafts[index].items[item].slot = .sound
                }
                drafts[index].hasNarration = drafts[index].items.contains { $0.slot == .narration }
            }
        }
        // A heading with nothing under it but a long title ("1. Open on a sunrise over the city.") is content;
        // so is any outline item or timecoded line with nothing under it (`0:00-0:03 Hook: Stop scrolling!`).
        for index in drafts.indices where drafts[index].hasHeading && drafts[index].items.isEmpty && !drafts[index].isSlugline {
            if drafts[index].isLineItem, let text = drafts[index].titleText ?? drafts[index].title {
                var heading = Heading(style: .bullet, line: text)
                heading.setTitleAndBody(text)
                drafts[index].title = heading.body == nil ? nil : heading.title
                drafts[index].items = [Item(slot: .untagged, text: heading.body ?? text, line: drafts[index].lines?.lowerBound ?? 0)]
                drafts[index].hasVisual = true
            } else if let title = drafts[index].title, wordCount(title) > 6 {
                drafts[index].items = [Item(slot: .untagged, text: drafts[index].titleText ?? title,
                                            line: drafts[index].lines?.lowerBound ?? 0)]
                drafts[index].title = nil
            }
        }
        let voices = drafts.map { draft in
            draft.items.reduce(voiceScore(draft.headingLine)) { $1.slot == .untagged ? $0 + voiceScore($1.text) : $0 }
        }
        var scriptVoice = 0
        for (draft, voice) in zip(drafts, voices) where !draft.hasNarration && !draft.isTitleBlock { scriptVoice += voice }
        let hasBody = drafts.contains { !$0.isTitleBlock && ($0.hasHeading || !$0.items.isEmpty) }

        var scenes: [Scene] = []
        for (draft, voice) in zip(drafts, voices) {
            leftOut += draft.leftOut
            if draft.isTitleBlock && hasBody {
                for item in draft.items {
                    leftOut.append(LeftOutText(line: item.line + 1, text: collapse((item.speaker.map { $0 + ": " } ?? "") + item.text),
                                               reason: "title block"))
                }
                if let title = draft.title, let line = draft.lines?.lowerBound {
                    leftOut.append(LeftOutText(line: line + 1, text: title, reason: "title block"))
                }
                continue
            }
            let spoken = !draft.hasNarration && (voice > 0 || (voice == 0 && scriptVoice > 0))
            var visual: [String] = [], narration: [String] = [], onScreen: [String] = [], sound: [String] = []
            var dialogue: [SpokenLine] = []
            for item in draft.items {
                let text = collapse(item.text)
                guard !text.isEmpty else { continue }
                func speak() {
                    // `(pause)`, `(whispering)`, `[laughs]`: how to say it, not words to say.
                    let (spoken, directions) = withoutDirections(unquoted(text))
                    for direction in directions {
                        leftOut.append(LeftOutText(line: item.line + 1, text: direction, reason: "direction"))
                    }
                    let words = spoken
                    guard !words.isEmpty else {
                        if let speaker = item.speaker { leftOut.append(LeftOutText(line: item.line + 1, text: speaker, reason: "speaker label")) }
                        return
                    }
                    narration.append(words)
                    dialogue.append(SpokenLine(speaker: item.speaker, text: words, line: item.line + 1))
                }
                switch item.slot {
                case .visual: visual.append(text)
                case .narration: speak()
                case .onScreen: onScreen.append(text)
                case .sound: sound.append(text)
                case .untagged: if spoken { speak() } else { visual.append(text) }
                }
            }
            let scene = (visual: visual.joined(separator: " "), narration: narration.joined(separator: " "),
                         onScreen: onScreen.joined(separator: "\n"), sound: sound.joined(separator: "\n"))
            if !draft.hasHeading, scene.visual.isEmpty, scene.narration.isEmpty, scene.onScreen.isEmpty, scene.sound.isEmpty { continue }
            let number = scenes.count + 1
            let title = draft.title ?? shortTitle(scene.visual) ?? shortTitle(scene.narration)
                ?? shortTitle(scene.onScreen) ?? shortTitle(scene.sound) ?? "Scene \(number)"
            let source = draft.lines.map { SceneSource(firstLine: $0.lowerBound + 1, lastLine: $0.upperBound + 1, rule: draft.rule) }
            scenes.append(Scene(number: number, title: title, visual: scene.visual, narration: scene.narration,
                                onScreenText: scene.onScreen, soundEffects: scene.sound, annotatedSeconds: draft.seconds,
                                annotatedStart: draft.start, dialogue: dialogue, source: source))
        }
        return scenes
    }

    /// Spoken text without its delivery directions: parenthesised or bracketed runs of one to four words
    /// with letters, no digits and no colon (`(pause)`, `(beat)`, `[laughs]`, `(whispering)`); the
    /// directions are returned to be listed as left out.
    static func withoutDirections(_ text: String) -> (text: String, directions: [String]) {
        guard text.contains("(") || text.contains("[") else { return (text, []) }
        var kept = ""
        var directions: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(where: { $0 == "(" || $0 == "[" }) {
            let closing: Character = rest[open] == "(" ? ")" : "]"
            guard let close = rest[open...].firstIndex(of: closing) else { break }
            let inner = rest[rest.index(after: open)..<close]
            let words = inner.split(whereSeparator: isBlank)
            if (1...4).contains(words.count), inner.contains(where: \.isLetter), !inner.contains(where: \.isNumber),
               !inner.contains(":"), !inner.contains("(") && !inner.contains("[") {
                kept += rest[..<open]
                directions.append(String(rest[open...close]))
            } else {
                kept += rest[...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        kept += rest
        return (collapse(kept), directions)
    }

    static let titleStopWords: Set<String> = [
        "a", "an", "the", "of", "on", "in", "to", "and", "or", "but", "with", "at", "for", "from", "as", "by", "into",
        "is", "are", "that", "your", "our", "my", "his", "her", "their", "its",
    ]

    /// Up to six words from the start of `text`, stopping after the first sentence, a colon or (after
    /// three words) a comma, and not ending on a word like "the" or "with".
    static func shortTitle(_ text: String) -> String? {
        var words: [Substring] = []
        let firstLine = text.prefix(400).prefix { $0 != "\n" }.filter { !openingQuotes.contains($0) && !closingQuotes.contains($0) }
        for word in firstLine.split(whereSeparator: isBlank) {
            if word.allSatisfy({ "-–—|/".contains($0) }) {
                if words.count >= 2 { break } else { continue }
            }
            words.append(word)
            if words.count == 6 || endsSentence(word) { break }
            if let last = word.last, last == ":" || (words.count >= 3 && (last == "," || last == ";")) { break }
        }
        while words.count > 1, let last = words.last,
              titleStopWords.contains(last.lowercased().trimmingCharacters { !$0.isLetter }) {
            words.removeLast()
        }
        var title = Substring(words.joined(separator: " "))
        while let first = title.first, openingQuotes.contains(first) || closingQuotes.contains(first) { title = title.dropFirst() }
        while let last = title.last, ".,;:…—–-|".contains(last) || closingQuotes.contains(last) || openingQuotes.contains(last) {
            title = title.dropLast()
        }
        let result = trim(title)
        return result.isEmpty ? nil : result
    }

    static func unquoted(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, let last = text.last,
              openingQuotes.contains(first), closingQuotes.contains(last) else { return text }
        let inner = text.dropFirst().dropLast()
        // Keep "a" and "b" as they are: only strip quotes that wrap the whole text.
        if inner.contains(where: { closingQuotes.contains($0) && $0 != "’" && $0 != "'" }) { return text }
        return trim(inner)
    }

    static let spokenWords: Set<String> = [
        "i", "i'm", "i've", "i'll", "i'd", "me", "my", "mine", "you", "you're", "you've", "you'll", "you'd", "your",
        "yours", "yourself", "we", "we're", "we've", "we'll", "our", "ours", "us", "let's", "hey", "hi", "hello",
        "welcome", "imagine", "guys", "everyone",
    ]
    static let cameraWords: Set<String> = [
        "close-up", "closeup", "close-ups", "wide", "shot", "shots", "pan", "pans", "panning", "zoom", "zooms", "zooming",
        "tilt", "tilts", "dolly", "tracking", "crane", "drone", "aerial", "overhead", "pov", "angle", "cut", "cuts",
        "camera", "montage", "b-roll", "broll", "footage", "logo", "timelapse", "time-lapse", "slow-motion", "slo-mo",
        "insert", "split-screen", "animation", "animated", "graphic", "graphics", "on-screen", "onscreen", "frame",
        "framed", "silhouette", "fade", "fades", "dissolve", "macro", "handheld", "exterior", "interior",
    ]
    static let seeingWords: Set<String> = ["see", "hear", "follow", "watch", "open", "pan", "cut", "zoom"]

    /// Spoken markers minus camera words: above zero, untagged text reads as narration.
    static func voiceScore(_ text: String) -> Int {
        guard !text.isEmpty else { return 0 }
        var score = 0
        var previous = ""
        for raw in text.split(whereSeparator: isBlank) {
            for character in raw where character == "?" || character == "!" { score += 1 }
            let word = raw.lowercased().replacingApostrophes()
                .trimmingCharacters { !($0.isLetter || $0.isNumber) }
            if previous == "we", seeingWords.contains(word) {
                score -= 2   // "we see": a camera direction, not someone speaking
            } else if previous == "open", word == "on" {
                score -= 1
            } else if spokenWords.contains(word) {
                score += 1
            } else if cameraWords.contains(word) {
                score -= 1
            }
            previous = word
        }
        return score
    }
}

private extension String {
    func replacingApostrophes() -> String { contains("’") ? String(map { $0 == "’" ? "'" : $0 }) : self }

    func trimmingCharacters(where drop: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else { return "" }
        return String(self[first...last])
    }
}
