import Foundation

/// What Mia says about a template card she could not draw as asked.
extension MiaMessages {
    public static func missingGlyphs(_ characters: String) -> String {
        "The card's fonts have no glyphs for \(characters), so those characters are left out. Install fonts-noto-cjk or pass --font."
    }
}
