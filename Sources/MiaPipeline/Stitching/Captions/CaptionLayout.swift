/// Where and how large burned captions are drawn in a frame: inside the platform's safe area for
/// the frame's shape, at a size that a line of the style's length fits across.
///
/// - 9:16 and other tall frames: TikTok, Instagram Reels and YouTube Shorts lay their own caption,
///   account name and music line over the bottom fifth, and a column of buttons down the right. Captions
///   stay above the bottom quarter and clear of the right sixth.
/// - Square and 4:5: a tenth at the bottom, as feeds crop and overlay little there.
/// - 16:9 and wider: inside the title-safe area (the middle 90 %), a little higher at the bottom for
///   players' control bars.
struct CaptionLayout: Equatable {
    let width: Int
    let height: Int
    let marginLeft: Int
    let marginRight: Int
    let marginBottom: Int
    /// Pixel height of the font (ASS `Fontsize` with `PlayResY` = the frame's height).
    let fontSize: Int
    /// Grapheme clusters a line holds at that size (a CJK character counts as two).
    let lineLength: Int

    enum Shape { case tall, square, wide }

    /// Average advance of a Latin character, in ems: DejaVu Sans runs wide, about 0.55 em on text; a
    /// little more keeps lines off the margins in other fonts. CJK characters are one em.
    static let latinAdvance = 0.6

    init(width: Int, height: Int, style: CaptionStyle) {
        self.width = width
        self.height = height
        let shape: Shape = Double(height) / Double(width) >= 1.4 ? .tall : Double(width) / Double(height) >= 1.4 ? .wide : .square
        let w = Double(width), h = Double(height)
        switch shape {
        case .tall:
            marginLeft = Int(w * 0.06)
            marginRight = Int(w * 0.17)
            marginBottom = Int(h * 0.25)
        case .square:
            marginLeft = Int(w * 0.06)
            marginRight = Int(w * 0.06)
            marginBottom = Int(h * 0.10)
        case .wide:
            marginLeft = Int(w * 0.05)
            marginRight = Int(w * 0.05)
            marginBottom = Int(h * 0.08)
        }
        // The text's height follows the frame's shorter side (a phone held upright reads the same size),
        // larger for karaoke's few words.
        let base = min(w, h) * (style == .karaoke ? 0.085 : 0.05)
        fontSize = max(12, Int(base.rounded()))
        let usable = Double(width - marginLeft - marginRight)
        let fits = Int(usable / (Double(fontSize) * Self.latinAdvance))
        lineLength = max(8, min(style == .karaoke ? 18 : 42, fits))
    }

    /// The rectangle every caption stays inside: between the side margins, above the bottom margin.
    var safeArea: (x: Range<Int>, y: Range<Int>) {
        (marginLeft..<(width - marginRight), 0..<(height - marginBottom))
    }

    /// Clusters a line holds for `language`: half as many for Chinese, Japanese and Korean.
    func lineLength(language: String?) -> Int {
        CaptionBuilder.isWide(language) ? max(4, Int(Double(lineLength) * Self.latinAdvance)) : lineLength
    }
}
