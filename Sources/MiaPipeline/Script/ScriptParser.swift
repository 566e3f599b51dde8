/// Splits a video script into scenes, the way marketers, screenwriters and YouTubers actually write them.
///
/// **Layouts**, tried in this order (the first that applies decides the format):
/// 1. `Scene`/`Shot` headings (`Scene 1: Title`, `SCENE 2 — Title`, `## Scene 3`, `**Scene 5**`; also
///    `Beat`, `Segment`, `Section`, `Part`, `Panel`, `Slide`, `Clip`, `Sequence`; numbers may be spelled
///    out) → `.headings`. A heading needs a number, and either a separator after it (`:` `.` `-` `—` `|`),
///    nothing after it, or markdown/bold/upper-case styling, so "Scene 3 opens on…" stays text.
/// 2. Screenplay sluglines (`INT. KITCHEN - DAY`, `EXT.`, `INT./EXT.`, `I/E`) → `.screenplay`.
/// 3. Two or more lines that start with a time range (`00:00–00:05`, `[0:05-0:12]`, `0-3s:`) → `.headings`;
///    else two or more lines that start with increasing timestamps (`[0:00] Intro`, `0:05 Demo`), read as
///    start times: each scene lasts until the next starts (the last has no length).
/// 4. Markdown headings: the level used at least twice (the most used; the higher level on a tie) starts
///    scenes; higher-level headings (the document title) only end them → `.headings`.
/// 5. A numbered outline (`1. Title`, `2) Title`) → `.headings`, when at least two numbered lines start
///    blocks (after a blank line, or with unnumbered lines under them) with increasing numbers, or when
///    every line from the first numbered one on is numbered (a one-line-per-scene shot list). A numbered
///    list inside a paragraph starts nothing.
/// 6. `---` / `***` / `___` / `===` lines with text on both sides → `.separators`; a wholly bold line
///    (`**Habit 1: Stop snoozing**`) between them starts and titles a scene.
/// 7. Two or more wholly bold lines (`**The reveal**`) and no separators → `.headings`.
/// 8. Tagged lines (`VISUAL:`, `[VO]`, `SFX:`…) → `.twoColumn`. A new scene starts at a visual tag (or an
///    untagged line, which is visual) that follows narration, and at a visual or narration tag after a
///    blank line when the scene already has that kind. A script whose blocks mostly start with narration
///    (`VO:` then `VISUAL:`) is read the other way round: a narration tag after a visual starts a scene.
/// 9. Otherwise `.prose`: paragraphs; paragraphs under 12 words merge into the next; a paragraph over
///    120 words splits at sentence ends into scenes of about 40–80 words. Every sentence is narration
///    (a bracketed insert such as `[B-ROLL: city]` still goes to its own field).
/// Separator lines also end scenes in layouts 1–7. `.empty` when nothing makes a scene.
/// Text before the first scene of a structured script that is at most four short lines (≤ 12 words,
/// none ending in `.`, `!` or `?`) and has no visual or narration tag is the script's title block and is
/// dropped (so is a first prose paragraph like that), as long as something else makes a scene.
///
/// **Inside a scene**:
/// - Tags at the start of a line (any case, optionally bold or bulleted, with a `(parenthetical)` before
///   the colon), bracketed anywhere (`[VISUAL] … [VO] …`), or upper-case mid-line (`… VO: …`):
///   visual `VISUAL VIDEO B-ROLL ACTION SHOT FOOTAGE CAMERA LOCATION SETTING SCENE`…; narration
///   `VO V.O. V/O VOICEOVER AUDIO NARRATOR HOST PRESENTER DIALOGUE`…; on-screen text `ON SCREEN
///   ON-SCREEN TEXT TEXT SUPER CAPTION TITLE LOWER THIRD GRAPHIC CTA LOGO`…; sound `SFX SOUND MUSIC`…
///   A bracket holding tag and text (`[SFX: whoosh]`, `[B-ROLL: city]`) is an insert: it adds to its field
///   and the line goes on as before. Note and metadata lines (`NOTE:`, `Client:`, `Brand:`, `Tone:`…)
///   are dropped; `DURATION:` / `LENGTH:` / `TIME:` give the scene's seconds.
/// - A line with no tag right after a tagged line (no blank line between) continues that tag; after a
///   `Name: words` line only when the name stood alone (`MAYA:` with the words below).
/// - `Name: words` (a capitalised name of up to four words) and lines in quotes are narration.
/// - Any other untagged line is visual when the scene has narration (from tags, names or quotes). In a
///   scene without narration it is narration when it reads as spoken prose — more spoken markers
///   (I, you, we, our, let's, hey, welcome, `?`, `!`) than camera words (close-up, shot, pan, zoom, cut,
///   drone, logo, "we see", "open on"…); on a tie, as the whole script reads — and visual otherwise.
/// - Screenplay scenes: action lines are visual; a CHARACTER cue (upper case, optionally `(V.O.)`,
///   `(CONT'D)`; after a blank line, with a line under it) makes the following lines dialogue, whose text
///   (parentheticals dropped) is narration; transitions (`CUT TO:`, `FADE IN:`, `FADE OUT.`) are dropped
///   everywhere. `(30s)` right after an upper-case name is an age there, not a duration.
///
/// **Timing annotations** are removed from the text; the first one in a scene (a heading's wins) becomes
/// `annotatedSeconds`: `(5s)`, `(5 sec)`, `[8 seconds]`, `(1 min)`; ranges `00:00–00:05`, `0:05-0:12`,
/// `(0-3s)` give end − start (en dash, em dash, hyphen or "to"; 0 s or less counts as none); in a heading
/// also `[0:05]` (5 s) and a trailing `— 8 seconds` / `- 8s`. A line that *starts* with a timestamp is a
/// start time (layout 3); a timestamp inside a body line is removed and ignored; a bare number range
/// (`0-3s`) counts only at the start of a line, so "open 9-5" and "(555) 013-4471" stay text.
///
/// **Titles** come from the heading (without its `Scene 1:` prefix or timing), else from the first words
/// of the visual, narration, on-screen text or sound (up to six words, stopping at a sentence end or a
/// colon, or after three words at a comma, without a trailing "the"/"with"…), else
/// "Scene N". A heading whose title is over six words with nothing under it is the scene's content
/// (a one-line outline item), titled from its first words. Scenes are numbered 1…n in script order.
///
/// Fields: visual and narration pieces join with spaces; on-screen text and sound cues, one per line.
/// Narration in quotes loses its quotes. Whitespace runs collapse to one space.
public enum ScriptParser {
    /// Splits `text` into scenes. Never fails: whatever is not recognised as structure is read as prose.
    ///
    /// - Parameter text: The script, e.g. as ``ScriptText/decode(_:name:)`` returns it (any line endings).
    /// - Returns: The layout recognised and the scenes, numbered 1…n.
    public static func parse(_ text: String) -> ParsedScript {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).map { trim($0) }
        guard lines.contains(where: { !$0.isEmpty }) else { return ParsedScript(format: .empty, scenes: []) }
        let kinds = lines.map(classify)
        let (format, drafts) = layout(lines, kinds)
        let scenes = scenes(from: drafts)
        return ParsedScript(format: scenes.isEmpty ? .empty : format, scenes: scenes)
    }
}

