/// Reads scripts timed as subtitles — SubRip (`.srt`) and WebVTT (`.vtt`) — one scene per cue.
///
/// A cue's timing (`00:00:04,000 --> 00:00:09,000`, or `00:04.000 --> 00:09.000` in WebVTT) gives the scene's
/// start and its seconds (end − start); these win over any timing in the text. The cue's text is read as a
/// script: a line wholly in brackets or parentheses (`[Wide shot of the harbor]`, `(Plan large : …)`) is the
/// picture, unless it holds a tag (`[SFX: gulls]`); `VO: …`, `Voix off : …`, `MAYA: …` and plain lines are
/// spoken. Left out, with their lines: cue numbers and ids, cue settings (`align:start`), the `WEBVTT` line
/// and its header, `NOTE` blocks, `STYLE` and `REGION` blocks.
enum SubtitleScript: FormatReader {
    static let formats: [ScriptFormat] = [.srt, .vtt]

    static func detect(_ script: ScriptSource) -> (format: ScriptFormat, confidence: Double)? {
        if isWebVTT(script) { return (.vtt, 0.99) }
        let ext = script.fileExtension
        // Two timings make subtitles; in a file named .srt or .vtt, one does.
        var count = 0
        for line in script.lines where line.contains("-->") && timing(line) != nil {
            count += 1
            if count >= 2 { break }
        }
        guard count >= 2 || (count == 1 && (ext == "srt" || ext == "vtt")) else { return nil }
        return (ext == "vtt" ? .vtt : .srt, ext == "srt" || ext == "vtt" ? 0.99 : 0.97)
    }

    static func isWebVTT(_ script: ScriptSource) -> Bool {
        guard let first = script.lines.first(where: { !$0.isEmpty }) else { return false }
        let line = first.hasPrefix("\u{FEFF}") ? String(first.dropFirst()) : first
        return line == "WEBVTT" || line.hasPrefix("WEBVTT ") || line.hasPrefix("WEBVTT\t")
    }

    static func read(_ script: ScriptSource, as format: ScriptFormat) throws(FormatMismatch) -> ReaderResult {
        let lines = script.lines
        let cues = lines.indices.filter { lines[$0].contains("-->") && timing(lines[$0]) != nil }
        guard !cues.isEmpty else {
            throw FormatMismatch(reason: format == .vtt ? "it has no cue timings (`00:01.000 --> 00:04.000`)"
                                                     : "it has no cue timings (`00:00:01,000 --> 00:00:04,000`)")
        }
        var result = ReaderResult(drafts: [])
        let rule = "each subtitle cue is a scene, timed by its cue timing"
        /// 0-based lines that are a cue's number or id: the line right above a timing, after a blank line.
        var ids = Set<Int>()
        for cue in cues where cue > 0 && !lines[cue - 1].isEmpty && timing(lines[cue - 1]) == nil {
            if cue == 1 || lines[cue - 2].isEmpty || lines[cue - 1].allSatisfy(\.isNumber) { ids.insert(cue - 1) }
        }

        // Before the first cue: the WebVTT header, notes, styles — or a title.
        var index = 0
        let webVTT = isWebVTT(script)
        var block: String?
        func leaveOutside(_ index: Int, into leftOut: inout [LeftOutText], reason: String) {
            leftOut.append(LeftOutText(line: index + 1, text: ScriptParser.collapse(lines[index]), reason: reason))
        }
        /// Reads a line outside every cue; returns false when it is text that belongs to a cue.
        func outside(_ index: Int, first: Bool) -> String? {
            let line = lines[index]
            if line.isEmpty { block = nil; return nil }
            if block == nil {
                if webVTT, first, line.hasPrefix("WEBVTT") || line.hasPrefix("\u{FEFF}WEBVTT") { block = "file header" }
                else if line == "NOTE" || line.hasPrefix("NOTE ") || line.hasPrefix("NOTE\t") { block = "note" }
                else if line == "STYLE" || line == "REGION" { block = "file header" }
            }
            return block
        }
        var firstLine = true
        while index < (cues.first ?? 0) {
            if ids.contains(index) { index += 1; continue }
            if let reason = outside(index, first: firstLine) {
                leaveOutside(index, into: &result.leftOut, reason: reason)
            } else if !lines[index].isEmpty {
                leaveOutside(index, into: &result.leftOut, reason: webVTT ? "file header" : "title block")
            }
            if !lines[index].isEmpty { firstLine = false }
            index += 1
        }

        for (number, cue) in cues.enumerated() {
            var draft = ScriptParser.Draft(rule: rule)
            draft.cover(cue)
            if cue > 0, ids.contains(cue - 1) {
                let id = lines[cue - 1]
                draft.leaveOut(id, line: cue - 1, reason: id.allSatisfy(\.isNumber) ? "cue number" : "cue id")
                draft.cover(cue - 1)
            }
            if let found = timing(lines[cue]) {
                draft.start = found.start < 360_000 ? found.start : nil
                draft.seconds = found.end.flatMap { ScriptParser.sane($0 - found.start) }
                if !found.settings.isEmpty { draft.leaveOut(found.settings, line: cue, reason: "cue settings") }
            }
            // The cue's text runs to the next blank line; anything between that and the next cue is a note
            // block (WebVTT) or stray text, which stays with this cue so that no word is lost.
            let end = number + 1 < cues.count ? cues[number + 1] : lines.count
            block = nil
            var inText = true
            for index in (cue + 1)..<end where !ids.contains(index) {
                let line = lines[index]
                if line.isEmpty { inText = false; block = nil; continue }
                if !inText, webVTT, let reason = outside(index, first: false) {
                    draft.leaveOut(line, line: index, reason: reason)
                    continue
                }
                draft.cover(index)
                readCueLine(line, line: index, into: &draft)
            }
            result.drafts.append(draft)
        }
        return result
    }

