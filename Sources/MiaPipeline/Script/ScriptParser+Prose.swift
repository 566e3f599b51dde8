// MARK: - Prose

extension ScriptParser {
    static func prose(_ lines: [String]) -> [Draft] {
        struct Paragraph {
            var raw: [String] = []
            var words: [Substring] = []
            /// 0-based script line of each word.
            var wordLines: [Int] = []
            var extras: [Item] = []
            var leftOut: [LeftOutText] = []
            var seconds: Double?
            var first = 0

            mutating func join(_ other: Paragraph) {
                if raw.isEmpty { first = other.first }
                raw += other.raw
                words += other.words
                wordLines += other.wordLines
                extras += other.extras
                leftOut += other.leftOut
                if seconds == nil { seconds = other.seconds }
            }
        }
        var paragraphs: [Paragraph] = []
        var current = Paragraph()
        for (index, line) in lines.enumerated() {
            if line.isEmpty || isSeparatorLine(line) {
                if !current.raw.isEmpty { paragraphs.append(current) }
                current = Paragraph()
                continue
            }
            if current.raw.isEmpty { current.first = index }
            current.raw.append(line)
            if isTransition(line) {
                current.leftOut.append(LeftOutText(line: index + 1, text: line, reason: "transition"))
                continue
            }
            let (text, seconds) = extractTiming(stripMarkdown(line), heading: false)
            if current.seconds == nil { current.seconds = seconds }
            for piece in pieces(text) {
                let body = trimPiece(piece.text)
                guard !body.isEmpty else {
                    if piece.kind == .speaker, let name = piece.name {
                        current.leftOut.append(LeftOutText(line: index + 1, text: name, reason: "speaker label"))
                    }
                    continue
                }
                switch (piece.kind, piece.field) {
                case (_, .ignored?):
                    current.leftOut.append(LeftOutText(line: index + 1, text: collapse((piece.name.map { $0 + ": " } ?? "") + body),
                                                       reason: Reader.reason(forIgnored: piece.name)))
                case (_, .timing?):
                    if current.seconds == nil { current.seconds = fullDuration(body, clock: true) }
                    current.leftOut.append(LeftOutText(line: index + 1, text: collapse((piece.name.map { $0 + ": " } ?? "") + body), reason: "timing"))
                case (.insert, let field?): if let slot = Slot(field) { current.extras.append(Item(slot: slot, text: body, line: index)) }
                case (.speaker, _):
                    // Prose keeps no dialogue: the name is said to be left out, the words are narration.
                    if let name = piece.name { current.leftOut.append(LeftOutText(line: index + 1, text: name, reason: "speaker label")) }
                    let words = body.split(whereSeparator: isBlank)
                    current.words += words
                    current.wordLines += Array(repeating: index, count: words.count)
                default:
                    let words = body.split(whereSeparator: isBlank)
                    current.words += words
                    current.wordLines += Array(repeating: index, count: words.count)
                }
            }
        }
        if !current.raw.isEmpty { paragraphs.append(current) }
        var titleBlock: [LeftOutText] = []
        if paragraphs.count > 1, isTitleBlock(paragraphs[0].raw) {
            let first = paragraphs.removeFirst()
            for (offset, line) in first.raw.enumerated() {
                titleBlock.append(LeftOutText(line: first.first + offset + 1, text: stripMarkdown(line), reason: "title block"))
            }
        }

        // Short paragraphs (a line of setup, a punchline) join the next one.
        var groups: [Paragraph] = []
        var pending = Paragraph()
        for paragraph in paragraphs {
            pending.join(paragraph)
            if pending.words.count >= 12 {
                groups.append(pending)
                pending = Paragraph()
            }
        }
        if !pending.raw.isEmpty {
            if var last = groups.popLast() {
                last.join(pending)
                groups.append(last)
            } else {
                groups.append(pending)
            }
        }

        var drafts: [Draft] = []
        for group in groups {
            let long = group.words.count > 120
            let chunks = long ? sentenceChunks(group.words) : [group.words[...]]
            for (index, chunk) in chunks.enumerated() {
                var draft = Draft(rule: long ? "a long paragraph, split at sentence ends into scenes of 40–80 words"
                                              : "a paragraph (one under 12 words joins the next)")
                if let first = chunk.indices.first, let last = chunk.indices.last {
                    draft.add(.narration, chunk.joined(separator: " "), line: group.wordLines[first])
                    draft.cover(group.wordLines[last])
                }
                if index == 0 {
                    for extra in group.extras { draft.add(extra.slot, extra.text, line: extra.line) }
                    draft.seconds = group.seconds
                    draft.leftOut = (drafts.isEmpty ? titleBlock : []) + group.leftOut
                }
                drafts.append(draft)
            }
        }
        if drafts.isEmpty, !titleBlock.isEmpty {
            var draft = Draft()
            draft.leftOut = titleBlock
            drafts.append(draft)
        }
        return drafts
    }

    /// Splits a long run of words at sentence ends into chunks of about 40–80 words (a sentence over
    /// 80 words is cut every 60 words; a last chunk under 20 words joins the one before).
    static func sentenceChunks(_ words: [Substring]) -> [ArraySlice<Substring>] {
        var parts: [Range<Int>] = []
        var start = 0
        func addSentence(_ range: Range<Int>) {
            guard range.count > 80 else { parts.append(range); return }
            var lower = range.lowerBound
            while lower < range.upperBound {
                let upper = min(lower + 60, range.upperBound)
                parts.append(lower..<upper)
                lower = upper
            }
        }
        for (index, word) in words.enumerated() where endsSentence(word) {
            addSentence(start..<(index + 1))
            start = index + 1
        }
        if start < words.count { addSentence(start..<words.count) }

        var chunks: [Range<Int>] = []
        var current: Range<Int>?
        for part in parts {
            if let open = current {
                if open.count >= 40, open.count + part.count > 80 {
                    chunks.append(open)
                    current = part
                } else {
                    current = open.lowerBound..<part.upperBound
                }
            } else {
                current = part
            }
            if let open = current, open.count >= 60 {
                chunks.append(open)
                current = nil
            }
        }
        if let open = current {
            if open.count < 20, let last = chunks.popLast() {
                chunks.append(last.lowerBound..<open.upperBound)
            } else {
                chunks.append(open)
            }
        }
        return chunks.map { words[$0] }
    }

    static let abbreviations: Set<String> = ["mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "e.g.", "i.e.", "jr.", "sr.", "prof.", "approx."]

    static func endsSentence<S: StringProtocol>(_ word: S) -> Bool {
        var text = Substring(word)
        while let last = text.last, closingMarks.contains(last) { text = text.dropLast() }
        guard let last = text.last, ".!?…".contains(last) else { return false }
        if last == "." {
            if abbreviations.contains(text.lowercased()) { return false }
            if text.count == 2, text.first?.isUppercase == true { return false }   // an initial: "J."
        }
        return true
    }
}
