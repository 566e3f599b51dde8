/// One scene of a script, as the writer meant it: what we see, what is said, what is written on screen.
public struct Scene: Sendable, Codable, Equatable {
    /// 1-based, in script order (renumbered: a script's own numbering may skip or repeat).
    public var number: Int
    /// The heading's title ("Hook", "INT. KITCHEN - DAY"), or a short title made from the content.
    public var title: String
    /// What the picture shows: action lines, `VISUAL:` / `[VISUAL]` text, descriptions.
    public var visual: String
    /// What is spoken: voiceover (`VO:`, `[VO]`, `NARRATOR:`) and dialogue.
    public var narration: String
    /// Text shown on screen (`ON SCREEN:`, `TEXT:`, `SUPER:`, `CAPTION:`).
    public var onScreenText: String
    /// Sound effects and music cues (`SFX:`, `MUSIC:`).
    public var soundEffects: String
    /// Seconds from a timing annotation (`(5s)`, `[0:05]`, `00:00–00:05`, `— 8 seconds`), which
    /// wins over any estimate.
    public var annotatedSeconds: Double?
    /// Where the scene starts on the script's own clock (a time range or a subtitle cue), when it says.
    public var annotatedStart: Double?
    /// The narration line by line, with who says it (nil: the narrator). Joined, it is `narration`.
    public var dialogue: [SpokenLine]
    /// Where in the script the scene came from and the rule that made it a scene.
    public var source: SceneSource?
    /// A file of the user's own the scene shows (`![description](path)`), instead of a generated picture.
    public var media: SceneMedia?

    public init(number: Int, title: String, visual: String = "", narration: String = "", onScreenText: String = "",
                soundEffects: String = "", annotatedSeconds: Double? = nil, annotatedStart: Double? = nil,
                dialogue: [SpokenLine] = [], source: SceneSource? = nil) {
        self.number = number
        self.title = title
        self.visual = visual
        self.narration = narration
        self.onScreenText = onScreenText
        self.soundEffects = soundEffects
        self.annotatedSeconds = annotatedSeconds
        self.annotatedStart = annotatedStart
        self.dialogue = dialogue
        self.source = source
        media = nil
    }

    /// Words spoken in the scene.
    public var narrationWords: Int { narration.split { $0.isWhitespace }.count }

    private enum CodingKeys: String, CodingKey {
        case number, title, visual, narration, onScreenText, soundEffects, annotatedSeconds, annotatedStart, dialogue, source, media
    }

    // Plans written before `dialogue` and `source` existed still load.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        number = try container.decode(Int.self, forKey: .number)
        title = try container.decode(String.self, forKey: .title)
        visual = try container.decode(String.self, forKey: .visual)
        narration = try container.decode(String.self, forKey: .narration)
        onScreenText = try container.decode(String.self, forKey: .onScreenText)
        soundEffects = try container.decode(String.self, forKey: .soundEffects)
        annotatedSeconds = try container.decodeIfPresent(Double.self, forKey: .annotatedSeconds)
        annotatedStart = try container.decodeIfPresent(Double.self, forKey: .annotatedStart)
        dialogue = try container.decodeIfPresent([SpokenLine].self, forKey: .dialogue) ?? []
        source = try container.decodeIfPresent(SceneSource.self, forKey: .source)
        media = try container.decodeIfPresent(SceneMedia.self, forKey: .media)
    }
}

/// One spoken line: who says it (nil for a narrator or voiceover) and the words.
public struct SpokenLine: Sendable, Codable, Equatable {
    public var speaker: String?
    public var text: String
    /// The script line it came from (1-based).
    public var line: Int

    public init(speaker: String?, text: String, line: Int) {
        self.speaker = speaker
        self.text = text
        self.line = line
    }
}

/// The lines of the script a scene came from, and why they make one scene.
public struct SceneSource: Sendable, Codable, Equatable {
    /// 1-based, inclusive.
    public var firstLine: Int
    public var lastLine: Int
    /// The rule that split here, in words ("a `## ` heading (level 2) starts each scene").
    public var rule: String

    public init(firstLine: Int, lastLine: Int, rule: String) {
        self.firstLine = firstLine
        self.lastLine = lastLine
        self.rule = rule
    }
}

