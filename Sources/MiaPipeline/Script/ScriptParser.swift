/// Splits a video script into scenes, the way marketers, screenwriters and YouTubers actually write them:
/// the reader of every format without a grammar of its own (`ScriptReader` tries those first). Its lines
/// come from cmark-gfm (`MarkdownLines`): emphasis, links and list markers resolved, structure written one
/// canonical way (`canonical`), list depth and list membership kept beside them.
///
/// **Layouts**, tried in this order (the first that applies decides the format; the others that also apply
/// are named as the alternative reading):
/// 1. `Scene`/`Shot` headings (`Scene 1: Title`, `SCENE 2 — Title`, `## Scene 3`, `**Scene 5**`; also
///    `Beat`, `Segment`, `Section`, `Part`, `Panel`, `Slide`, `Clip`, `Sequence`; numbers may be spelled
///    out; `[SCENE 1]`, `【シーン1】`; French, German, Spanish, Japanese, Arabic keywords) → `.headings`.
///    A heading needs a number, and either a separator after it (`:` `.` `-` `—` `|`),
///    nothing after it, or markdown/bold/upper-case styling, so "Scene 3 opens on…" stays text.
/// 2. (Screenplays — sluglines `INT. KITCHEN - DAY` — are read by `FountainReader`; a slugline here is text.)
/// 3. Two or more lines that start with a time range (`00:00–00:05`, `[0:05-0:12]`, `0-3s:`) → `.timecoded`;
///    else two or more lines that start with increasing timestamps (`[0:00] Intro`, `0:05 Demo`), read as
///    start times: each scene lasts until the next starts (the last until the running time a title block
///    states, else it has no length).
/// 4. Markdown headings: the level used at least twice (the most used; the higher level on a tie) starts
///    scenes; higher-level headings (the document title) only end them → `.headings`.
/// 5. A numbered outline (`1. Title`, `2) Title (0:03-0:15) — content`) → `.outline`: top-level list items
///    (cmark-gfm's) counting up, in lists that open a block of their own; a list inside a paragraph, or
///    items numbered at or below the last starter (a list written flat inside a scene), start nothing. Else
///    two or more top-level bullet items with a bold name or a title before a dash or colon, or a timing
///    (`- **Craft** (6s): Hands…`) → `.outline`. Nested items are the scene's lines.
/// 6. `---` / `***` / `___` / `===` lines with text on both sides → `.separators`; a wholly bold line
///    (`**Habit 1: Stop snoozing**`) between them starts and titles a scene.
/// 7. Two or more wholly bold lines (`**The reveal**`) and no separators → `.headings`.
/// 8. Tagged lines (`VISUAL:`, `[VO]`, `SFX:`…) → `.tags`. A new scene starts at a visual tag (or an
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
/// - Transitions (`CUT TO:`, `FADE IN:`, `FADE OUT.`) are dropped everywhere.
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
enum ScriptParser {
    /// Reads the lines of a script in the line-based formats (everything but tables, subtitles, Fountain
    /// screenplays and FDX, which have readers of their own; see `ScriptReader`).
    /// - Parameter forced: the format `--format` names; nil detects it.
    /// - Returns: nil when `forced` names a layout the script does not have.
    static func read(_ script: ScriptSource, forced: ScriptFormat? = nil) -> LineReading? {
        let markdown = script.markdown
        let lines = zip(script.lines, markdown).map { canonical($0, $1) }
        let kinds = lines.enumerated().map { classify($1, index: $0, markdown: markdown[$0]) }
        let candidates = layouts(lines, kinds, markdown)
        guard let chosen = forced.map({ format in candidates.first { $0.format == format } }) ?? candidates.first else { return nil }
        // Tags and prose read any script with tags or sentences: only another structure is a real alternative.
        let others = candidates.filter { $0.format != chosen.format && $0.format != .prose && $0.format != .tags }
        // One structure alone is a clear reading; two are a guess between them, said as such.
        let confidence = chosen.format == .prose ? (candidates.count == 1 ? 0.9 : 0.4) : others.isEmpty ? 0.9 : 0.6
        return LineReading(format: chosen.format, confidence: confidence, alternative: others.first?.format, drafts: chosen.read)
    }