    /// One line of a cue's text.
    static func readCueLine(_ text: String, line: Int, into draft: inout ScriptParser.Draft) {
        var text = ScriptParser.stripMarkdown(text)
        // WebVTT voice and style tags (`<v Maya>`, `<i>`): the speaker is kept, the markup dropped.
        var speaker: String?
        if text.contains("<") {
            if text.hasPrefix("<v ") || text.hasPrefix("<v."), let close = text.firstIndex(of: ">") {
                // `<v Maya>`, `<v.loud Maya>`: the name follows the classes.
                let inside = text[text.index(text.startIndex, offsetBy: 2)..<close].drop { $0 != " " }
                speaker = ScriptParser.trim(inside)
                text = String(text[text.index(after: close)...])
            }
            text = removingTags(text)
        }
        if let first = text.first, let last = text.last, text.count >= 2, (first == "[" && last == "]") || (first == "(" && last == ")") {
            let inner = ScriptParser.trim(String(text.dropFirst().dropLast()))
            if !inner.contains("[") && !inner.contains("]") {
                // `[SFX: gulls]`, `[MUSIC]`: a tagged insert; anything else in brackets is the picture.
                let pieces = ScriptParser.pieces(inner)
                if let piece = pieces.first, pieces.count == 1, piece.kind == .label, let field = piece.field,
                   let slot = ScriptParser.Slot(field), slot != .narration {
                    let body = ScriptParser.trimPiece(piece.text)
                    draft.add(slot, body.isEmpty ? (piece.name ?? inner) : body, line: line)
                } else if let sound = ScriptParser.tagFields[ScriptParser.tagKey(inner)], sound == .sound {
                    draft.add(.sound, inner, line: line)
                } else {
                    draft.add(.visual, inner, line: line)
                }
                return
            }
        }
        if let speaker, !speaker.isEmpty {
            draft.add(.narration, ScriptParser.collapse(text), line: line, speaker: speaker)
            return
        }
        ScriptCell.read(text, as: .narration, line: line, into: &draft, speakers: true)
    }

    /// Text without WebVTT and SubRip markup (`<i>`, `</b>`, `<c.yellow>`, `<v Maya>`, `<lang en>`,
    /// `<font color=…>`, `<00:00:01.000>`); any other `<` is text (`Heart rate <120 bpm, target >140`).
    static func removingTags(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">"), isMarkup(rest[rest.index(after: open)..<close]) else {
                result.append("<")
                rest = rest[rest.index(after: open)...]
                continue
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// The inside of a cue tag: a known tag name (closing or not, with classes and an annotation) or a timestamp.
    static func isMarkup(_ inner: Substring) -> Bool {
        let body = inner.hasPrefix("/") ? inner.dropFirst() : inner
        if let first = body.first, first.isNumber { return timestamp(String(body)) != nil }
        let name = body.prefix { $0.isLetter }.lowercased()
        guard ["i", "b", "u", "c", "v", "lang", "ruby", "rt", "font", "s"].contains(name) else { return false }
        let after = body.dropFirst(name.count).first
        return after == nil || after == "." || after == " "
    }

    // MARK: - Cue timings

    /// `00:00:04,000 --> 00:00:09,000 align:start`: start and end in seconds (nil when unreadable) and the settings.
    static func timing(_ line: String) -> (start: Double, end: Double?, settings: String)? {
        guard let arrow = line.range(of: "-->") else { return nil }
        guard let start = timestamp(ScriptParser.trim(line[..<arrow.lowerBound])) else { return nil }
        let rest = ScriptParser.trim(line[arrow.upperBound...])
        let stamp = rest.prefix { !ScriptParser.isBlank($0) }
        let settings = ScriptParser.trim(rest.dropFirst(stamp.count))
        return (start, timestamp(String(stamp)), settings)
    }

    /// `hh:mm:ss,mmm`, `hh:mm:ss.mmm`, `mm:ss.mmm` (also without milliseconds) in seconds; nil otherwise.
    /// Each part has at most nine digits, so `99999:99:99,999` is a large number, never an overflow.
    static func timestamp(_ text: String) -> Double? {
        var parts: [Double] = []
        var fraction: Double?
        var digits = ""
        var inFraction = false
        for character in text {
            if let digit = ScriptParser.digit(character) {
                guard digits.count < 9 else { return nil }
                digits.append(Character(String(digit)))
            } else if character == ":", !inFraction, !digits.isEmpty {
                parts.append(Double(digits) ?? 0)
                digits = ""
            } else if character == "," || character == ".", !inFraction, !digits.isEmpty {
                parts.append(Double(digits) ?? 0)
                digits = ""
                inFraction = true
            } else {
                return nil
            }
        }
        guard !digits.isEmpty else { return nil }
        if inFraction {
            fraction = (Double(digits) ?? 0) / pow10(digits.count)
        } else {
            parts.append(Double(digits) ?? 0)
        }
        guard (2...3).contains(parts.count) else { return nil }
        return parts.reduce(0) { $0 * 60 + $1 } + (fraction ?? 0)
    }

    private static func pow10(_ count: Int) -> Double {
        (0..<count).reduce(1.0) { value, _ in value * 10 }
    }
}
