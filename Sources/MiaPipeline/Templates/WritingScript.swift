internal import CHarfBuzz

/// A Unicode script (an ISO 15924 code such as `Arab`), from HarfBuzz's character database. Lines
/// are split where the script changes, because each script is shaped by its own rules; warnings
/// name the scripts no font could draw.
struct WritingScript: Hashable, Sendable {
    /// The ISO 15924 code as a big-endian tag, which is also HarfBuzz's `hb_script_t` value.
    let tag: UInt32

    init(tag: UInt32) { self.tag = tag }

    init(of scalar: Unicode.Scalar) {
        tag = hb_unicode_script(hb_unicode_funcs_get_default(), scalar.value).rawValue
    }

    static let common = WritingScript(tag: HB_SCRIPT_COMMON.rawValue)

    /// Spaces, digits, punctuation (Common) and combining marks (Inherited) take their neighbours' script.
    var isShared: Bool {
        tag == HB_SCRIPT_COMMON.rawValue || tag == HB_SCRIPT_INHERITED.rawValue || tag == HB_SCRIPT_UNKNOWN.rawValue
    }

    /// "Arab", "Deva".
    var code: String {
        String(decoding: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: tag >> $0) }, as: UTF8.self)
    }

    /// An English name for the scripts a card is likely to meet; the code otherwise.
    var name: String { Self.names[code] ?? code }

    /// The Debian package with a font for the script, for the warning's advice.
    var fontPackage: String {
        switch code {
        case "Deva": "fonts-lohit-deva"
        case "Thai": "fonts-tlwg-loma-ttf"
        case "Hani", "Hira", "Kana", "Hang", "Bopo": "fonts-noto-cjk"
        case "Zyyy": "fonts-noto-color-emoji"
        default: "fonts-noto-core"
        }
    }

    private static let names = [
        "Arab": "Arabic", "Hebr": "Hebrew", "Deva": "Devanagari", "Thai": "Thai", "Beng": "Bengali", "Taml": "Tamil",
        "Telu": "Telugu", "Gujr": "Gujarati", "Guru": "Gurmukhi", "Knda": "Kannada", "Mlym": "Malayalam", "Sinh": "Sinhala",
        "Khmr": "Khmer", "Laoo": "Lao", "Mymr": "Myanmar", "Tibt": "Tibetan", "Ethi": "Ethiopic", "Armn": "Armenian",
        "Geor": "Georgian", "Hani": "Han", "Hira": "Hiragana", "Kana": "Katakana", "Hang": "Hangul", "Zyyy": "symbols",
    ]
}
