/// A plan's narration as captions are made from it: per clip, in stitch order, its scene, lead-in and
/// word timings (nil for a clip nobody speaks over). Where the clips land on the video's timeline is
/// known only to the stitch, which asks for the cues with their spans.
public struct CaptionSource: Sendable {
    public struct Clip: Sendable {
        public var scene: Int
        public var leadIn: Double
        public var words: [WordTiming]

        public init(scene: Int, leadIn: Double, words: [WordTiming]) {
            self.scene = scene
            self.leadIn = leadIn
            self.words = words
        }
    }

    /// ISO 639-1 ("en"), nil when not known.
    public var language: String?
    public var clips: [Clip?]

    public init(language: String?, clips: [Clip?]) {
        self.language = language
        self.clips = clips
    }

    /// The cues, for clips spanning `spans` (seconds on the video's timeline, one per clip).
    /// - Parameter lineLength: a shorter line than the norm (`CaptionBuilder`), for a narrow picture.
    func cues(spans: [(start: Double, end: Double)], lineLength: Int? = nil) -> [CaptionCue] {
        CaptionBuilder(language: language, lineLength: lineLength).cues(zip(clips, spans).compactMap { clip, span in
            clip.map { CaptionScene(scene: $0.scene, start: span.start, end: span.end, leadIn: $0.leadIn, words: $0.words) }
        })
    }
}

/// Captions drawn into the picture (`--captions burn`): the narration, how the captions look, and the
/// font, checked.
public struct BurnedCaptions: Sendable {
    public var source: CaptionSource
    public var style: CaptionStyle
    public var font: CaptionFont

    public init(source: CaptionSource, style: CaptionStyle, font: CaptionFont) {
        self.source = source
        self.style = style
        self.font = font
    }

    /// Said when some spoken characters have no glyph in any installed font (libass draws boxes there):
    /// their scripts, and the Debian packages with fonts for them. Nil when every character can be drawn.
    var missingGlyphs: String? {
        let text = source.clips.compactMap { $0 }.flatMap(\.words).map(\.word).joined(separator: " ")
        let missing = CaptionFont.uncovered(text)
        guard !missing.isEmpty else { return nil }
        var scripts: [WritingScript] = []
        for scalar in missing {
            let script = WritingScript(of: scalar)
            if !scripts.contains(script) { scripts.append(script) }
        }
        // Punctuation such as 。 belongs to no script of its own: it comes with the script's fonts.
        if scripts.contains(where: { !$0.isShared }) { scripts.removeAll(where: \.isShared) }
        let packages = Array(Set(scripts.map(\.fontPackage))).sorted().joined(separator: " or ")
        return "no installed font has glyphs for \(scripts.map(\.name).joined(separator: ", ")) "
            + "(\(String(String.UnicodeScalarView(missing.prefix(8))))): the burned captions show empty boxes there; "
            + "install \(packages) or pass --caption-font with a font that has them"
    }

    /// The ASS script for clips at `spans` in a `width`×`height` picture: lines as long as the frame holds
    /// at the style's size, inside its safe area.
    func script(spans: [(start: Double, end: Double)], width: Int, height: Int) -> (text: String, cues: Int) {
        let layout = CaptionLayout(width: width, height: height, style: style)
        let cues = source.cues(spans: spans, lineLength: layout.lineLength(language: source.language))
        return (CaptionScript(layout: layout, style: style, font: font).text(cues), cues.count)
    }
}
