/// Reads screenplays: Fountain (https://fountain.io/syntax) and plain-text screenplays written the same way.
///
/// The one way a screenplay is read. Elements, as the Fountain syntax defines them:
/// - Title page: `Key: value` lines (values may continue on indented lines) at the very top, up to the
///   first blank line → left out ("title page"). A plain-text title at the top (`THE LAST CUP` /
///   `Written by …`) above the first scene heading is left out the same way.
/// - Scene headings: a line after a blank line that starts with `INT.`, `EXT.`, `EST.`, `INT./EXT.`,
///   `INT/EXT`, `I/E` (any case), or a forced `.FLASHBACK`; an optional scene number `#1A#` at the end is
///   dropped. Each starts a scene and is its title; a timing note on it (`(4s)`) is the scene's length.
/// - Characters: an upper-case line after a blank line with a line under it (`NORA`, `DEV (O.S.)`,
///   `NORA (CONT'D)`), or forced with `@` (`@McCLANE`); `^` (dual dialogue) is dropped, script order kept.
///   The lines under it up to a blank line are dialogue: narration spoken by that character, except
///   `(parentheticals)`, which are left out.
/// - Transitions (`CUT TO:`, `FADE OUT.`, forced `> BURN TO WHITE.`), centered text (`> THE END <`),
///   notes (`[[…]]`, inline or over lines), boneyard (`/* … */`, over lines), sections (`# ACT ONE`) and
///   synopses (`= …`) are left out with that reason. Page breaks (`===`) are dropped.
/// - Lyrics (`~`) are sound. Everything else is action: visual (a forced `!` is dropped), or on-screen
///   text or sound when it is one `SUPER:` / `SFX:` line.
/// - Emphasis marks (`*italic*`, `**bold**`, `_underline_`) are removed; `\*` is a literal star.
///
/// Action and dialogue carry no timing: `NORA (40s)` is an age, and Fountain has no duration syntax.
enum FountainReader: FormatReader {
    static let formats: [ScriptFormat] = [.screenplay]
    static let rule = "a scene heading (INT./EXT.) starts each scene"

    static func detect(_ script: ScriptSource) -> (format: ScriptFormat, confidence: Double)? {
        if ["fountain", "spmd"].contains(script.fileExtension) { return (.screenplay, 1) }
        let lines = script.lines
        var headings = 0, cues = 0
        for index in lines.indices where !lines[index].isEmpty && (index == 0 || lines[index - 1].isEmpty) {
            let line = lines[index]
            // Forced headings (`.X`) count only once the script is known to be Fountain: ".5 seconds" is not one.
            if !line.hasPrefix("."), sceneHeading(line) != nil {
                headings += 1
            } else if index + 1 < lines.count, !lines[index + 1].isEmpty, let name = character(line),
                      ScriptParser.tagFields[ScriptParser.tagKey(name)] == nil {
                // `VO` or `VISUAL` alone above its text is a tagged script, not a character.
                cues += 1
            }
        }
        let titlePage = (titlePageEnd(lines).map { end in lines[..<end].filter { titleKey($0) != nil }.count } ?? 0) >= 2
        // Sluglines are a screenplay's own mark: above the line reader's 0.9, so a screenplay is read here.
        if headings > 0 { return (.screenplay, cues > 0 || titlePage ? 0.97 : 0.95) }
        if cues >= 1, titlePage { return (.screenplay, 0.85) }
        if cues >= 3 { return (.screenplay, 0.5) }
        return nil
    }

    static func read(_ script: ScriptSource, as format: ScriptFormat) throws(FormatMismatch) -> ReaderResult {
        var reading = Reading(lines: script.lines)
        if script.fileExtension != "fountain", format == .screenplay,
           !reading.lines.indices.contains(where: { reading.isHeading($0) }), detect(script) == nil {
            throw FormatMismatch(reason: MiaMessages.missingLayout(.screenplay))
        }
        reading.read()
        return ReaderResult(drafts: reading.drafts, leftOut: reading.leftOut)
    }
}

