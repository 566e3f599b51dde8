/// The text of one table cell or subtitle cue, read into a scene draft: the readers with a grammar of
/// their own (`TableScript`, `SubtitleScript`) know which field a cell is, but its text may still carry
/// tags (`SFX: door chime. VO: It's 11 p.m.`), a speaker (`PHARMACIST: We've got you.`), a label in
/// another language (`Voix off : …`, `Texte à l’écran : …`) or a timing.
enum ScriptCell {
    typealias Draft = ScriptParser.Draft
    typealias Role = TableColumn.Role

    /// Reads `text` (a cell's text, lines kept) at 0-based script `line` into `draft`, as `role`.
    /// Visual and narration text is split at its tags; on-screen text and sound are taken as written.
    /// - Parameter speakers: whether `Name: words` is someone speaking (in a narration column or a cue)
    ///   rather than a picture note (`Overhead: flour and sugar` in a visual column).
    static func read(_ text: String, as role: Role, line: Int, into draft: inout Draft, speakers: Bool) {
        for (offset, raw) in lines(text).enumerated() {
            let line = line + offset
            for segment in labelled(raw) {
                if let label = segment.label, ScriptParser.tagFields[ScriptParser.tagKey(label)] == nil {
                    // A label in another language (`Voix off`) is structure the word account does not know: said so.
                    draft.leaveOut(label, line: line, reason: "label")
                }
                let role = segment.role ?? role
                let body = ScriptParser.collapse(segment.text)
                guard !body.isEmpty else { continue }
                switch role {
                case .onScreen: draft.add(.onScreen, body, line: line)
                case .sound: draft.add(.sound, body, line: line)
                case .note: draft.leaveOut(body, line: line, reason: "note")
                case .time, .start, .end:
                    if let seconds = time(body)?.seconds { draft.note(seconds: seconds) } else { draft.leaveOut(body, line: line, reason: "timing") }
                case .narration: tagged(body, base: .narration, line: line, into: &draft, speakers: speakers)
                default: tagged(body, base: .visual, line: line, into: &draft, speakers: false)
                }
            }
        }
    }

    /// A cell's lines: CSV cells keep their line breaks, Markdown cells their `<br>`s.
    static func lines(_ text: String) -> [String] {
        var text = text
        if text.contains("<") {
            for tag in ["<br>", "<br/>", "<br />", "<BR>", "<BR/>", "<BR />"] { text = text.replacing(tag, with: "\n") }
        }
        return text.split(whereSeparator: \.isNewline).map { ScriptParser.trim($0) }.filter { !$0.isEmpty }
    }

    /// Reads one line of visual or narration text with the English tag rules (`ScriptParser.pieces`).
    static func tagged(_ text: String, base: ScriptParser.Slot, line: Int, into draft: inout Draft, speakers: Bool) {
        // A line opening with a quote is said (or shown) as written, attribution and all.
        if let first = text.first, ScriptParser.openingQuotes.contains(first) {
            draft.add(base, text, line: line)
            return
        }
        for piece in ScriptParser.pieces(text) {
            let body = ScriptParser.trimPiece(piece.text)
            if let aside = piece.aside { draft.leaveOut(aside, line: line, reason: "parenthetical") }
            switch piece.kind {
            case .plain, .quote:
                draft.add(base, body, line: line)
            case .speaker:
                if speakers, base == .narration {
                    if body.isEmpty, let name = piece.name { draft.leaveOut(name + ":", line: line, reason: "speaker label") }
                    draft.add(.narration, body, line: line, speaker: piece.name)
                } else {
                    draft.add(base, [piece.name ?? "", body].filter { !$0.isEmpty }.joined(separator: ": "), line: line)
                }
            case .label, .insert:
                switch piece.field {
                case .timing?:
                    if let seconds = ScriptParser.fullDuration(body, clock: true) {
                        draft.note(seconds: seconds)
                    } else {
                        draft.leaveOut((piece.name.map { $0 + ": " } ?? "") + body, line: line, reason: "timing")
                    }
                case .ignored?, nil:
                    draft.leaveOut((piece.name.map { $0 + ": " } ?? "") + body, line: line,
                                   reason: ScriptParser.Reader.reason(forIgnored: piece.name))
                case let field?:
                    draft.add(ScriptParser.Slot(field) ?? base, body, line: line)
                }
            }
        }
    }

    // MARK: - Labels in other languages