// MARK: - Model

extension ScriptParser {
    /// What a line of the script is, before the layout is known.
    enum Kind {
        case blank, separator, transition, text
        case heading(Heading)
    }

    struct Heading {
        enum Style: Equatable {
            case keyword, slugline, timecode, bold
            /// A line that starts with one timestamp (`[0:05] Demo`): where the scene starts.
            case timestamp(Double)
            case markdown(Int)
            case numbered(Int)
        }

        var style: Style
        var line: String
        var title: String?
        var seconds: Double?
        /// Content written on the heading line itself (`00:00–00:05 | VISUAL: … | VO: …`).
        var body: String?
        /// The title as written, punctuation kept, for a heading that turns out to be content.
        var text: String?

        /// Sets the title from the heading's text, or its seconds or body when that is what the text is.
        mutating func setTitle(_ raw: String) {
            let written = collapse(raw)
            guard !written.isEmpty else { return }
            if startsWithContentTag(written) {
                body = written
                return
            }
            self.text = written
            var text = Substring(written)
            if let first = text.first, let last = text.last, text.count >= 2,
               openingQuotes.contains(first), closingQuotes.contains(last) {
                text = text.dropFirst().dropLast()
            }
            while let last = text.last, ":.,;".contains(last) || last.isWhitespace { text = text.dropLast() }
            let title = trim(text)
            if title.isEmpty { return }
            if let value = fullDuration(title, clock: false) {
                seconds = seconds ?? value
            } else {
                self.title = title
            }
        }
    }

    enum Field { case visual, narration, onScreen, sound, ignored, timing }

    enum Slot {
        case visual, narration, onScreen, sound, untagged

        init?(_ field: Field) {
            switch field {
            case .visual: self = .visual
            case .narration: self = .narration
            case .onScreen: self = .onScreen
            case .sound: self = .sound
            case .ignored, .timing: return nil
            }
        }
    }

    struct Item {
        var slot: Slot
        var text: String
    }

    /// A scene being assembled, before untagged lines are resolved and fields joined.
    struct Draft {
        var title: String?
        var titleText: String?
        var hasHeading = false
        var isSlugline = false
        var headingLine = ""
        var items: [Item] = []
        var seconds: Double?
        var hasNarration = false
        var hasVisual = false
        var isTitleBlock = false

        init(_ heading: Heading? = nil) {
            guard let heading else { return }
            title = heading.title
            titleText = heading.text
            hasHeading = true
            isSlugline = heading.style == .slugline
            headingLine = heading.line
            seconds = heading.seconds
        }

        mutating func add(_ slot: Slot, _ text: String) {
            guard !text.isEmpty else { return }
            items.append(Item(slot: slot, text: text))
            switch slot {
            case .narration: hasNarration = true
            case .visual, .untagged: hasVisual = true
            case .onScreen, .sound: break
            }
        }

        mutating func note(seconds value: Double?) {
            if seconds == nil { seconds = value }
        }
    }

    /// A run of a line with one meaning: text under a tag, a speaker's words, a quote, an insert, or plain text.
    struct Piece {
        enum Kind { case plain, label, speaker, quote, insert }
        var kind: Kind
        var field: Field?
        var text: String
        /// Whether a following untagged line continues this piece.
        var continues: Bool
    }
}

// MARK: - Layout

extension ScriptParser {
    static func layout(_ lines: [String], _ kinds: [Kind]) -> (ScriptFormat, [Draft]) {
        var keyword: [Int] = [], slugs: [Int] = [], timecodes: [Int] = [], bold: [Int] = []
        var stamps: [(index: Int, start: Double)] = []
        var markdown: [Int: [Int]] = [:]
        var numbered: [(index: Int, number: Int)] = []
        for (index, kind) in kinds.enumerated() {
            guard case .heading(let heading) = kind else { continue }
            switch heading.style {
            case .keyword: keyword.append(index)
            case .slugline: slugs.append(index)
            case .timecode: timecodes.append(index)
            case .bold: bold.append(index)
            case .timestamp(let start): stamps.append((index, start))
            case .markdown(let level): markdown[level, default: []].append(index)
            case .numbered(let number): numbered.append((index, number))
            }
        }
        if !keyword.isEmpty {
            let set = Set(keyword)
            return (.headings, sectioned(lines, kinds, headed: set, breaks: set, screenplay: false))
        }
        if !slugs.isEmpty {
            let set = Set(slugs)
            return (.screenplay, sectioned(lines, kinds, headed: set, breaks: set, screenplay: true))
        }
        if timecodes.count >= 2 {
            let set = Set(timecodes)
            return (.headings, sectioned(lines, kinds, headed: set, breaks: set, screenplay: false))
        }
        if stamps.count >= 2, zip(stamps, stamps.dropFirst()).allSatisfy({ $0.start < $1.start }) {
            // Start times, like a video's chapters: a scene lasts until the next one starts.
            var kinds = kinds
            for (this, next) in zip(stamps, stamps.dropFirst()) {
                guard case .heading(var heading) = kinds[this.index] else { continue }
                heading.seconds = heading.seconds ?? sane(next.start - this.start)
                kinds[this.index] = .heading(heading)
            }
            let set = Set(stamps.map(\.index))
            return (.headings, sectioned(lines, kinds, headed: set, breaks: set, screenplay: false))
        }
        let levels = markdown.filter { $0.value.count >= 2 }
        if let level = levels.max(by: { ($0.value.count, -$0.key) < ($1.value.count, -$1.key) })?.key {
            let headed = Set(markdown[level] ?? [])
            let breaks = Set(markdown.filter { $0.key <= level }.flatMap(\.value))
            return (.headings, sectioned(lines, kinds, headed: headed, breaks: breaks, screenplay: false))
        }
        if let starters = outlineStarters(lines, kinds, numbered) {
            let set = Set(starters)
            return (.headings, sectioned(lines, kinds, headed: set, breaks: set, screenplay: false))
        }
        if hasSeparatedContent(kinds) {
            let set = Set(bold)   // `**Title**` lines title (and start) the scenes between separators
            return (.separators, sectioned(lines, kinds, headed: set, breaks: set, screenplay: false))
        }
        if bold.count >= 2 {
            let set = Set(bold)
            return (.headings, sectioned(lines, kinds, headed: set, breaks: set, screenplay: false))
        }
        let tagged = lines.map { !$0.isEmpty && hasContentTag($0) }
        if let first = tagged.firstIndex(of: true) {
            return (.twoColumn, twoColumn(lines, firstTagged: first))
        }
        return (.prose, prose(lines))
    }

