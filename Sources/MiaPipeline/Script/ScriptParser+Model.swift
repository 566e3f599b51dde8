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
            /// A top-level bullet item (from cmark-gfm's list structure).
            case bullet
        }

        var style: Style
        var line: String
        /// 0-based index of the heading's line in the script (set by `classify`).
        var index = 0
        /// Where the scene starts on the script's clock, for a heading that gives a time range or timestamp.
        var start: Double?
        var title: String?
        var seconds: Double?
        /// Content written on the heading line itself (`00:00–00:05 | VISUAL: … | VO: …`).
        var body: String?
        /// The title as written, punctuation kept, for a heading that turns out to be content.
        var text: String?
        /// The Markdown level of a keyword heading written as one (`## Scene 3`).
        var markdownLevel: Int?
        /// An outline item that names itself: a bold lead (`**Craft**`) or a short title before a dash or colon.
        var named = false

        /// For an outline item: a short title before ` — `, ` – `, ` - ` or `: ` and the content after it
        /// (`Hook — Close-up of a phone`); otherwise the whole text is the title (or content, when long).
        mutating func setTitleAndBody(_ raw: String) {
            let written = collapse(raw)
            for mark in [" — ", " – ", " - ", ": ", "— ", " —"] {
                guard let range = written.range(of: mark) else { continue }
                let title = trim(written[..<range.lowerBound])
                let body = trim(written[range.upperBound...])
                guard !title.isEmpty, !body.isEmpty, wordCount(title) <= 6, !startsWithContentTag(written) else { continue }
                setTitle(title)
                self.body = body
                named = true
                return
            }
            setTitle(written)
        }

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
        /// 0-based script line the text came from.
        var line: Int
        /// Who speaks it (a screenplay character, `MAYA:`); nil for a narrator and for other fields.
        var speaker: String? = nil
        /// The tag it was written under (`AUDIO`), when there was one.
        var label: String? = nil
    }

    /// A scene being assembled, before untagged lines are resolved and fields joined.
    struct Draft {
        var title: String?
        var titleText: String?
        var hasHeading = false
        var isSlugline = false
        /// Started by an outline item or a timecoded line, whose text is content when nothing is under it.
        var isLineItem = false
        var headingLine = ""
        var items: [Item] = []
        var seconds: Double?
        var hasNarration = false
        var hasVisual = false
        var isTitleBlock = false
        /// Where the scene starts on the script's clock (a time range, a cue), when the script says.
        var start: Double?
        /// 0-based script lines the scene covers.
        var lines: ClosedRange<Int>?
        /// Why these lines are one scene (see `SceneSource.rule`).
        var rule = ""
        /// Text of these lines that goes in no field, on purpose.
        var leftOut: [LeftOutText] = []

        init(_ heading: Heading? = nil, rule: String = "") {
            self.rule = rule
            guard let heading else { return }
            cover(heading.index)
            title = heading.title
            titleText = heading.text
            hasHeading = true
            isSlugline = heading.style == .slugline
            switch heading.style {
            case .numbered, .bullet, .timecode, .timestamp: isLineItem = true
            default: break
            }
            headingLine = heading.line
            seconds = heading.seconds
        }

        mutating func cover(_ line: Int) {
            lines = lines.map { min($0.lowerBound, line)...max($0.upperBound, line) } ?? line...line
        }

        mutating func leaveOut(_ text: String, line: Int, reason: String) {
            let text = collapse(text)
            guard !text.isEmpty else { return }
            leftOut.append(LeftOutText(line: line + 1, text: text, reason: reason))
        }

        mutating func add(_ slot: Slot, _ text: String, line: Int, speaker: String? = nil, label: String? = nil) {
            guard !text.isEmpty else { return }
            cover(line)
            items.append(Item(slot: slot, text: text, line: line, speaker: speaker, label: label))
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
        /// The label or speaker name before the colon (`MAYA`, `NOTE`), when there is one.
        var name: String? = nil
        /// A parenthetical between the name and the colon (`Kunde (O-Ton):`): direction, left out.
        var aside: String? = nil
        /// Whether a following untagged line continues this piece.
        var continues: Bool
    }
}