/// Text of the script that is in no scene, on purpose: a title page, a note, a transition, a table header.
public struct LeftOutText: Sendable, Codable, Equatable {
    /// 1-based script line.
    public var line: Int
    public var text: String
    /// Why it is left out ("title page", "note", "transition").
    public var reason: String

    public init(line: Int, text: String, reason: String) {
        self.line = line
        self.text = text
        self.reason = reason
    }
}

/// How a script was laid out, as the reader recognized it (or as `--format` forced it).
public enum ScriptFormat: String, Sendable, Codable, CaseIterable {
    /// `Scene 1: Title`, `SCENE 2 — Title`, `## Scene 3`, `Shot 4`, `[SCENE 1]`, Markdown headings, bold titles.
    case headings
    /// Numbered or bulleted outlines: `1. Hook (0:00-0:03) — …`, `- **Craft** (6s): …` with nested lines.
    case outline
    /// A Markdown table, one row per scene (`| Scene | Visual | Voiceover | Time |`).
    case table
    /// Comma-separated values with a header row, one row per scene.
    case csv
    /// Tab-separated values with a header row, one row per scene.
    case tsv
    /// Tagged lines: `[VISUAL] … [VO] …`, `VISUAL:` / `VO:` / `SFX:` lines.
    case tags
    /// A screenplay: sluglines (`INT. KITCHEN - DAY`), characters and dialogue; Fountain syntax included.
    case screenplay
    /// A Final Draft `.fdx` file.
    case fdx
    /// SubRip cues (`00:00:04,000 --> 00:00:09,000`), one scene a cue.
    case srt
    /// WebVTT cues, one scene a cue.
    case vtt
    /// Lines that start with a time range or a timestamp (`00:00–00:05`, `[0:05]`).
    case timecoded
    /// Scenes separated by `---` lines.
    case separators
    /// Plain prose, split into paragraphs.
    case prose
    /// Nothing to split (empty or whitespace only).
    case empty

    /// The formats `--format` accepts, with the other names people use for them.
    public static func named(_ name: String) -> ScriptFormat? {
        let key = name.lowercased()
        if let format = ScriptFormat(rawValue: key), format != .empty { return format }
        return aliases[key]
    }

    static let aliases: [String: ScriptFormat] = [
        "fountain": .screenplay, "markdown-table": .table, "webvtt": .vtt, "subrip": .srt, "two-column": .tags,
        "twocolumn": .tags, "av": .table, "list": .outline, "timecode": .timecoded, "heading": .headings,
        "final-draft": .fdx, "finaldraft": .fdx,
    ]

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        // "twoColumn" is what plans written before the `tags` name say.
        guard let format = ScriptFormat(rawValue: raw) ?? (raw == "twoColumn" ? .tags : nil) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown script format \(raw)"))
        }
        self = format
    }
}

/// How sure the reader is of the format, and the other reading when it was a close call.
public struct FormatDetection: Sendable, Codable, Equatable {
    public var format: ScriptFormat
    /// 0…1: how much of the script the format's structure explains.
    public var confidence: Double
    /// Forced with `--format` (or a manifest's `format:`).
    public var forced: Bool
    /// Another format that also reads this script, when there is one.
    public var alternative: ScriptFormat?

    public init(format: ScriptFormat, confidence: Double, forced: Bool = false, alternative: ScriptFormat? = nil) {
        self.format = format
        self.confidence = confidence
        self.forced = forced
        self.alternative = alternative
    }
}

/// The scenes of a script and how they were found.
public struct ParsedScript: Sendable, Codable, Equatable {
    public var format: ScriptFormat
    public var scenes: [Scene]
    public var detection: FormatDetection
    /// Text in no scene, on purpose, with the reason.
    public var leftOut: [LeftOutText]
    /// Timing problems found while reading (overlapping or gapped time ranges), with their lines.
    public var timingWarnings: [String]

    public init(format: ScriptFormat, scenes: [Scene], detection: FormatDetection? = nil, leftOut: [LeftOutText] = [],
                timingWarnings: [String] = []) {
        self.format = format
        self.scenes = scenes
        self.detection = detection ?? FormatDetection(format: format, confidence: format == .empty ? 0 : 1)
        self.leftOut = leftOut
        self.timingWarnings = timingWarnings
    }
}
