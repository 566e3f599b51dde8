import Foundation

/// What a narrated video gets of its narration as text (`--captions`, `captions:` in a manifest).
public enum CaptionMode: String, Sendable, Codable, CaseIterable {
    /// No captions.
    case none
    /// `NAME.srt` and `NAME.vtt` beside the video: the default whenever there is narration.
    case sidecar
    /// The sidecar files, and a subtitle track in the video (mov_text in MP4/MOV, SubRip in MKV).
    case soft
    /// The sidecar files, and the captions drawn into the picture (libass; `CaptionAppearance`).
    case burn

    /// The accepted values, for help and messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")

    /// - Throws: `MiaError` naming the accepted values.
    public init(parsing text: String) throws {
        guard let mode = CaptionMode(rawValue: text.lowercased()) else {
            throw MiaError("unknown captions mode \"\(text)\" (use \(Self.names))")
        }
        self = mode
    }

    var writesSidecars: Bool { self != .none }
}
