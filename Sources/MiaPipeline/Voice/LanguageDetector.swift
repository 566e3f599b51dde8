import Foundation

/// Which language a script is written in, so its narration gets a voice that speaks it: the writing system
/// decides for most scripts (Cyrillic, Arabic, Devanagari, kana…), and the commonest short words decide
/// between languages written in Latin letters. `--language` overrides it.
public enum LanguageDetector {
    /// An ISO 639-1 code ("en", "de", "ja"); "en" when the text gives nothing to go on.
    public static func detect(_ text: String) -> String {
        var counts: [String: Int] = [:]
        var latin = 0
        for scalar in text.unicodeScalars.prefix(200_000) {
            switch scalar.value {
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F: latin += 1
            case 0x0400...0x04FF: counts["ru", default: 0] += 1
            case 0x0370...0x03FF: counts["el", default: 0] += 1
            case 0x0590...0x05FF: counts["he", default: 0] += 1
            case 0x0600...0x06FF, 0x0750...0x077F: counts["ar", default: 0] += 1
            case 0x0900...0x097F: counts["hi", default: 0] += 1
            case 0x0980...0x09FF: counts["bn", default: 0] += 1
            case 0x0B80...0x0BFF: counts["ta", default: 0] += 1
            case 0x0E00...0x0E7F: counts["th", default: 0] += 1
            case 0x3040...0x30FF: counts["ja", default: 0] += 3          // kana: Japanese even among kanji
            case 0xAC00...0xD7AF, 0x1100...0x11FF: counts["ko", default: 0] += 1
            case 0x4E00...0x9FFF: counts["zh", default: 0] += 1
            default: break
            }
        }
        if let (script, count) = counts.max(by: { $0.value < $1.value }), count > latin / 2 {
            // Cyrillic: Ukrainian has letters Russian lacks.
            if script == "ru", text.unicodeScalars.contains(where: { "іїєґІЇЄҐ".unicodeScalars.contains($0) }) { return "uk" }
            return script
        }
        return latinLanguage(text)
    }

    /// The commonest short words of each language written in Latin letters.
    static let markers: [String: Set<String>] = [
        "en": ["the", "and", "is", "of", "to", "in", "you", "that", "it", "with", "your", "for", "this", "are", "we"],
        "de": ["der", "die", "und", "das", "ist", "nicht", "ein", "eine", "mit", "sie", "ich", "wir", "auf", "für", "zu"],
        "fr": ["le", "la", "les", "et", "est", "un", "une", "des", "pour", "vous", "nous", "dans", "pas", "que", "du"],
        "es": ["el", "la", "los", "las", "y", "es", "un", "una", "que", "para", "con", "por", "del", "su", "tu"],
        "it": ["il", "la", "di", "che", "è", "e", "un", "una", "per", "con", "non", "gli", "del", "sono", "della"],
        "pt": ["o", "a", "os", "as", "e", "é", "um", "uma", "que", "para", "com", "não", "do", "da", "você"],
        "nl": ["de", "het", "een", "en", "is", "van", "dat", "niet", "met", "voor", "je", "wij", "zijn", "op", "ook"],
        "sv": ["och", "är", "att", "det", "som", "en", "ett", "på", "för", "med", "inte", "vi", "du", "av", "har"],
        "pl": ["i", "w", "nie", "się", "na", "jest", "to", "że", "z", "do", "jak", "dla", "ale", "czy", "jesteś"],
        "tr": ["ve", "bir", "bu", "için", "ile", "da", "de", "çok", "ne", "mi", "daha", "gibi", "olarak", "sen", "biz"],
    ]

    private static func latinLanguage(_ text: String) -> String {
        let words = text.lowercased().split { !$0.isLetter }.prefix(20_000)
        var scores: [String: Int] = [:]
        for word in words {
            for (language, set) in markers where set.contains(String(word)) { scores[language, default: 0] += 1 }
        }
        // Ties go to English, the default voice's language.
        let best = scores.max { ($0.value, $0.key == "en" ? 1 : 0) < ($1.value, $1.key == "en" ? 1 : 0) }
        return best.map { $0.value > 0 ? $0.key : "en" } ?? "en"
    }
}