    /// The numbered lines that start scenes in an outline, or nil when the numbers are only a list.
    static func outlineStarters(_ lines: [String], _ kinds: [Kind], _ numbered: [(index: Int, number: Int)]) -> [Int]? {
        guard numbered.count >= 2 else { return nil }
        let numberedLines = Set(numbered.map(\.index))
        func isBreak(_ index: Int) -> Bool {
            if lines[index].isEmpty { return true }
            if case .separator = kinds[index] { return true }
            return false
        }
        let first = numbered[0].index
        let shotList = (first..<lines.count).allSatisfy { isBreak($0) || numberedLines.contains($0) }
        let starters = shotList ? numbered : numbered.filter { entry in
            let next = entry.index + 1
            return entry.index == 0 || isBreak(entry.index - 1)
                || (next < lines.count && !isBreak(next) && !numberedLines.contains(next))
        }
        guard starters.count >= 2, zip(starters, starters.dropFirst()).allSatisfy({ $0.number < $1.number }) else { return nil }
        return starters.map(\.index)
    }

    /// Whether some separator line has text before and after it.
    static func hasSeparatedContent(_ kinds: [Kind]) -> Bool {
        var textBefore = false
        var pendingSeparator = false
        for kind in kinds {
            switch kind {
            case .blank: continue
            case .separator: if textBefore { pendingSeparator = true }
            default:
                if pendingSeparator { return true }
                textBefore = true
            }
        }
        return false
    }

    /// Splits at `breaks` (and separator lines); a segment after a line in `headed` takes that heading.
    static func sectioned(_ lines: [String], _ kinds: [Kind], headed: Set<Int>, breaks: Set<Int>, screenplay: Bool) -> [Draft] {
        var drafts: [Draft] = []
        var start = 0
        var heading: Heading?
        var leading = true
        func close(_ end: Int) {
            let body = lines[start..<end]
            if leading, body.allSatisfy(\.isEmpty) { return }
            var draft = screenplay ? screenplayDraft(heading, body) : generalDraft(heading, body)
            draft.isTitleBlock = leading && isTitleBlock(body)
            drafts.append(draft)
        }
        for index in lines.indices {
            var isSeparator = false
            if case .separator = kinds[index] { isSeparator = true }
            guard isSeparator || breaks.contains(index) else { continue }
            close(index)
            start = index + 1
            leading = false
            heading = nil
            if headed.contains(index), case .heading(let found) = kinds[index] { heading = found }
        }
        close(lines.count)
        return drafts
    }

    static func generalDraft(_ heading: Heading?, _ body: ArraySlice<String>) -> Draft {
        var reader = Reader(splitting: false, lead: .visual)
        reader.current = Draft(heading)
        var body = body
        // A segment without a heading may open with a bold or markdown line: that is its title.
        if heading == nil, let first = body.firstIndex(where: { !$0.isEmpty }), let title = titleLine(body[first]) {
            reader.current.title = title
            reader.current.hasHeading = true
            reader.current.headingLine = body[first]
            body = body[(first + 1)...]
        }
        if let line = heading?.body { reader.read(line) }
        for line in body { reader.read(line) }
        var draft = reader.finish().first ?? Draft(heading)
        if let seconds = heading?.seconds { draft.seconds = seconds }
        return draft
    }

    /// The text of a line that is wholly bold (`**Title**`) or a markdown heading (`# Title`).
    static func titleLine(_ line: String) -> String? {
        var text: Substring
        if line.hasPrefix("**"), line.hasSuffix("**"), line.count > 4 {
            text = line.dropFirst(2).dropLast(2)
            if hasPair(text, "*") { return nil }
        } else if line.hasPrefix("#") {
            let rest = line.drop(while: { $0 == "#" })
            guard rest.first?.isWhitespace == true else { return nil }
            text = rest
        } else {
            return nil
        }
        let title = collapse(extractTiming(String(text), heading: true).text)
        return title.isEmpty || startsWithContentTag(title) ? nil : title
    }

    static func twoColumn(_ lines: [String], firstTagged: Int) -> [Draft] {
        let start = isTitleBlock(lines[..<firstTagged]) ? firstTagged : 0
        var reader = Reader(splitting: true, lead: leadingSlot(lines[start...]))
        for line in lines[start...] { reader.read(line) }
        return reader.finish()
    }

    /// Whether blocks of a tagged script mostly open with the picture (`VISUAL:` then `VO:`) or the words.
    static func leadingSlot(_ lines: ArraySlice<String>) -> Slot {
        var visualFirst = 0, narrationFirst = 0
        var decided = false
        for line in lines {
            if line.isEmpty { decided = false; continue }
            guard !decided else { continue }
            let text = extractTiming(stripMarkdown(line), heading: false).text
            for piece in pieces(text) where piece.kind != .insert {
                if piece.field == .visual { visualFirst += 1; decided = true; break }
                if piece.field == .narration, piece.kind == .label { narrationFirst += 1; decided = true; break }
            }
        }
        return narrationFirst > visualFirst ? .narration : .visual
    }

    static func hasContentTag(_ line: String) -> Bool {
        let text = extractTiming(stripMarkdown(line), heading: false).text
        return pieces(text).contains { $0.kind == .label && $0.field.flatMap(Slot.init) != nil }
    }
}

// MARK: - Reading scene bodies

extension ScriptParser {
    /// Reads the lines of a scene (or, when `splitting`, of a whole tagged script) into drafts.
    struct Reader {
        enum Target { case slot(Slot), dropped }

        let splitting: Bool
        let lead: Slot
        var drafts: [Draft] = []
        var current = Draft()
        var target: Target?
        var afterBlank = true
        var pendingSeconds: Double?

        init(splitting: Bool, lead: Slot) {
            self.splitting = splitting
            self.lead = lead
        }

