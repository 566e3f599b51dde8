import Foundation

/// What a narrated video gets of its narration as text (`--captions`, `captions:` in a manifest).
public enum CaptionMode: String, Sendable, Codable, CaseIterable, NamedValue {
    /// No captions.
    case none
    /// `NAME.srt` and `NAME.vtt` beside the video: the default whenever there is narration.
    case sidecar
    /// The sidecar files, and a subtitle track in the video (mov_text in MP4/MOV, SubRip in MKV).
    case soft
    /// The sidecar files, and the captions drawn into the picture (libass; `CaptionAppearance`).
    case burn

    /// The word messages use for these values.
    public static let optionName = "captions mode"

    var writesSidecars: Bool { self != .none }
}