    /// Splits a line at labels the column vocabulary knows (`Voix off :`, `Texte à l’écran :`, `テロップ：`),
    /// where one opens the line or follows a sentence end; text before the first label has no role of its own.
    static func labelled(_ line: String) -> [(role: Role?, label: String?, text: String)] {
        guard line.contains(":") || line.contains("：") else { return [(nil, nil, line)] }
        let c = Array(line)
        var segments: [(role: Role?, label: String?, text: String)] = []
        var role: Role?
        var label: String?
        var textStart = 0
        var boundary = 0   // where a label may begin: the line's start or after a sentence end
        var i = 0
        while i < c.count {
            let character = c[i]
            if character == ":" || character == "：", i > boundary, i - boundary <= 40,
               character == "：" || i + 1 == c.count || ScriptParser.isBlank(c[i + 1]),
               let found = TableColumn.labelRole(String(c[boundary..<i])) {
                segments.append((role, label, String(c[textStart..<boundary])))
                role = found
                label = ScriptParser.trim(String(c[boundary..<i]))
                textStart = i + 1
                boundary = i + 1
                while boundary < c.count, ScriptParser.isBlank(c[boundary]) { boundary += 1 }
                i += 1
                continue
            }
            if ".!?;|—–".contains(character) || character == "。" {
                var next = i + 1
                while next < c.count, ScriptParser.isBlank(c[next]) { next += 1 }
                if next > i + 1 || character == "。" || character == "|" { boundary = next }
            }
            i += 1
        }
        segments.append((role, label, String(c[textStart...])))
        return segments.filter { !ScriptParser.trim($0.text).isEmpty }
    }

    // MARK: - Time cells

    /// Whether a time cell has words besides the English units the word account knows (`4 Sek.`, `4秒`):
    /// then the cell is also listed as left out, so those words are accounted for.
    static func hasOtherWords(_ text: String) -> Bool {
        text.split { !$0.isLetter }.contains { ScriptParser.units[$0.lowercased()] == nil }
    }

    /// What a time cell says: a duration (`4s`, `4 Sek.`, `0:04`, `4`), or a range (`0:00–0:04`) with its start.
    struct Time: Equatable {
        var seconds: Double?
        var start: Double?
        /// A single clock time (`0:05`): a duration, or a start when the column counts up from 0:00.
        var isClock = false
    }

    /// Every unit the script reader knows (`ScriptParser.units`), as the English one `time` reads.
    static let unitWords: [String: String] = ScriptParser.units.mapValues { $0 == 1 ? "s" : "min" }

    /// Reads a time cell; nil when it is not one.
    static func time(_ raw: String) -> Time? {
        var text = ""
        var word = ""
        func flushWord() {
            if !word.isEmpty { text += unitWords[word.lowercased()] ?? word }
            word = ""
        }
        var previous: Character = " "
        for var character in ScriptParser.collapse(String(raw.prefix(80))) {
            if let value = character.unicodeScalars.first?.value, character.unicodeScalars.count == 1,
               (0x660...0x669).contains(value) || (0x6F0...0x6F9).contains(value) || (0xFF10...0xFF19).contains(value) {
                let zero: UInt32 = value >= 0xFF10 ? 0xFF10 : value >= 0x6F0 ? 0x6F0 : 0x660
                character = Character(String(value - zero))
            }
            if character == "〜" || character == "～" || (character == "~" && ScriptParser.digit(previous) != nil) { character = "-" }
            if character == "：" { character = ":" }
            if character == ",", ScriptParser.digit(previous) != nil { character = "." }
            if character.isLetter || character == "\"" || character == "″" {
                word.append(character)
            } else {
                flushWord()
                text.append(character)
            }
            previous = character
        }
        flushWord()
        var c = Array(ScriptParser.trim(text))
        while let first = c.first, first == "~" || first == "≈" || ScriptParser.isBlank(first) { c.removeFirst() }
        if c.first == ":" { c.insert("0", at: 0) }   // `:25`, as radio scripts write 25 seconds
        guard let first = c.first, ScriptParser.digit(first) != nil else { return nil }
        var result: Time?
        var end = 0
        if let found = ScriptParser.timeExpression(c, 0, singles: true) {
            end = found.end
            switch found.kind {
            case .range: result = Time(seconds: ScriptParser.sane(found.seconds), start: found.start)
            case .clock: result = Time(seconds: ScriptParser.sane(found.seconds), start: found.start, isClock: true)
            case .duration: result = Time(seconds: ScriptParser.sane(found.seconds))
            }
        } else if let found = ScriptParser.time(c, 0), !found.time.clock {
            end = found.end   // a bare number: seconds, in a time column
            result = Time(seconds: ScriptParser.sane(found.time.seconds))
        }
        while end < c.count, c[end] == "." || ScriptParser.isBlank(c[end]) { end += 1 }
        guard end == c.count else { return nil }
        return result
    }
}