        mutating func read(_ raw: String) {
            if raw.isEmpty {
                target = nil
                afterBlank = true
                return
            }
            defer { afterBlank = false }
            if isTransition(raw) || isSeparatorLine(raw) { return }
            let (text, seconds) = extractTiming(stripMarkdown(raw), heading: false)
            let pieces = ScriptParser.pieces(text)
            if pieces.isEmpty {
                // A line holding only a timing note belongs to what comes next.
                if let seconds { pendingSeconds = pendingSeconds ?? seconds }
                return
            }
            for (index, piece) in pieces.enumerated() {
                let fresh = index == 0 && afterBlank
                let body = trimPiece(piece.text)
                switch piece.kind {
                case .plain:
                    guard !body.isEmpty else { continue }
                    if index == 0, let target {
                        if case .slot(let slot) = target { current.add(slot, body) }
                        continue
                    }
                    split(before: .visual, fresh: fresh)
                    current.add(.untagged, body)
                    target = nil
                case .insert:
                    if let slot = piece.field.flatMap(Slot.init) { current.add(slot, body) }
                case .label, .speaker, .quote:
                    switch piece.field {
                    case .timing?:
                        current.note(seconds: fullDuration(body, clock: true))
                        target = .dropped
                    case .ignored?, nil:
                        target = .dropped
                    case let field?:
                        guard let slot = Slot(field) else { continue }
                        split(before: slot, fresh: fresh)
                        if slot == .narration { current.hasNarration = true }
                        if slot == .visual { current.hasVisual = true }
                        current.add(slot, body)
                        target = piece.continues ? .slot(slot) : nil
                    }
                }
            }
            if let pending = pendingSeconds {
                current.note(seconds: pending)
                pendingSeconds = nil
            }
            current.note(seconds: seconds)
        }

        /// Starts a new draft before content of `slot`, when this reader splits scenes and the rule says so.
        mutating func split(before slot: Slot, fresh: Bool) {
            guard splitting, !current.items.isEmpty, slot == .visual || slot == .narration else { return }
            let other: Slot = lead == .visual ? .narration : .visual
            func has(_ kind: Slot) -> Bool { kind == .visual ? current.hasVisual : current.hasNarration }
            if (slot == lead && has(other)) || (fresh && has(slot)) {
                drafts.append(current)
                current = Draft()
            }
        }

        mutating func finish() -> [Draft] {
            if !splitting || !current.items.isEmpty { drafts.append(current) }
            return drafts
        }
    }

    static func screenplayDraft(_ heading: Heading?, _ body: ArraySlice<String>) -> Draft {
        var draft = Draft(heading)
        var inDialogue = false
        var afterBlank = true
        let lines = Array(body)
        for (index, raw) in lines.enumerated() {
            if raw.isEmpty {
                inDialogue = false
                afterBlank = true
                continue
            }
            defer { afterBlank = false }
            if isTransition(raw) || isSeparatorLine(raw) { continue }
            let (text, seconds) = extractTiming(stripMarkdown(raw), heading: false, ages: true)
            draft.note(seconds: seconds)
            if text.isEmpty { continue }
            if inDialogue {
                if text.hasPrefix("("), text.hasSuffix(")") { continue }   // (whispering)
                draft.add(.narration, droppingLeadingParenthetical(text))
                continue
            }
            let pieces = ScriptParser.pieces(text)
            if pieces.contains(where: { $0.kind == .label || $0.kind == .speaker || $0.kind == .insert }) {
                for piece in pieces {
                    let body = trimPiece(piece.text)
                    if piece.kind == .plain || piece.kind == .quote {
                        draft.add(.visual, body)
                    } else if piece.field == .timing {
                        draft.note(seconds: fullDuration(body, clock: true))
                    } else if let slot = piece.field.flatMap(Slot.init) {
                        draft.add(slot, body)
                    }
                }
                continue
            }
            if afterBlank, isCue(text), index + 1 < lines.count, !lines[index + 1].isEmpty {
                inDialogue = true
                continue
            }
            draft.add(.visual, text)
        }
        return draft
    }

    static func droppingLeadingParenthetical(_ text: String) -> String {
        guard text.hasPrefix("("), let close = text.firstIndex(of: ")") else { return text }
        return trim(text[text.index(after: close)...])
    }

    /// A screenplay character cue: `MAYA`, `DR. LEE (V.O.)`, `MAYA (CONT'D)`.
    static func isCue(_ text: String) -> Bool {
        var name = Substring(text)
        while name.hasSuffix(")"), let open = name.lastIndex(of: "(") { name = Substring(trim(name[..<open])) }
        guard !name.isEmpty, name.count <= 35, name.contains(where: \.isLetter),
              !name.contains(where: \.isLowercase), !name.hasSuffix("."), !name.hasSuffix(":"),
              name.allSatisfy({ $0.isLetter || $0.isNumber || " '’-#&/.".contains($0) }),
              name.split(separator: " ").count <= 4 else { return false }
        return !isTransition(text)
    }
}

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

// MARK: - Finishing scenes