// MARK: - Reading

extension FountainReader {
    /// One pass over a screenplay's lines.
    struct Reading {
        /// The script's lines, notes and boneyard removed (a line that was only that is blank).
        var lines: [String]
        var drafts: [ScriptParser.Draft] = []
        /// Text outside every scene: the title page, notes, boneyard.
        var leftOut: [LeftOutText] = []
        var current = ScriptParser.Draft(rule: "text before the first scene heading")
        /// The character whose dialogue block this is, until a blank line.
        var speaker: String?
        /// The cue just read, until a line of its dialogue comes (a cue with none is said to be left out).
        var silentCue: (name: String, line: Int)?
        var start = 0

        init(lines: [String]) {
            self.lines = lines
            if let end = titlePageEnd(lines) {
                for index in 0..<end where !lines[index].isEmpty {
                    leftOut.append(LeftOutText(line: index + 1, text: ScriptParser.collapse(lines[index]), reason: "title page"))
                }
                start = end
            }
            let (shown, hidden) = hide(lines, from: start)
            self.lines = shown
            leftOut += hidden
            if start == 0 { leavePlainTitleOut() }
        }

        func isBlank(_ index: Int) -> Bool { index < start || index >= lines.count || lines[index].isEmpty }

        /// Whether the line at `index` is a scene heading: a slugline or `.FORCED` after a blank line.
        func isHeading(_ index: Int) -> Bool {
            index >= start && !lines[index].isEmpty && (index == start || isBlank(index - 1)) && sceneHeading(lines[index]) != nil
        }

        /// `THE LAST CUP` / `Written by Jordan Reyes` at the top of a plain-text screenplay: its title page.
        mutating func leavePlainTitleOut() {
            guard let first = lines.firstIndex(where: { !$0.isEmpty }), lines.indices.contains(where: { isHeading($0) }) else { return }
            var end = lines[first...].firstIndex(where: \.isEmpty) ?? lines.count
            // `FADE IN:` under the title is the script's first transition, read as such.
            while end > first, ScriptParser.isTransition(lines[end - 1]) { end -= 1 }
            let block = lines[first..<end]
            // Fountain's own marks (`# ACT ONE`, `= synopsis`, `@NAME`, `> centered <`…) are not a title.
            guard !isHeading(first), !block.contains(where: { ScriptParser.isTransition($0) || "#=.!@~>[/".contains($0.first ?? " ") }),
                  ScriptParser.isTitleBlock(block) else { return }
            // Two lines could be a character and a line of dialogue; a by-line says they are a title.
            let byLine = block.contains { line in
                let lower = line.lowercased()
                return ["written by", "by ", "screenplay by", "story by", "teleplay by", "draft"].contains { lower.hasPrefix($0) }
            }
            guard block.count == 1 || byLine else { return }
            for index in block.indices {
                leftOut.append(LeftOutText(line: index + 1, text: ScriptParser.collapse(lines[index]), reason: "title page"))
            }
            start = end
        }

        mutating func read() {
            for index in start..<lines.count { read(index) }
            endDialogue()
            drafts.append(current)
        }

        mutating func endDialogue() {
            if let cue = silentCue { current.leaveOut(cue.name, line: cue.line, reason: "character with no dialogue") }
            silentCue = nil
            speaker = nil
        }

