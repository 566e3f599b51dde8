import Foundation

/// A colour as 8-bit red, green, blue.
public struct RGB: Sendable, Equatable, Codable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// "#1e2a44" or "1e2a44".
    public init?(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
        self.init(UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff))
    }

    public var description: String { String(format: "#%02x%02x%02x", r, g, b) }
}

/// The look of a template card: background, text colours, accent, fonts. All themes live here.
public struct Theme: Sendable, Equatable {
    public var name: String
    /// Background gradient, top to bottom (equal colours for a solid background).
    public var backgroundTop: RGB
    public var backgroundBottom: RGB
    public var titleColor: RGB
    public var bodyColor: RGB
    /// The bar under the title.
    public var accent: RGB
    public var titleFont: String
    public var bodyFont: String

    static let fontFolder = "/usr/share/fonts/truetype/dejavu"
    static let boldFont = "\(fontFolder)/DejaVuSans-Bold.ttf"
    static let regularFont = "\(fontFolder)/DejaVuSans.ttf"

    public static let all: [Theme] = [
        Theme(name: "midnight", backgroundTop: RGB(0x14, 0x1e, 0x3c), backgroundBottom: RGB(0x0b, 0x10, 0x22),
              titleColor: RGB(0xff, 0xff, 0xff), bodyColor: RGB(0xc9, 0xd3, 0xea), accent: RGB(0x4f, 0x8c, 0xff),
              titleFont: boldFont, bodyFont: regularFont),
        Theme(name: "daylight", backgroundTop: RGB(0xfa, 0xfa, 0xf7), backgroundBottom: RGB(0xe8, 0xec, 0xf2),
              titleColor: RGB(0x14, 0x1a, 0x26), bodyColor: RGB(0x3d, 0x47, 0x5c), accent: RGB(0xff, 0x5a, 0x36),
              titleFont: boldFont, bodyFont: regularFont),
        Theme(name: "sunset", backgroundTop: RGB(0xff, 0x7e, 0x5f), backgroundBottom: RGB(0x6a, 0x2c, 0x70),
              titleColor: RGB(0xff, 0xff, 0xff), bodyColor: RGB(0xff, 0xe8, 0xdc), accent: RGB(0xff, 0xd1, 0x66),
              titleFont: boldFont, bodyFont: regularFont),
        Theme(name: "mono", backgroundTop: RGB(0x00, 0x00, 0x00), backgroundBottom: RGB(0x00, 0x00, 0x00),
              titleColor: RGB(0xff, 0xff, 0xff), bodyColor: RGB(0xbb, 0xbb, 0xbb), accent: RGB(0xff, 0xd4, 0x00),
              titleFont: boldFont, bodyFont: regularFont),
    ]

    public static let defaultName = "midnight"

    /// - Throws: `MiaError` listing the themes when `name` is not one of them.
    public static func named(_ name: String) throws -> Theme {
        guard let theme = all.first(where: { $0.name == name.lowercased() }) else {
            throw MiaError("unknown theme \"\(name)\" (themes: \(all.map(\.name).joined(separator: ", ")))")
        }
        return theme
    }

    /// Fonts tried, in order, for characters the theme's font lacks: DejaVu has Latin, Greek,
    /// Cyrillic, Arabic and Hebrew, but no Devanagari or Thai (small packages, in scripts/setup).
    static let scriptFallbackFonts = [
        "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf",  // fonts-lohit-deva
        "/usr/share/fonts/truetype/tlwg/Loma.ttf",                           // fonts-tlwg-loma-ttf
    ]
    /// Then CJK, when one of these is installed (not by setup: they are tens of megabytes).
    static let cjkFallbackFonts = [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    ]
    static let fallbackFonts = scriptFallbackFonts + cjkFallbackFonts
}
