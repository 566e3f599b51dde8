import CFontconfig
import Foundation

/// The font burned captions are drawn in. libass finds fonts through fontconfig, so a name is one of
/// the families fontconfig knows; a font file is given to libass by its folder (`fontsdir`) and drawn
/// by the family name inside it. Characters the font lacks (Devanagari, CJK) come from fontconfig's
/// fallback, as in any libass player.
public struct CaptionFont: Sendable, Equatable {
    /// The family the ASS style names.
    public var family: String
    /// The folder of a font file given by path; nil for an installed family.
    public var directory: String?

    /// Installed by scripts/setup (fonts-dejavu-core), as for template cards.
    public static let defaultFamily = "DejaVu Sans"

    /// - Parameter text: a family name ("DejaVu Serif") or a path to a font file; nil: the default.
    /// - Throws: `MiaError` naming the font and listing the installed families when it does not exist,
    ///   or naming the file when it is not a font.
    public static func resolve(_ text: String?) throws -> CaptionFont {
        let name = text ?? defaultFamily
        if name.contains("/") || FileManager.default.fileExists(atPath: name) {
            return try file(name)
        }
        let families = installedFamilies()
        guard let family = families.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else {
            let listed = families.isEmpty ? "none: install fonts-dejavu-core" : families.joined(separator: ", ")
            throw MiaError("caption font \"\(name)\" is not installed (installed: \(listed); or give a font file's path)")
        }
        return CaptionFont(family: family, directory: nil)
    }

    /// A font file: its family name, read by FreeType, and its folder.
    private static func file(_ path: String) throws -> CaptionFont {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isFolder) else {
            throw MiaError(file: path, "caption font not found")
        }
        guard !isFolder.boolValue else { throw MiaError(file: path, "is a folder, not a font file") }
        let face = try FontFace(library: FontLibrary(), path: absolute)
        guard let family = face.familyName, !family.isEmpty else { throw MiaError(file: path, "names no font family") }
        return CaptionFont(family: family, directory: URL(fileURLWithPath: absolute).deletingLastPathComponent().path)
    }

    /// The characters of `text` that no installed font has, in order, each once: libass would draw them as
    /// empty boxes (it falls back through every font fontconfig knows, so one font having them is enough).
    public static func uncovered(_ text: String) -> [Unicode.Scalar] {
        let needed = text.unicodeScalars.filter { !$0.properties.isWhitespace && !$0.properties.isDefaultIgnorableCodePoint
            && $0.properties.generalCategory != .control }
        guard !needed.isEmpty, let pattern = FcPatternCreate() else { return [] }
        defer { FcPatternDestroy(pattern) }
        guard let properties = FcObjectSetCreate() else { return [] }
        defer { FcObjectSetDestroy(properties) }
        FcObjectSetAdd(properties, mia_fc_charset)
        guard let list = FcFontList(nil, pattern, properties), let covered = FcCharSetCreate() else { return [] }
        defer {
            FcFontSetDestroy(list)
            FcCharSetDestroy(covered)
        }
        for index in 0..<Int(list.pointee.nfont) {
            var charset: OpaquePointer?
            if let font = list.pointee.fonts[index], FcPatternGetCharSet(font, mia_fc_charset, 0, &charset) == FcResultMatch, let charset {
                FcCharSetMerge(covered, charset, nil)
            }
        }
        var seen = Set<Unicode.Scalar>()
        return needed.filter { FcCharSetHasChar(covered, $0.value) == 0 && seen.insert($0).inserted }
    }

    /// Every family fontconfig knows, sorted, each once.
    public static func installedFamilies() -> [String] {
        guard let pattern = FcPatternCreate() else { return [] }
        defer { FcPatternDestroy(pattern) }
        guard let properties = FcObjectSetCreate() else { return [] }
        defer { FcObjectSetDestroy(properties) }
        FcObjectSetAdd(properties, mia_fc_family)
        // nil: the default configuration, loaded on first use.
        guard let list = FcFontList(nil, pattern, properties) else { return [] }
        defer { FcFontSetDestroy(list) }
        var families = Set<String>()
        for index in 0..<Int(list.pointee.nfont) {
            guard let font = list.pointee.fonts[index] else { continue }
            var value: UnsafeMutablePointer<FcChar8>?
            // A font names its family in several languages; the first is the one fontconfig matches on.
            if FcPatternGetString(font, mia_fc_family, 0, &value) == FcResultMatch, let value {
                families.insert(String(cString: value))
            }
        }
        return families.sorted()
    }
}