        mutating func read(_ index: Int) {
            let line = lines[index]
            if line.isEmpty {
                endDialogue()
                return
            }
            if let name = speaker {
                dialogue(line, index: index, speaker: name)
                return
            }
            if isPageBreak(line) { return }
            if line.hasPrefix("!") {   // forced action: whatever it looks like
                action(String(line.dropFirst()), index: index)
            } else if line.hasPrefix("#") {
                current.leaveOut(String(line.drop { $0 == "#" }), line: index, reason: "section")
            } else if line.hasPrefix("="), !line.hasPrefix("==") {
                current.leaveOut(String(line.dropFirst()), line: index, reason: "synopsis")
            } else if isHeading(index), let heading = sceneHeading(line) {
                drafts.append(current)
                var found = heading
                found.index = index
                current = ScriptParser.Draft(found, rule: rule)
            } else if line.hasPrefix(">"), line.hasSuffix("<"), line.count > 1 {
                // Centered text is title-page and page furniture (`THE END`, `INTERMISSION`): a screenplay puts
                // words meant for the screen in the action, as `SUPER: …`. So it is left out, not on-screen text.
                current.leaveOut(plain(String(line.dropFirst().dropLast())), line: index, reason: "centered text")
            } else if line.hasPrefix(">") || (isBlank(index - 1) && ScriptParser.isTransition(line)) {
                current.leaveOut(String(line.drop { $0 == ">" }), line: index, reason: "transition")
            } else if line.hasPrefix("~") {
                lyric(line, index: index)
            } else if isBlank(index - 1), !isBlank(index + 1), let name = character(line) {
                speaker = name
                silentCue = (name, index)
                for aside in FountainReader.directions(inCue: line) {
                    current.leaveOut("(" + aside + ")", line: index, reason: "parenthetical")
                }
            } else {
                action(line, index: index)
            }
        }

        mutating func dialogue(_ line: String, index: Int, speaker: String) {
            if line.hasPrefix("("), line.hasSuffix(")") {   // (whispering)
                current.leaveOut(line, line: index, reason: "parenthetical")
                return
            }
            if line.hasPrefix("~") {
                lyric(line, index: index)
                return
            }
            let spoken = droppingLeadingParenthetical(line)
            if spoken.count < line.count {
                current.leaveOut(String(line.dropLast(spoken.count)), line: index, reason: "parenthetical")
            }
            current.add(.narration, plain(spoken), line: index, speaker: speaker)
            silentCue = nil
        }

        /// Lyrics are sung: part of the music, not words a narrator reads.
        mutating func lyric(_ line: String, index: Int) {
            var text = line.dropFirst()
            if text.hasSuffix("~") { text = text.dropLast() }   // `~…~`, as some writers close a lyric
            current.add(.sound, plain(ScriptParser.trim(text)), line: index)
        }

        mutating func action(_ line: String, index: Int) {
            let (slot, text) = FountainReader.action(plain(line))
            current.add(slot, text, line: index)
        }
    }
}

// MARK: - Elements

extension FountainReader {
    static let titleKeys: Set<String> = [
        "title", "credit", "author", "authors", "source", "draft date", "date", "contact", "contact info", "copyright",
        "notes", "revision", "series", "episode", "written by",
    ]

    /// `Draft date: 3/14/2024` → `draft date`, for the keys a Fountain title page uses.
    static func titleKey(_ line: String) -> String? {
        guard let colon = line.firstIndex(of: ":"), line.distance(from: line.startIndex, to: colon) <= 20 else { return nil }
        let key = ScriptParser.trim(line[..<colon]).lowercased()
        return titleKeys.contains(key) ? key : nil
    }

    /// Where a title page at the top ends (its first blank line), or nil without one.
    static func titlePageEnd(_ lines: [String]) -> Int? {
        guard let first = lines.firstIndex(where: { !$0.isEmpty }), titleKey(lines[first]) != nil else { return nil }
        return lines[first...].firstIndex(where: \.isEmpty) ?? lines.count
    }

