// MARK: - Prose

extension ScriptParser {
    static func prose(_ lines: [String]) -> [Draft] {
        struct Paragraph {
            var raw: [String] = []
            var words: [Substring] = []
            var extras: [Item] = []
            var seconds: Double?
        }
        var paragraphs: [Paragraph] = []
        var current = Paragraph()
        for line in lines {
            if line.isEmpty || isSeparatorLine(line) {
                if !current.raw.isEmpty { paragraphs.append(current) }
                current = Paragraph()
                continue
            }
            current.raw.append(line)
            if isTransition(line) { continue }
            let (text, seconds) = extractTiming(stripMarkdown(line), heading: false)
            if current.seconds == nil { current.seconds = seconds }
            for piece in pieces(text) {
                let body = trimPiece(piece.text)
                guard !body.isEmpty else { continue }
                switch (piece.kind, piece.field) {
                case (_, .ignored?): continue
                case (_, .timing?): if current.seconds == nil { current.seconds = fullDuration(body, clock: true) }
                case (.insert, let field?): if let slot = Slot(field) { current.extras.append(Item(slot: slot, text: body)) }
                default: current.words += body.split(whereSeparator: isBlank)
                }
            }
        }
        if !current.raw.isEmpty { paragraphs.append(current) }
        if paragraphs.count > 1, isTitleBlock(paragraphs[0].raw) { paragraphs.removeFirst() }

        // Short paragraphs (a line of setup, a punchline) join the next one.
        var groups: [Paragraph] = []
        var pending = Paragraph()
        for paragraph in paragraphs {
            pending.words += paragraph.words
            pending.extras += paragraph.extras
            if pending.seconds == nil { pending.seconds = paragraph.seconds }
            if pending.words.count >= 12 {
                groups.append(pending)
                pending = Paragraph()
            }
        }
        if !pending.words.isEmpty || !pending.extras.isEmpty {
            if var last = groups.popLast() {
                last.words += pending.words
                last.extras += pending.extras
                if last.seconds == nil { last.seconds = pending.seconds }
                groups.append(last)
            } else {
                groups.append(pending)
            }
        }

        var drafts: [Draft] = []
        for group in groups {
            let chunks = group.words.count > 120 ? sentenceChunks(group.words) : [group.words[...]]
            for (index, chunk) in chunks.enumerated() {
                var draft = Draft()
                draft.add(.narration, chunk.joined(separator: " "))
                if index == 0 {
                    for extra in group.extras { draft.add(extra.slot, extra.text) }
                    draft.seconds = group.seconds
                }
                drafts.append(draft)
            }
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
