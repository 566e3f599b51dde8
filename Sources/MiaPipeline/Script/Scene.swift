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

    public init(number: Int, title: String, visual: String = "", narration: String = "", onScreenText: String = "",
                soundEffects: String = "", annotatedSeconds: Double? = nil) {
        self.number = number
        self.title = title
        self.visual = visual
        self.narration = narration
        self.onScreenText = onScreenText
        self.soundEffects = soundEffects
        self.annotatedSeconds = annotatedSeconds
    }

    /// Words spoken in the scene.
    public var narrationWords: Int { narration.split { $0.isWhitespace }.count }
}

/// How a script was laid out, as the parser recognized it.
public enum ScriptFormat: String, Sendable, Codable {
    /// `Scene 1: Title`, `SCENE 2 — Title`, `## Scene 3`, `Shot 4`, numbered `1.` outlines.
    case headings
    /// Screenplay sluglines: `INT. KITCHEN - DAY`.
    case screenplay
    /// Two-column style tags: `[VISUAL] … [VO] …`, `VISUAL:` / `VO:` lines.
    case twoColumn
    /// Scenes separated by `---` lines.
    case separators
    /// Plain prose, split into paragraphs.
    case prose
    /// Nothing to split (empty or whitespace only).
    case empty
}

/// The scenes of a script and how they were found.
public struct ParsedScript: Sendable, Codable, Equatable {
    public var format: ScriptFormat
    public var scenes: [Scene]
}