extension ScriptParser {
    static func scenes(from drafts: [Draft]) -> [Scene] {
        var drafts = drafts
        // A heading with nothing under it but a long title ("1. Open on a sunrise over the city.") is content.
        for index in drafts.indices where drafts[index].hasHeading && drafts[index].items.isEmpty && !drafts[index].isSlugline {
            if let title = drafts[index].title, wordCount(title) > 6 {
                drafts[index].items = [Item(slot: .untagged, text: drafts[index].titleText ?? title)]
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
            if draft.isTitleBlock && hasBody { continue }
            let spoken = !draft.hasNarration && (voice > 0 || (voice == 0 && scriptVoice > 0))
            var visual: [String] = [], narration: [String] = [], onScreen: [String] = [], sound: [String] = []
            for item in draft.items {
                let text = collapse(item.text)
                guard !text.isEmpty else { continue }
                switch item.slot {
                case .visual: visual.append(text)
                case .narration: narration.append(unquoted(text))
                case .onScreen: onScreen.append(text)
                case .sound: sound.append(text)
                case .untagged: if spoken { narration.append(unquoted(text)) } else { visual.append(text) }
                }
            }
            let scene = (visual: visual.joined(separator: " "), narration: narration.filter { !$0.isEmpty }.joined(separator: " "),
                         onScreen: onScreen.joined(separator: "\n"), sound: sound.joined(separator: "\n"))
            if !draft.hasHeading, scene.visual.isEmpty, scene.narration.isEmpty, scene.onScreen.isEmpty, scene.sound.isEmpty { continue }
            let number = scenes.count + 1
            let title = draft.title ?? shortTitle(scene.visual) ?? shortTitle(scene.narration)
                ?? shortTitle(scene.onScreen) ?? shortTitle(scene.sound) ?? "Scene \(number)"
            scenes.append(Scene(number: number, title: title, visual: scene.visual, narration: scene.narration,
                                onScreenText: scene.onScreen, soundEffects: scene.sound, annotatedSeconds: draft.seconds))
        }
        return scenes
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

// MARK: - Lines

extension ScriptParser {
    static let openingQuotes: Set<Character> = ["\"", "“", "„", "«", "”"]
    static let closingQuotes: Set<Character> = ["\"", "”", "»", "“"]
    static let closingMarks: Set<Character> = ["\"", "”", "’", "'", ")", "]", "»", "*", "_"]

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

    static func classify(_ line: String) -> Kind {
        if line.isEmpty { return .blank }
        if isSeparatorLine(line) { return .separator }
        if isTransition(line) { return .transition }
        if let heading = heading(line) { return .heading(heading) }
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

    /// A line of text that looks like a title: not a full sentence and carrying no visual or narration tag.
    static func isTitleBlock<C: Collection>(_ lines: C) -> Bool where C.Element == String {
        var count = 0
        for raw in lines where !raw.isEmpty && !isTransition(raw) && !isSeparatorLine(raw) {
            count += 1
            guard count <= 4 else { return false }
            let text = extractTiming(stripMarkdown(raw), heading: true).text
            guard wordCount(text) <= 12 else { return false }
            if let last = text.last(where: { !closingMarks.contains($0) }), ".!?".contains(last) { return false }
            for (index, piece) in pieces(text).enumerated() {
                if piece.kind == .quote { return false }
                if piece.kind == .speaker, index == 0 { continue }
                if piece.kind != .insert, piece.field == .visual || piece.field == .narration { return false }
            }
        }
        return true
    }
}

// MARK: - Headings

extension ScriptParser {
    static let headingKeywords: Set<String> = ["scene", "shot", "beat", "segment", "section", "part", "panel", "slide", "clip", "sequence"]
    static let numberWords: Set<String> = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
    ]

    static func heading(_ line: String) -> Heading? {
        var text = Substring(line)
        var level = 0
        if text.first == "#" {
            let hashes = text.prefix(while: { $0 == "#" }).count
            let rest = text.dropFirst(hashes)
            if hashes <= 6, rest.first.map(isBlank) ?? true {
                level = hashes
                text = rest
            }
        }
        var body = trim(text)
        var emphasized = level > 0
        let wholeBold = level == 0 && body.count > 4 && (body.hasPrefix("**") && body.hasSuffix("**") || body.hasPrefix("__") && body.hasSuffix("__"))
            && !hasPair(body.dropFirst(2).dropLast(2), "*")
        if hasPair(body, "*") || hasPair(body, "_") {
            body = trim(body.replacing("**", with: "").replacing("__", with: ""))
            emphasized = true
        }
        if body.count >= 2, let first = body.first, first == body.last, first == "*" || first == "_" {
            body = trim(body.dropFirst().dropLast())
            emphasized = true
        }
        if let heading = keywordHeading(body, line: line, emphasized: emphasized) { return heading }
        if let heading = slugline(body, line: line) { return heading }
        if level > 0 {
            var heading = Heading(style: .markdown(level), line: line)
            let (title, seconds) = extractTiming(body, heading: true)
            heading.seconds = seconds
            heading.setTitle(title)
            return heading
        }
        if let heading = timecodeHeading(body, line: line) { return heading }
        if let heading = numberedHeading(body, line: line) { return heading }
        if wholeBold {
            // `**The reveal**`: a heading when the script uses several of them (see `layout`).
            var heading = Heading(style: .bold, line: line)
            let (title, seconds) = extractTiming(body, heading: true)
            heading.seconds = seconds
            heading.setTitle(title)
            return heading.title == nil ? nil : heading
        }
        return nil
    }

    /// `Scene 1: Title`, `SCENE 2 — Title`, `Shot 4`, `Scene #3A (5s)`, `Part Two - Title`.
    static func keywordHeading(_ text: String, line: String, emphasized: Bool) -> Heading? {
        guard let first = text.first, "sSbBpPcC".contains(first) else { return nil }
        let c = Array(text.prefix(200))
        var i = 0
        while i < c.count, c[i].isLetter { i += 1 }
        guard headingKeywords.contains(String(c[0..<i]).lowercased()) else { return nil }
        var j = i
        while j < c.count, c[j] == "#" || isBlank(c[j]) { j += 1 }
        guard j < c.count else { return nil }
        var k = j
        if digit(c[k]) != nil {
            while k < c.count, digit(c[k]) != nil { k += 1 }
            guard k - j <= 4 else { return nil }
            if k < c.count, c[k].isLetter, k + 1 == c.count || !c[k + 1].isLetter { k += 1 }   // 3A
        } else {
            guard j > i else { return nil }
            while k < c.count, c[k].isLetter { k += 1 }
            guard numberWords.contains(String(c[j..<k]).lowercased()) else { return nil }
        }
        guard k == c.count || !(c[k].isLetter || c[k].isNumber) else { return nil }
        let rest = String(text.dropFirst(k))
        let shouting = !text.contains(where: \.isLowercase)
        return headingRest(rest, style: .keyword, line: line, free: emphasized || shouting)
    }

    /// What follows a heading's keyword and number: a separator then the title, a bracketed title,
    /// timing, or nothing. Plain words straight after the number make it a sentence, not a heading,
    /// unless the line is styled (`free`).
    static func headingRest(_ rest: String, style: Heading.Style, line: String, free: Bool) -> Heading? {
        let (text, seconds) = extractTiming(rest, heading: true)
        let trimmed = Substring(trim(text))
        var title: Substring = ""
        if let first = trimmed.first {
            if ":.-–—|)/,".contains(first) {
                title = trimmed.drop { ":.-–—|)/,".contains($0) || isBlank($0) }
            } else if first == "(" || first == "[" {
                title = trimmed.dropFirst()
                if let last = title.last, last == ")" || last == "]" { title = title.dropLast() }
            } else if free {
                title = trimmed
            } else {
                return nil
            }
        }
        var heading = Heading(style: style, line: line, seconds: seconds)
        heading.setTitle(String(title))
        return heading
    }

    static let dottedSluglines = ["INT./EXT.", "INT/EXT.", "EXT./INT.", "EXT/INT.", "I/E.", "E/I.", "INT.", "EXT.", "EST."]
    static let spacedSluglines = ["INT./EXT ", "INT/EXT ", "EXT/INT ", "I/E ", "INT ", "EXT ", "INTERIOR ", "EXTERIOR "]

    /// `INT. KITCHEN - DAY`, `EXT. ROOFTOP - NIGHT`, `INT./EXT. CAR - MOVING`, `12 INT. HALL - DAY 12`.
    static func slugline(_ text: String, line: String) -> Heading? {
        guard text.utf8.count <= 480, text.count <= 120, let first = text.first, first.isLetter || digit(first) != nil else { return nil }
        var body = Substring(text)
        let number = body.prefix(while: { digit($0) != nil })
        if (1...4).contains(number.count) {
            var rest = body.dropFirst(number.count)
            if let letter = rest.first, letter.isUppercase, rest.dropFirst().first == " " { rest = rest.dropFirst() }
            guard rest.first == " " else { return nil }
            body = rest.drop(while: isBlank)
        } else if !number.isEmpty {
            return nil
        }
        var location: Substring?
        for prefix in dottedSluglines where body.count > prefix.count && String(body.prefix(prefix.count)).uppercased() == prefix {
            let rest = body.dropFirst(prefix.count)
            if rest.first.map(isBlank) == true { location = rest }
            break
        }
        if location == nil, !body.contains(where: \.isLowercase) {
            for prefix in spacedSluglines where body.hasPrefix(prefix) {
                location = body.dropFirst(prefix.count)
                break
            }
        }
        guard let location, location.contains(where: \.isLetter) else { return nil }
        var (title, seconds) = extractTiming(String(body), heading: true)
        title = collapse(title)
        if !number.isEmpty, title.hasSuffix(" " + number) { title = trim(title.dropLast(number.count)) }
        return Heading(style: .slugline, line: line, title: title, seconds: seconds)
    }

    /// A line that starts with a time range: `00:00–00:05 Hook`, `[0:05-0:12] VISUAL: …`, `0-3s: Hook`.
    static func timecodeHeading(_ text: String, line: String) -> Heading? {
        guard let first = text.first, digit(first) != nil || first == "[" || first == "(" else { return nil }
        let c = Array(text)
        var i = 0
        var close: Character?
        if c[0] == "[" { close = "]"; i = 1 } else if c[0] == "(" { close = ")"; i = 1 }
        while i < c.count, isBlank(c[i]) { i += 1 }
        guard i < c.count, digit(c[i]) != nil, let range = timeExpression(c, i, singles: true),
              range.kind == .range || range.kind == .clock else { return nil }
        var j = range.end
        while j < c.count, isBlank(c[j]) { j += 1 }
        if let close {
            guard j < c.count, c[j] == close else { return nil }
            j += 1
        } else if !range.clock {
            guard j == c.count || ":|-–—".contains(c[j]) else { return nil }
        }
        guard j == c.count || !(c[j].isLetter || c[j].isNumber) else { return nil }
        let rest = String(c[j...]).drop { ":|-–—.,)".contains($0) || isBlank($0) }
        var heading = range.kind == .clock
            ? Heading(style: .timestamp(range.seconds ?? 0), line: line)
            : Heading(style: .timecode, line: line, seconds: range.seconds)
        let (title, seconds) = extractTiming(String(rest), heading: true)
        heading.seconds = heading.seconds ?? seconds
        heading.setTitle(title)
        return heading
    }

    /// `1. Title`, `2) Title`.
    static func numberedHeading(_ text: String, line: String) -> Heading? {
        let number = text.prefix(while: { digit($0) != nil })
        guard (1...3).contains(number.count) else { return nil }
        let after = text.dropFirst(number.count)
        guard let mark = after.first, mark == "." || mark == ")" else { return nil }
        let rest = after.dropFirst()
        guard rest.first.map(isBlank) == true else { return nil }
        let body = trim(rest)
        guard !body.isEmpty else { return nil }
        var heading = Heading(style: .numbered(Int(number) ?? 0), line: line)
        let (title, seconds) = extractTiming(body, heading: true)
        heading.seconds = seconds
        heading.setTitle(title)
        return heading
    }
}

// MARK: - Tags

extension ScriptParser {
    static let tagFields: [String: Field] = {
        var table: [String: Field] = [:]
        let groups: [(Field, [String])] = [
            (.visual, ["VISUAL", "VISUALS", "VIDEO", "B ROLL", "BROLL", "ACTION", "SHOT", "IMAGE", "IMAGES", "FOOTAGE",
                       "STOCK FOOTAGE", "CAMERA", "SCENE", "SCENE DESCRIPTION", "DESCRIPTION", "LOCATION", "SETTING",
                       "ANIMATION", "PICTURE"]),
            (.narration, ["VO", "V O", "VOICEOVER", "VOICE OVER", "VOICE", "AUDIO", "NARRATOR", "NARRATION", "NARR", "HOST",
                          "PRESENTER", "ANNOUNCER", "DIALOGUE", "DIALOG", "SPEAKER", "SPOKEN", "TALENT", "SPOKESPERSON", "AVATAR"]),
            (.onScreen, ["ON SCREEN", "ONSCREEN", "ON SCREEN TEXT", "ONSCREEN TEXT", "TEXT ON SCREEN", "TEXT", "TEXT OVERLAY",
                         "OVERLAY", "SUPER", "SUPERS", "SUPER TEXT", "CAPTION", "CAPTIONS", "SUBTITLE", "TITLE", "TITLES",
                         "TITLE CARD", "CARD", "END CARD", "LOWER THIRD", "GRAPHIC", "GRAPHICS", "GFX", "CTA", "HEADLINE",
                         "KINETIC TEXT", "LOGO"]),
            (.sound, ["SFX", "SOUND", "SOUNDS", "SOUND EFFECT", "SOUND EFFECTS", "MUSIC", "FX", "AUDIO FX", "SOUNDTRACK",
                      "BGM", "BACKGROUND MUSIC", "AMBIENCE", "AMBIENT", "SONG"]),
            (.ignored, ["NOTE", "NOTES", "DIRECTOR'S NOTE", "DIRECTORS NOTE", "PRODUCTION NOTE", "COMMENT", "COMMENTS",
                        "TODO", "CLIENT", "BRAND", "PRODUCT", "WRITER", "AUTHOR", "WRITTEN BY", "DATE", "DRAFT", "VERSION",
                        "PROJECT", "CAMPAIGN", "PLATFORM", "FORMAT", "AUDIENCE", "TARGET AUDIENCE", "GOAL", "OBJECTIVE",
                        "TONE", "STYLE", "AGENCY", "CHANNEL", "TRANSITION", "PROPS", "WARDROBE", "CAST"]),
            (.timing, ["DURATION", "LENGTH", "RUNTIME", "RUN TIME", "TIME", "TIMING", "TC", "TIMECODE"]),
        ]
        for (field, names) in groups {
            for name in names { table[name] = field }
        }
        return table
    }()

    /// A tag's lookup key: upper case, no dots, `-` `_` `/` as spaces (`V.O.` → `VO`, `B-roll` → `B ROLL`).
    static func tagKey<S: StringProtocol>(_ name: S) -> String {
        var key = ""
        var space = false
        for character in name.uppercased() {
            switch character {
            case ".": continue
            case "-", "_", "/": space = !key.isEmpty
            case _ where character.isWhitespace: space = !key.isEmpty
            default:
                if space { key.append(" ") }
                space = false
                key.append(character == "’" ? "'" : character)
            }
        }
        return key
    }

    /// Splits a line into its tagged runs. See the type's documentation for the tags.
    static func pieces(_ line: String) -> [Piece] {
        guard let first = line.first else { return [] }
        // Most lines carry no tag at all: no colon, no bracket, no opening quote.
        if !openingQuotes.contains(first), !containsByte(line, UInt8(ascii: ":"), or: UInt8(ascii: "[")) {
            return [Piece(kind: .plain, field: nil, text: line, continues: true)]
        }
        let c = Array(line)
        var pieces: [Piece] = []
        var kind = Piece.Kind.plain
        var field: Field?
        var start = 0
        if let label = leadingLabel(c) {
            if let found = tagFields[tagKey(label.name)] {
                kind = .label
                field = found
                start = label.end
            } else if isSpeaker(label.name) {
                kind = .speaker
                field = .narration
                start = label.end
            }
        }
        if kind == .plain, openingQuotes.contains(c[0]) {
            if let close = c.indices.dropFirst().last(where: { closingQuotes.contains(c[$0]) }) {
                // The quote is the narration; an attribution after it ("— Dana, Austin") is not.
                return [Piece(kind: .quote, field: .narration, text: String(c[1..<close]), continues: false)]
            }
            kind = .quote
            field = .narration
            start = 1
        }
        var buffer = ""
        var pieceStart = start
        func flush() {
            let blank = buffer.allSatisfy(isBlank)
            if kind != .plain || !blank {
                // `VO:` text often wraps onto the next line; a speaker's does only after a bare `MAYA:`.
                pieces.append(Piece(kind: kind, field: field, text: buffer, continues: kind != .speaker || blank))
            }
            buffer = ""
        }
        var i = start
        while i < c.count {
            let character = c[i]
            if character == "[", let close = c[(i + 1)..<min(c.count, i + 120)].firstIndex(of: "]") {
                let inner = c[(i + 1)..<close]
                if let colon = inner.firstIndex(of: ":") {
                    if let found = tagFields[tagKey(String(inner[..<colon]))] {
                        pieces.append(Piece(kind: .insert, field: found, text: String(inner[(colon + 1)...]), continues: false))
                        i = close + 1
                        continue
                    }
                } else if let found = tagFields[tagKey(String(inner))] {
                    flush()
                    kind = .label
                    field = found
                    i = close + 1
                    while i < c.count, c[i] == ":" || isBlank(c[i]) { i += 1 }
                    pieceStart = i
                    continue
                }
            }
            if character == ":", let tag = midLineTag(c, colon: i, from: pieceStart) {
                buffer.removeLast(min(buffer.count, i - tag.start))
                flush()
                kind = .label
                field = tag.field
                i += 1
                pieceStart = i
                continue
            }
            buffer.append(character)
            i += 1
        }
        flush()
        return pieces
    }

    /// `NAME:` or `NAME (note):` at the start of a line: the name and where the text after the colon begins.
    static func leadingLabel(_ c: [Character]) -> (name: String, end: Int)? {
        guard let first = c.first, first.isLetter else { return nil }
        var i = 0
        while i < c.count, i < 40, c[i].isLetter || c[i].isNumber || " .'’-/&".contains(c[i]) { i += 1 }
        let nameEnd = i
        while i < c.count, isBlank(c[i]) { i += 1 }
        if i < c.count, c[i] == "(", let close = c[i..<min(c.count, i + 40)].firstIndex(of: ")") {
            i = close + 1
            while i < c.count, isBlank(c[i]) { i += 1 }
        }
        guard i < c.count, c[i] == ":", i + 1 == c.count || isBlank(c[i + 1]) else { return nil }
        let name = trim(String(c[0..<nameEnd]))
        return name.isEmpty ? nil : (name, i + 1)
    }

    /// An upper-case tag before a colon in the middle of a line (`… VO: …`, `… | SFX: …`).
    static func midLineTag(_ c: [Character], colon: Int, from lower: Int) -> (start: Int, field: Field)? {
        guard colon + 1 == c.count || isBlank(c[colon + 1]) else { return nil }
        var j = colon - 1
        while j >= lower, colon - j <= 24, c[j].isUppercase || c[j] == " " || ".'/-".contains(c[j]) { j -= 1 }
        var start = j + 1
        while start < colon {
            if c[start].isUppercase, start == lower || c[start - 1] == " " || c[start - 1] == "|" {
                if let field = tagFields[tagKey(String(c[start..<colon]))], Slot(field) != nil { return (start, field) }
            }
            start += 1
        }
        return nil
    }

    /// A person's name before a colon: up to four capitalised words (`Maya`, `Dr. Lee`, `SAM`). No digits,
    /// so list labels (`Tip 1:`, `Habit 2:`) stay text.
    static func isSpeaker(_ name: String) -> Bool {
        let words = name.split(whereSeparator: isBlank)
        guard (1...4).contains(words.count), name.count <= 30 else { return false }
        for (index, word) in words.enumerated() {
            if let first = word.first, first.isLetter, first.isUppercase { continue }
            if index > 0, word == "&" { continue }
            return false
        }
        let upper = name.uppercased()
        return !upper.hasSuffix(" TO") && !upper.hasPrefix("FADE ")
    }

    static func startsWithContentTag(_ text: String) -> Bool {
        guard let first = pieces(text).first(where: { $0.kind != .insert }) else { return false }
        return first.kind == .label && first.field.flatMap(Slot.init) != nil
    }
}

// MARK: - Timing annotations

extension ScriptParser {
    struct Time {
        var number: Double
        var unit: Double?
        var clock: Bool
        var seconds: Double { number * (unit ?? 1) }
    }

    enum TimeKind { case duration, clock, range }

    static let units: [String: Double] = [
        "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    ]

    /// A number with an optional unit (`5`, `5.5s`, `8 seconds`, `2 min`) or a clock time (`0:05`, `1:02:03`).
    static func time(_ c: [Character], _ start: Int) -> (time: Time, end: Int)? {
        var i = start
        var whole = 0
        while i < c.count, let d = digit(c[i]) {
            guard i - start < 5 else { return nil }
            whole = whole * 10 + d
            i += 1
        }
        guard i > start else { return nil }
        var groups = [whole]
        while groups.count < 3, i + 2 < c.count, c[i] == ":", let tens = digit(c[i + 1]), let ones = digit(c[i + 2]),
              i + 3 == c.count || digit(c[i + 3]) == nil, tens < 6 {
            groups.append(tens * 10 + ones)
            i += 3
        }
        var fraction = 0.0
        if i + 1 < c.count, c[i] == ".", digit(c[i + 1]) != nil {
            i += 1
            var scale = 0.1
            while i < c.count, let d = digit(c[i]) {
                fraction += Double(d) * scale
                scale /= 10
                i += 1
            }
        }
        if groups.count > 1 {
            let seconds = groups.reduce(0.0) { $0 * 60 + Double($1) } + fraction
            return (Time(number: seconds, unit: nil, clock: true), i)
        }
        let number = Double(whole) + fraction
        var j = i
        while j < c.count, j - i < 2, c[j] == " " { j += 1 }
        var k = j
        while k < c.count, k - j < 8, c[k].isLetter { k += 1 }
        if k > j, k == c.count || !c[k].isLetter, let unit = units[String(c[j..<k]).lowercased()] {
            return (Time(number: number, unit: unit, clock: false), k)
        }
        return (Time(number: number, unit: nil, clock: false), i)
    }

    /// A duration, clock time or range at `start`. Ranges give end − start (nil when not positive); a
    /// range of plain numbers needs a unit on one side (`0-3s`), clock ranges need none.
    static func timeExpression(_ c: [Character], _ start: Int, singles: Bool) -> (seconds: Double?, kind: TimeKind, clock: Bool, end: Int)? {
        guard let (first, afterFirst) = time(c, start) else { return nil }
        var i = afterFirst
        while i < c.count, c[i] == " " { i += 1 }
        var dashed = false
        if i < c.count, "-–—".contains(c[i]) {
            dashed = true
            i += 1
        } else if i + 2 < c.count, c[i] == "t" || c[i] == "T", c[i + 1] == "o" || c[i + 1] == "O", c[i + 2] == " " {
            dashed = true
            i += 2
        }
        if dashed {
            while i < c.count, c[i] == " " { i += 1 }
            if let (second, end) = time(c, i), first.clock == second.clock, first.clock || first.unit != nil || second.unit != nil {
                let unit = second.unit ?? first.unit ?? 1
                let from = first.clock ? first.number : first.number * (first.unit ?? unit)
                let to = second.clock ? second.number : second.number * unit
                return (to > from ? to - from : nil, .range, first.clock, end)
            }
        }
        guard singles else { return nil }
        if first.clock { return (first.seconds, .clock, true, afterFirst) }
        if first.unit != nil { return (first.seconds, .duration, false, afterFirst) }
        return nil
    }

    /// The seconds `text` states when it is nothing but a duration (`8 seconds`, `~5s`, `0:00-0:05`;
    /// with `clock`, also `0:08`).
    static func fullDuration(_ text: String, clock: Bool) -> Double? {
        let c = Array(text.prefix(60))
        var i = 0
        while i < c.count, c[i] == "~" || c[i] == "≈" || isBlank(c[i]) { i += 1 }
        guard i < c.count, digit(c[i]) != nil, let found = timeExpression(c, i, singles: true) else { return nil }
        guard clock || found.kind != .clock else { return nil }
        var end = found.end
        while end < c.count, c[end] == "." || isBlank(c[end]) { end += 1 }
        guard end == c.count, text.count <= 60 else { return nil }
        return sane(found.seconds)
    }

    /// `(30s)` right after an upper-case name: "in his thirties".
    static func isAge(_ c: [Character], open: Int, number: Range<Int>) -> Bool {
        guard number.count == 3, digit(c[number.lowerBound]) != nil, digit(c[number.lowerBound + 1]) != nil,
              c[number.lowerBound + 1] == "0", c[number.upperBound - 1] == "s" else { return false }
        var j = open - 1
        while j >= 0, isBlank(c[j]) { j -= 1 }
        var letters = 0
        while j >= 0, c[j].isLetter {
            guard c[j].isUppercase else { return false }
            letters += 1
            j -= 1
        }
        return letters >= 2
    }

    static func sane(_ seconds: Double?) -> Double? {
        guard let seconds, seconds.isFinite, seconds > 0, seconds <= 86_400 else { return nil }
        return seconds
    }

    /// Removes timing annotations from a line and returns the rest with the first duration found.
    /// In a heading a lone timestamp (`[0:05]`) is a duration and a trailing `— 8 seconds` counts.
    /// With `ages`, `LEO (30s)` is a screenplay character's age, not a duration.
    static func extractTiming(_ line: String, heading: Bool, ages: Bool = false) -> (text: String, seconds: Double?) {
        guard line.contains(where: { digit($0) != nil }) else { return (line, nil) }
        let c = Array(line)
        var keep = [Bool](repeating: true, count: c.count)
        var found: Double?
        func note(_ value: Double?) { if found == nil { found = sane(value) } }
        func remove(_ range: Range<Int>) { for index in range { keep[index] = false } }

        var i = 0
        // A bare number range opens the line: "0-3s: Hook".
        if digit(c[0]) != nil, let range = timeExpression(c, 0, singles: false), !range.clock {
            var j = range.end
            while j < c.count, isBlank(c[j]) { j += 1 }
            if j == c.count || ":|-–—".contains(c[j]) {
                note(range.seconds)
                remove(0..<range.end)
                i = range.end
            }
        }
        while i < c.count {
            let character = c[i]
            if character == "(" || character == "[" {
                let close: Character = character == "(" ? ")" : "]"
                var k = i + 1
                while k < c.count, c[k] == "~" || c[k] == "≈" || isBlank(c[k]) { k += 1 }
                if k < c.count, digit(c[k]) != nil, let found = timeExpression(c, k, singles: true) {
                    var end = found.end
                    while end < c.count, c[end] == "." || isBlank(c[end]) { end += 1 }
                    if end < c.count, c[end] == close, !(ages && isAge(c, open: i, number: k..<found.end)) {
                        if found.kind != .clock || heading { note(found.seconds) }
                        remove(i..<(end + 1))
                        i = end + 1
                        continue
                    }
                }
                i += 1
                continue
            }
            if digit(character) != nil {
                let boundary = i == 0 || !(c[i - 1].isLetter || c[i - 1].isNumber || ":./".contains(c[i - 1]))
                if boundary, let range = timeExpression(c, i, singles: false), range.clock,
                   range.end == c.count || !(c[range.end].isLetter || c[range.end].isNumber) {
                    note(range.seconds)
                    remove(i..<range.end)
                    i = range.end
                    continue
                }
                while i < c.count, digit(c[i]) != nil || c[i] == ":" || c[i] == "." { i += 1 }
                continue
            }
            i += 1
        }
        var text = ""
        for (index, character) in c.enumerated() where keep[index] { text.append(character) }
        text = trim(text)

        // A heading's trailing "— 8 seconds" / "- 8s".
        if heading, let dash = text.lastIndex(where: { "-–—".contains($0) }) {
            let tail = text[text.index(after: dash)...]
            if let value = fullDuration(String(tail), clock: false) {
                note(value)
                text = trim(text[..<dash])
            }
        }
        return (text, found)
    }
}
