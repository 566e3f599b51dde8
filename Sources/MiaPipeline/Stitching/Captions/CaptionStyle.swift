import Foundation

/// How burned captions look (`--caption-style`).
public enum CaptionStyle: String, Sendable, Codable, CaseIterable, NamedValue {
    /// At the bottom, up to two lines, white with a dark outline: broadcast subtitles.
    case subtitle
    /// A few words at a time, larger and bold, the word being spoken highlighted: the short-form look.
    case karaoke

    public static let optionName = "caption style"
}

/// What burned captions are drawn with: a style and a font. Stored in the plan, so whoever stitches it
/// (a worker too) draws the same.
public struct CaptionAppearance: Sendable, Codable, Equatable {
    public var style: CaptionStyle
    /// An installed font family or a font file (`CaptionFont.resolve`); nil: `CaptionFont.defaultFamily`.
    public var font: String?

    public init(style: CaptionStyle = .subtitle, font: String? = nil) {
        self.style = style
        self.font = font
    }
}