    /// A scene heading's title (a slugline or a forced `.HEADING`), scene number dropped, timing as seconds.
    static func sceneHeading(_ line: String) -> ScriptParser.Heading? {
        var text = Substring(line)
        // `INT. HOUSE - DAY #1A#`: the scene number is not part of the title.
        if text.hasSuffix("#"), let open = text.dropLast().lastIndex(of: "#"),
           text[text.index(after: open)..<text.index(before: text.endIndex)]
            .allSatisfy({ $0.isLetter || $0.isNumber || ".-".contains($0) }) {
            text = text[..<open]
        }
        let body = ScriptParser.trim(text)
        if body.hasPrefix("."), !body.hasPrefix(".."), let next = body.dropFirst().first, next.isLetter || next.isNumber {
            var heading = ScriptParser.Heading(style: .slugline, line: line)
            let (title, seconds) = ScriptParser.extractTiming(String(body.dropFirst()), heading: true)
            heading.title = plain(ScriptParser.collapse(title))
            heading.seconds = seconds
            return heading.title?.isEmpty == false ? heading : nil
        }
        guard var heading = ScriptParser.slugline(body, line: line) else { return nil }
        heading.title = heading.title.map(plain)
        return heading
    }

    /// A character cue's name (`DEV (O.S.)` → `DEV`, `@McCLANE ^` → `McCLANE`), or nil when the line is not one.
    static func character(_ line: String) -> String? {
        var text = Substring(line)
        if text.hasSuffix("^") { text = Substring(ScriptParser.trim(text.dropLast())) }   // dual dialogue
        if text.hasPrefix("@") {
            let name = cueName(String(text.dropFirst()))
            return name.isEmpty ? nil : name
        }
        return isCue(String(text)) ? cueName(String(text)) : nil
    }

    /// Cue extensions, letters only: `(V.O.)`, `(O.S.)`, `(O.C.)`, `(CONT'D)`, `(OFF)`.
    static let extensions: Set<String> = ["VO", "OS", "OC", "CONTD", "CONT", "OFF", "VOICEOVER", "OFFSCREEN", "PRELAP", "FILTERED", "ONPHONE", "SUBTITLED"]

    /// A cue's directions (`NORA (not looking up)`): its parenthesised parts that are no extension mark
    /// like (V.O.) or (CONT'D). The cue's speaker keeps the name; these are left out as parentheticals.
    static func directions(inCue line: String) -> [String] {
        asides(line).filter { !extensions.contains($0.uppercased().filter(\.isLetter)) }
    }

