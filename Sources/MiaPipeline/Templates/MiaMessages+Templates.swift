import Foundation

/// What Mia says about a template card she could not draw as asked.
extension MiaMessages {
    /// - Parameters:
    ///   - characters: the characters left out (the first few).
    ///   - scripts: their scripts' names ("Devanagari"), and for each a Debian package with a font for it.
    public static func missingGlyphs(_ characters: String, scripts: [(name: String, package: String)]) -> String {
        let names = scripts.map(\.name).joined(separator: ", ")
        let packages = Array(Set(scripts.map(\.package))).sorted().joined(separator: " or ")
        return "The card's fonts have no glyphs for \(names) (\(characters)), so those characters are left out. "
            + "Install \(packages.isEmpty ? "fonts-noto-core" : packages) or pass --font."
    }
}
