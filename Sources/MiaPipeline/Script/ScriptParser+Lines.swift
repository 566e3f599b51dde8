// MARK: - Lines

extension ScriptParser {
    static let openingQuotes: Set<Character> = ["\"", "“", "„", "«", "”", "「", "『"]
    static let closingQuotes: Set<Character> = ["\"", "”", "»", "“", "」", "』"]
    static let closingMarks: Set<Character> = ["\"", "”", "’", "'", ")", "]", "»", "*", "_", "」", "』", "）"]

    static func isBlank(_ character: Character) -> Bool {
        if let ascii = character.asciiValue { return ascii == 32 || (9...13).contains(ascii) }
        return character.isWhitespace || character == "\u{FEFF}" || character == "\u{200B}"
    }

    // Concrete String and Substring versions throughout: generic StringProtocol code is slow unspecialised.

    static func trim(_ text: String) -> String { trim(Substring(text)) }

    static func trim(_ text: Substring) -> String {
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(text[first...last])
    }

    static func collapse(_ text: String) -> String { collapse(Substring(text)) }

    static func collapse(_ text: Substring) -> String {
        // Most text is plain ASCII with single spaces already: leave it as it is.
        let clean = withBytes(text) { bytes in
            var previous: UInt8 = 32
            for byte in bytes {
                if byte >= 0x80 || (byte >= 9 && byte <= 13) || (byte == 32 && previous == 32) { return false }
                previous = byte
            }
            return previous != 32
        }
        if clean { return String(text) }
        return text.split(whereSeparator: isBlank).joined(separator: " ")
    }

    /// Whether `text` has two `mark`s in a row (`**`, `__`): a plain byte scan, much cheaper than a search.
    static func hasPair(_ text: String, _ mark: Unicode.Scalar) -> Bool { hasPair(Substring(text), mark) }

    static func hasPair(_ text: Substring, _ mark: Unicode.Scalar) -> Bool {
        let mark = UInt8(truncatingIfNeeded: mark.value)
        return withBytes(text) { bytes in
            var previous: UInt8 = 0
            for byte in bytes {
                if byte == mark, previous == mark { return true }
                previous = byte
            }
            return false
        }
    }

    static func containsByte(_ text: String, _ one: UInt8, or other: UInt8) -> Bool {
        withBytes(Substring(text)) { $0.contains { $0 == one || $0 == other } }
    }