    /// The line reader's view of a script: its format, how sure, and its scenes, read only when asked for
    /// (another reader may take the script).
    struct LineReading {
        var format: ScriptFormat
        var confidence: Double
        var alternative: ScriptFormat?
        let drafts: () -> [Draft]
    }
}

// MARK: - Layout

extension ScriptParser {
    /// One way to split the script: its format, and the reading (run only for the one chosen).
    struct Layout {
        var format: ScriptFormat
        var read: () -> [Draft]
    }

    /// Every layout that applies to the script, in the order of preference (the first is taken).
    static func layouts(_ lines: [String], _ kinds: [Kind], _ structure: [MarkdownLine]) -> [Layout] {
        var keyword: [Int] = [], timecodes: [Int] = [], bold: [Int] = [], bullets: [Heading] = []
        var stamps: [(index: Int, start: Double)] = []
        var markdown: [Int: [Int]] = [:]
        var numbered: [(index: Int, number: Int)] = []
        var keywordLevels: [Int: [Int]] = [:]
        for (index, kind) in kinds.enumerated() {
            guard case .heading(let heading) = kind else { continue }
            switch heading.style {
            case .keyword:
                keyword.append(index)
                if let level = heading.markdownLevel { keywordLevels[level, default: []].append(index) }
            case .slugline: continue   // FountainReader reads screenplays
            case .timecode: timecodes.append(index)
            case .bold: bold.append(index)
            case .timestamp(let start): stamps.append((index, start))
            case .markdown(let level): markdown[level, default: []].append(index)
            case .numbered(let number): numbered.append((index, number))
            case .bullet: bullets.append(heading)
            }
        }
        var found: [Layout] = []
        func section(_ format: ScriptFormat, _ headed: [Int], breaks: [Int]? = nil, rule: String, kinds: [Kind] = kinds) {
            found.append(Layout(format: format) {
                sectioned(lines, kinds, headed: Set(headed), breaks: Set(breaks ?? headed), rule: rule)
            })
        }
        // `## Intro`, `## Part 1 — Soil`, `## Outro`: the Markdown level reads all of them, the keyword one only.
        let keywordsAreMarkdown = keywordLevels.count == 1 && keywordLevels.first.map { level, lines in
            lines.count == keyword.count && !(markdown[level] ?? []).isEmpty
        } == true
        if keywordsAreMarkdown, let (level, lines) = keywordLevels.first {
            markdown[level] = ((markdown[level] ?? []) + lines).sorted()
        }
        let levels = markdown.filter { $0.value.count >= 2 }
        if !keyword.isEmpty, !keywordsAreMarkdown {
            section(.headings, keyword, rule: "a `Scene N` / `Shot N` heading starts each scene")
        }
        if timecodes.count >= 2 {
            section(.timecoded, timecodes, rule: "a line starting with a time range starts each scene")
        } else if stamps.count >= 2, zip(stamps, stamps.dropFirst()).allSatisfy({ $0.start < $1.start }) {
            // Start times, like a video's chapters: a scene lasts until the next one starts.
            var timed = kinds
            for (this, next) in zip(stamps, stamps.dropFirst()) {
                guard case .heading(var heading) = timed[this.index] else { continue }
                heading.seconds = heading.seconds ?? sane(next.start - this.start)
                timed[this.index] = .heading(heading)
            }
            // The last lasts until the end the title block states (`(YouTube, 1:10)`, `Length: 70s`), when it does.
            if let last = stamps.last, let total = statedLength(lines[..<stamps[0].index]), total > last.start,
               case .heading(var heading) = timed[last.index], heading.seconds == nil {
                heading.seconds = sane(total - last.start)
                timed[last.index] = .heading(heading)
            }
            // `[0:15] END` with nothing after it marks where the last scene ends: a break, not a scene.
            var starts = stamps.map(\.index)
            if let last = stamps.last, case .heading(let heading) = kinds[last.index],
               let title = heading.title, Self.endMarks.contains(title.uppercased()), !lines[(last.index + 1)...].contains(where: { !$0.isEmpty }) {
                starts.removeLast()
                found.append(Layout(format: .timecoded) {
                    sectioned(lines, timed, headed: Set(starts), breaks: Set(starts + [last.index]), rule:
                              "a line starting with a timestamp starts a scene that lasts until the next", endMark: last.index)
                })
            } else {
                section(.timecoded, starts, rule: "a line starting with a timestamp starts a scene that lasts until the next",
                        kinds: timed)
            }
        }
        if let level = levels.max(by: { ($0.value.count, -$0.key) < ($1.value.count, -$1.key) })?.key {
            section(.headings, markdown[level] ?? [], breaks: markdown.filter { $0.key <= level }.flatMap(\.value),
                    rule: "a level-\(level) Markdown heading (`\(String(repeating: "#", count: level)) `) starts each scene")
        }
        if let starters = outlineStarters(numbered, structure) {
            section(.outline, starters, rule: "a numbered outline item starts each scene")
        } else if bullets.filter({ $0.named || $0.seconds != nil }).count >= 2 {
            section(.outline, bullets.map(\.index), rule: "a top-level bullet item with a title or timing starts each scene")
        }
        if hasSeparatedContent(kinds) {
            // `**Title**` lines title (and start) the scenes between separators.
            section(.separators, bold, rule: "`---` separator lines (and bold title lines) split the scenes")
        }
        if bold.count >= 2 {
            section(.headings, bold, rule: "a wholly bold line (`**Title**`) starts each scene")
        }
        let tagged = lines.map { !$0.isEmpty && hasContentTag($0) }
        if let first = tagged.firstIndex(of: true) {
            found.append(Layout(format: .tags) { twoColumn(lines, firstTagged: first) })
        }
        found.append(Layout(format: .prose) { prose(lines) })
        return found
    }

    /// The running time a title block states: a `Length:`/`Duration:` line, or a clock time or duration in its
    /// first line (`Product demo (YouTube, 1:10)`).
    static func statedLength(_ block: ArraySlice<String>) -> Double? {
        guard block.count <= 6 else { return nil }
        for (offset, line) in block.enumerated() where !line.isEmpty {
            if let piece = pieces(stripMarkdown(line)).first, piece.kind == .label, piece.field == .timing {
                return fullDuration(trimPiece(piece.text), clock: true)
            }
            if offset == block.indices.lowerBound - block.startIndex || offset == 0 {
                let c = Array(line)
                for index in c.indices where digit(c[index]) != nil && (index == 0 || !(c[index - 1].isNumber || c[index - 1] == ":")) {
                    if let found = timeExpression(c, index, singles: true), found.kind != .range,
                       found.end == c.count || !(c[found.end].isLetter || c[found.end].isNumber) {
                        return sane(found.seconds)
                    }
                }
            }
        }
        return nil
    }

    /// The numbered items that start scenes in an outline, or nil when the numbers are only a list.
    ///
    /// cmark-gfm says which lines start top-level list items and whether their list opens a block of its own;
    /// a list that interrupts a paragraph (`Three reasons:` then `1. …`) is the paragraph's content. Starters
    /// count up: an item numbered at or below the last starter (`1. 2. 3.` written flat inside item 3) is
    /// content of the scene it sits in.
    static func outlineStarters(_ numbered: [(index: Int, number: Int)], _ markdown: [MarkdownLine]) -> [Int]? {
        var starters: [(index: Int, number: Int)] = []
        for entry in numbered where markdown[entry.index].list != nil && markdown[entry.index].listOpensBlock {
            if let last = starters.last, entry.number <= last.number { continue }
            starters.append(entry)
        }
        return starters.count >= 2 ? starters.map(\.index) : nil
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
    /// Words that end a timed script (`[0:15] END`).
    static let endMarks: Set<String> = ["END", "THE END", "FIN", "ENDE", "FINE", "OUT", "END OF VIDEO"]

    /// - Parameter endMark: a line that only ends the scene before it (`[0:15] END`), left out as such.
    static func sectioned(_ lines: [String], _ kinds: [Kind], headed: Set<Int>, breaks: Set<Int>, rule: String,
                          endMark: Int? = nil) -> [Draft] {
        var drafts: [Draft] = []
        var start = 0
        var heading: Heading?
        var leading = true
        /// A heading that only ends scenes (a document title above the scene headings): left out, said so.
        var unheaded: [LeftOutText] = []
        let hasSeparator = kinds.contains { if case .separator = $0 { true } else { false } }
        func close(_ end: Int) {
            let body = lines[start..<end]
            if leading, body.allSatisfy(\.isEmpty) { return }
            var draft = generalDraft(heading, body, from: start)
            draft.rule = heading == nil && leading && !headed.isEmpty && !hasSeparator ? "text before the first scene heading" : rule
            draft.leftOut = unheaded + draft.leftOut
            unheaded = []
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
            if headed.contains(index), case .heading(let found) = kinds[index] {
                heading = found
            } else if !isSeparator {
                unheaded.append(LeftOutText(line: index + 1, text: stripMarkdown(lines[index]),
                                            reason: index == endMark ? "end mark" : "document title"))
            }
        }
        close(lines.count)
        return drafts
    }

    /// One scene's lines (0-based from `first`) under its heading, read with the tag rules.
    static func generalDraft(_ heading: Heading?, _ body: ArraySlice<String>, from first: Int) -> Draft {
        var reader = Reader(splitting: false, lead: .visual)
        reader.current = Draft(heading)
        var body = body
        // A segment without a heading may open with a bold or markdown line: that is its title.
        if heading == nil, let first = body.firstIndex(where: { !$0.isEmpty }), let title = titleLine(body[first]) {
            reader.current.title = title
            reader.current.hasHeading = true
            reader.current.headingLine = body[first]
            reader.current.cover(first)
            body = body[(first + 1)...]
        }
        if let heading, let line = heading.body { reader.read(line, line: heading.index) }
        for index in body.indices { reader.read(body[index], line: index) }
        var draft = reader.finish().first ?? Draft(heading)
        if let seconds = heading?.seconds { draft.seconds = seconds }
        if let start = heading?.start { draft.start = start }
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
        } else if line.contains(where: \.isUppercase), !line.contains(where: \.isLowercase), wordCount(line) <= 5,
                  let last = line.last, last.isLetter || last.isNumber, !line.contains(":") {
            text = Substring(line)   // `COLD OPEN`: a label in capitals over the scene
        } else {
            return nil
        }
        let title = collapse(extractTiming(String(text), heading: true).text)
        return title.isEmpty || startsWithContentTag(title) ? nil : title
    }

    static func twoColumn(_ lines: [String], firstTagged: Int) -> [Draft] {
        let lead = leadingSlot(lines[firstTagged...])
        var reader = Reader(splitting: true, lead: lead, rule: lead == .visual
                            ? "a picture line after narration starts a new scene (tagged two-column script)"
                            : "a narration tag after a picture starts a new scene (tagged script, words first)")
        var start = 0
        if isTitleBlock(lines[..<firstTagged]) {
            for index in 0..<firstTagged where !lines[index].isEmpty {
                reader.current.leaveOut(stripMarkdown(lines[index]), line: index, reason: "title block")
            }
            start = firstTagged
        }
        for index in start..<lines.count { reader.read(lines[index], line: index) }
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
