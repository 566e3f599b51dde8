import Foundation

/// A file of the user's own that a scene shows instead of a generated picture: a line
/// `![description](path)` inside the scene, in any script format.
///
/// A video becomes the scene's picture (trimmed or looped to the scene's length, its sound kept and
/// ducked under the narration); an image becomes a still with a slow Ken Burns zoom. Either costs nothing.
public struct SceneMedia: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case video, image
    }

    /// The Markdown description (`![a beach at dawn](…)`): kept for the record, never spoken or shown.
    public var description: String
    /// As written in the script (relative to the script's folder, or absolute); in a plan, relative to the
    /// plan's folder when the file lies inside it, else absolute (see `PlanFiles.mediaPath`).
    public var path: String
    /// The script line it was written on (1-based).
    public var line: Int
    public var kind: Kind

    public init(description: String, path: String, line: Int) {
        self.description = description
        self.path = path
        self.line = line
        kind = Self.kind(of: path)
    }

    /// Extensions read as still images; every other file is treated as video (an animated GIF included).
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"]

    static func kind(of path: String) -> Kind {
        imageExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased()) ? .image : .video
    }

    /// `line` as a media line: the whole line (trimmed) is `![description](path)`, the path optionally in
    /// `<…>` and followed by a `"title"`. Anything else on the line makes it ordinary text.
    static func parse(_ line: String, number: Int) -> SceneMedia? {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("!["), text.hasSuffix(")"), let close = text.range(of: "](") else { return nil }
        let description = String(text[text.index(text.startIndex, offsetBy: 2)..<close.lowerBound])
        guard !description.contains("]") else { return nil }
        var target = text[close.upperBound..<text.index(before: text.endIndex)].trimmingCharacters(in: .whitespaces)
        if target.hasPrefix("<"), let end = target.firstIndex(of: ">") {
            target = String(target[target.index(after: target.startIndex)..<end])
        } else if let space = target.firstIndex(of: " ") {
            target = String(target[..<space])   // `path "title"`
        }
        guard !target.isEmpty else { return nil }
        return SceneMedia(description: description, path: target.removingPercentEncoding ?? target, line: number)
    }

    /// The script without its media lines (each blanked, so every other line keeps its number), and the
    /// media lines found. Taken out before any reader sees the script: they are neither narration nor text.
    static func extract(_ text: String) -> (text: String, media: [SceneMedia]) {
        guard text.contains("![") else { return (text, []) }
        var media: [SceneMedia] = []
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        for index in lines.indices {
            if let found = parse(lines[index], number: index + 1) {
                media.append(found)
                lines[index] = ""
            }
        }
        return media.isEmpty ? (text, []) : (lines.joined(separator: "\n"), media)
    }

    /// Gives each media line to the scene it is written in: the last scene that starts at or before it (the
    /// first scene for a line above every scene).
    /// - Throws: `MiaError` naming the script and the line of a second file in one scene (a scene shows one).
    static func attach(_ media: [SceneMedia], to scenes: inout [Scene], script name: String) throws {
        guard !scenes.isEmpty else { return }
        for item in media {
            let index = scenes.lastIndex { ($0.source?.firstLine ?? 0) <= item.line } ?? 0
            if let earlier = scenes[index].media {
                throw MiaError(file: name, "line \(item.line): scene \(scenes[index].number) already shows \(earlier.path) "
                               + "(line \(earlier.line)); a scene shows one file of your own")
            }
            scenes[index].media = item
        }
    }
}