    /// Runs `body` on the UTF-8 bytes of `text` (a contiguous buffer: fast even in debug builds).
    static func withBytes(_ text: Substring, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = String(text)
        return copy.withUTF8(body)
    }

    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: isBlank).count
    }

    static func trimPiece(_ text: String) -> String {
        var text = Substring(text)
        while let first = text.first, isBlank(first) || first == "|" { text = text.dropFirst() }
        while let last = text.last, isBlank(last) || last == "|" { text = text.dropLast() }
        return String(text)
    }

    static func digit(_ character: Character) -> Int? {
        guard let ascii = character.asciiValue, ascii >= 48, ascii <= 57 else { return nil }
        return Int(ascii - 48)
    }

    /// A line as the patterns below read it, its Markdown resolved by cmark-gfm: emphasis, links, escapes and
    /// nested list markers gone; what is structure written in one canonical way — `## Title` for a heading,
    /// `**Title**` for a wholly bold line or a bold lead, `3. ` / `- ` for a top-level list item, `---` for a
    /// break. Code, HTML and table lines stay as written.
    static func canonical(_ trimmed: String, _ markdown: MarkdownLine) -> String {
        var text = trim(markdown.text)
        switch markdown.block {
        case .blank, .verbatim, .tableRow, .tableDelimiter:
            return trimmed
        case .thematicBreak:
            return isSeparatorLine(trimmed) ? trimmed : "---"
        case .heading(let level):
            return text.isEmpty ? "" : String(repeating: "#", count: level) + " " + text
        case .paragraph:
            if text.isEmpty { return "" }
            if let strong = markdown.leadingStrong, text.hasPrefix(strong) {
                text = markdown.wholeStrong ? "**\(strong)**" : "**\(strong)**" + text.dropFirst(strong.count)
            }
            guard markdown.listDepth == 1, let item = markdown.item else { return text }
            switch item {
            case .bullet: return "- " + text
            case .ordered(let number): return "\(number). " + text
            }
        }
    }

    /// What the line at 0-based `index` is.
    static func classify(_ line: String, index: Int, markdown: MarkdownLine) -> Kind {
        if line.isEmpty { return .blank }
        if isSeparatorLine(line) { return .separator }
        if isTransition(line) { return .transition }
        if var heading = heading(line) ?? bulletHeading(line, markdown) {
            heading.index = index
            return .heading(heading)
        }
        return .text
    }

    /// `---`, `***`, `___`, `===`, `* * *`: three or more of one mark and nothing else.
    static func isSeparatorLine(_ line: String) -> Bool {
        var mark: Character?
        var count = 0
        for character in line where !character.isWhitespace {
            if let mark {
                guard character == mark else { return false }
            } else {
                guard "-*_=~—–•#".contains(character) else { return false }
                mark = character
            }
            count += 1
        }
        return count >= 3
    }

    static let transitions: Set<String> = [
        "FADE IN:", "FADE IN.", "FADE IN", "FADE OUT.", "FADE OUT", "FADE OUT:", "FADE TO BLACK.", "FADE TO BLACK",
        "CUT TO:", "CUT TO BLACK.", "CUT TO BLACK", "THE END", "THE END.", "END.", "(MORE)", "(CONTINUED)",
        "CONTINUED:", "(CONT'D)", "(CONT’D)",
    ]
    static let transitionStarts = ["FADE ", "CUT TO", "SMASH CUT", "MATCH CUT", "JUMP CUT", "DISSOLVE TO", "WIPE TO", "IRIS "]

    /// `CUT TO:`, `FADE IN:`, `FADE OUT.`, `> SMASH CUT TO:` and screenplay page furniture.
    static func isTransition(_ line: String) -> Bool {
        var text = Substring(line)
        if text.first == ">" { text = text.dropFirst().drop(while: isBlank) }
        guard text.utf8.count <= 160, text.count <= 40 else { return false }
        let upper = text.uppercased()
        if transitions.contains(upper) { return true }
        guard !text.contains(where: \.isLowercase) else { return false }
        return upper.hasSuffix(" TO:") || transitionStarts.contains { upper.hasPrefix($0) }
    }

    /// Removes markdown that is not content: a quote marker, a deeper heading's `#`s, a bullet, bold marks.
    static func stripMarkdown(_ line: String) -> String {
        var text = Substring(line)
        if text.first == ">" { text = text.dropFirst().drop(while: isBlank) }
        if text.first == "#" {
            let rest = text.drop(while: { $0 == "#" })
            if rest.first.map(isBlank) == true { text = rest.drop(while: isBlank) }
        }
        for bullet in ["- ", "* ", "+ ", "• ", "· "] where text.hasPrefix(bullet) {
            text = text.dropFirst(bullet.count).drop(while: isBlank)
            break
        }
        var result = String(text)
        if hasPair(result, "*") { result = result.replacing("**", with: "") }
        if hasPair(result, "_") { result = result.replacing("__", with: "") }
        return trim(result)
    }

    /// One to three capitalised words and nothing else: a name (`Marcus`, `Dana Lee`).
    static func isNameOnly(_ text: String) -> Bool {
        let words = text.split(whereSeparator: isBlank)
        return (1...3).contains(words.count) && words.allSatisfy { $0.first?.isUppercase == true && $0.allSatisfy { $0.isLetter || $0 == "." || $0 == "-" } }
    }

    /// A line of text that looks like a title: not a full sentence and carrying no visual or narration tag.
    static func isTitleBlock<C: Collection>(_ lines: C) -> Bool where C.Element == String {
        var count = 0
        for raw in lines where !raw.isEmpty && !isTransition(raw) && !isSeparatorLine(raw) {
            count += 1
            guard count <= 4 else { return false }
            let text = extractTiming(stripMarkdown(raw), heading: true).text
            // Brief lines (`Client: …`, `Length: 30s`, `Notes: …`) belong to a title block whatever they say.
            if let first = pieces(text).first, first.kind == .label,
               first.field == .ignored || first.field == .timing || (first.field == .narration && isNameOnly(trimPiece(first.text))) {
                count -= 1   // (`Presenter: Marcus` names the talent)
                continue
            }
            guard wordCount(text) <= 12 else { return false }
            // The first line is a title (no sentence); a line under it may be one ("Director's notes in brackets.").
            if count == 1, let last = text.last(where: { !closingMarks.contains($0) }), ".!?".contains(last) { return false }
            for (index, piece) in pieces(text).enumerated() {
                if piece.kind == .quote { return false }
                if piece.kind == .speaker, index == 0 { continue }
                if piece.kind != .insert, piece.field == .visual || piece.field == .narration { return false }
            }
        }
        return true
    }
}