    /// The parenthesised parts of a cue line, innermost text only.
    static func asides(_ line: String) -> [String] {
        var found: [String] = []
        var rest = Substring(line)
        while let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") {
            found.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    /// The character of a cue, without its extensions: `DR. LEE (V.O.)` → `DR. LEE`.
    static func cueName(_ text: String) -> String {
        var name = Substring(text)
        while name.hasSuffix(")"), let open = name.lastIndex(of: "(") { name = Substring(ScriptParser.trim(name[..<open])) }
        return ScriptParser.trim(name)
    }

    /// A character cue: `MAYA`, `DR. LEE (V.O.)`, `MAYA (CONT'D)`.
    static func isCue(_ text: String) -> Bool {
        var name = Substring(text)
        while name.hasSuffix(")"), let open = name.lastIndex(of: "(") { name = Substring(ScriptParser.trim(name[..<open])) }
        guard !name.isEmpty, name.count <= 35, name.contains(where: \.isLetter),
              !name.contains(where: \.isLowercase), !name.hasSuffix("."), !name.hasSuffix(":"),
              name.allSatisfy({ $0.isLetter || $0.isNumber || " '’-#&/.".contains($0) }),
              name.split(separator: " ").count <= 4 else { return false }
        return !ScriptParser.isTransition(text)
    }

    static func droppingLeadingParenthetical(_ text: String) -> String {
        guard text.hasPrefix("("), let close = text.firstIndex(of: ")") else { return text }
        return ScriptParser.trim(text[text.index(after: close)...])
    }

    /// Where an action line goes: visual, unless it is one `SUPER: …` or `SFX: …` line (on-screen text, sound).
    static func action(_ text: String) -> (slot: ScriptParser.Slot, text: String) {
        let pieces = ScriptParser.pieces(text)
        guard pieces.count == 1, let piece = pieces.first, piece.kind == .label, let field = piece.field,
              field == .onScreen || field == .sound, let slot = ScriptParser.Slot(field) else { return (.visual, text) }
        return (slot, ScriptParser.trimPiece(piece.text))
    }

    /// `===` alone on a line.
    static func isPageBreak(_ line: String) -> Bool {
        line.count >= 3 && line.allSatisfy { $0 == "=" }
    }

    /// Removes notes (`[[…]]`) and boneyard (`/* … */`), which may span lines, from the lines from `start`
    /// on: the lines without them, and what they held, line by line.
    static func hide(_ lines: [String], from start: Int) -> (lines: [String], hidden: [LeftOutText]) {
        var shown = lines
        var hidden: [LeftOutText] = []
        var open: (close: String, reason: String)?
        for index in lines.indices where index >= start {
            let line = lines[index]
            guard open != nil || line.contains("/*") || line.contains("[[") else { continue }
            var kept = ""
            var rest = Substring(line)
            // Once a mark is not found in the rest of the line it is not in any shorter rest either: searched
            // for once, so a line of thousands of notes costs one pass, not one a note.
            var noNote = false, noBone = false
            func stash(_ text: Substring, _ reason: String) {
                let text = ScriptParser.collapse(text)
                if !text.isEmpty { hidden.append(LeftOutText(line: index + 1, text: text, reason: reason)) }
            }
            while !rest.isEmpty {
                if let (close, reason) = open {
                    guard let end = rest.firstRange(of: close) else {
                        stash(rest, reason)
                        rest = ""
                        break
                    }
                    stash(rest[..<end.lowerBound], reason)
                    rest = rest[end.upperBound...]
                    open = nil
                    kept += " "
                } else {
                    let note = noNote ? nil : rest.firstRange(of: "[["), bone = noBone ? nil : rest.firstRange(of: "/*")
                    noNote = note == nil
                    noBone = bone == nil
                    guard let first = [note, bone].compactMap({ $0 }).min(by: { $0.lowerBound < $1.lowerBound }) else {
                        kept += rest
                        break
                    }
                    kept += rest[..<first.lowerBound]
                    open = first == note ? ("]]", "note") : ("*/", "boneyard")
                    rest = rest[first.upperBound...]
                }
            }
            shown[index] = ScriptParser.trim(kept)
        }
        return (shown, hidden)
    }

    /// The text without Fountain's emphasis marks: `*italic*`, `**bold**`, `***both***`, `_underline_`.
    /// A mark counts when it opens before a word and closes after one, paired on the line; `\*` is a star.
    static func plain(_ text: String) -> String {
        guard text.contains(where: { $0 == "*" || $0 == "_" }) else { return text }
        let c = Array(text)
        var drop = [Bool](repeating: false, count: c.count)
        var escaped = [Bool](repeating: false, count: c.count)
        for i in c.indices.dropLast() where c[i] == "\\" && (c[i + 1] == "*" || c[i + 1] == "_") && !escaped[i] {
            drop[i] = true
            escaped[i + 1] = true
        }
        func isWordy(_ i: Int) -> Bool { c.indices.contains(i) && (c[i].isLetter || c[i].isNumber) }
        func isSpace(_ i: Int) -> Bool { !c.indices.contains(i) || ScriptParser.isBlank(c[i]) }
        var opener: [Character: Range<Int>] = [:]
        var i = 0
        while i < c.count {
            let mark = c[i]
            guard mark == "*" || mark == "_", !escaped[i] else { i += 1; continue }
            var end = i
            while end < c.count, c[end] == mark, !escaped[end] { end += 1 }
            let canOpen = !isSpace(end) && !isWordy(i - 1)
            let canClose = !isSpace(i - 1) && !isWordy(end)
            if canClose, let open = opener[mark] {
                for j in open { drop[j] = true }
                for j in i..<end { drop[j] = true }
                opener[mark] = nil
            } else if canOpen, opener[mark] == nil {
                opener[mark] = i..<end
            }
            i = end
        }
        return ScriptParser.collapse(String(c.indices.filter { !drop[$0] }.map { c[$0] }))
    }
}
