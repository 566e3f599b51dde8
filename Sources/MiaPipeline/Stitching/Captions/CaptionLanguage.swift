import Foundation

/// The subtitle track's `language` tag: ISO 639-2 (`eng`, `deu`, `jpn`), as MP4 and Matroska store it.
enum CaptionLanguage {
    /// - Parameter code: ISO 639-1 (`en`) or already three letters; nil or unknown: `und` (undetermined).
    static func iso639_2(_ code: String?) -> String {
        guard let code = code?.lowercased(), (2...3).contains(code.count), code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            return "und"
        }
        if code.count == 3 { return code }
        // ICU's table (ISO 639-2/T, the terminology codes MP4 uses: deu, not ger).
        guard let alpha3 = Locale.LanguageCode(code).identifier(.alpha3), alpha3.count == 3, alpha3 != code else { return "und" }
        return alpha3
    }
}
