import Foundation

/// Paints a title card as RGBA frames: a gradient background, the title with an accent bar, and
/// the body text, each laid out inside the safe area and faded in by `frame(titleOpacity:bodyOpacity:)`.
/// The background and text layers are drawn once; a frame is only a blend of the two.
final class CardPainter {
    let width: Int
    let height: Int
    private let theme: Theme
    private let background: [UInt8]
    private var title: CoverageLayer
    private var accent: CoverageLayer
    private var body: CoverageLayer
    /// Whether the card shows any text at all.
    var hasText: Bool { !title.isEmpty || !body.isEmpty }
    /// Where the text ink is (x, y, width, height), or nil for a card without text.
    var textBounds: (x: Int, y: Int, width: Int, height: Int)? {
        let layers = [title, accent, body].filter { !$0.isEmpty }
        guard !layers.isEmpty else { return nil }
        let minX = layers.map(\.minX).min()!, maxX = layers.map(\.maxX).max()!
        let minY = layers.map(\.minY).min()!, maxY = layers.map(\.maxY).max()!
        return (minX, minY, maxX - minX + 1, maxY - minY + 1)
    }
    /// Lines actually drawn, after wrapping and shortening, in logical order (for tests and logs).
    var titleLines: [String] { titleWrapped.map(\.text) }
    var bodyLines: [String] { bodyWrapped.map(\.text) }
    private var titleWrapped: [TextLine] = []
    private var bodyWrapped: [TextLine] = []
    /// The title's lines as drawn: shaped glyphs in visual order, and where each line starts.
    private(set) var titleLayout: [(line: ShapedLine, x: Int)] = []
    /// Characters none of the fonts has, so they are not drawn.
    private(set) var missingCharacters: [Unicode.Scalar] = []
    /// The scripts of `missingCharacters`, for the warning.
    var missingScripts: [WritingScript] {
        var seen: Set<WritingScript> = []
        return missingCharacters.map(WritingScript.init(of:)).filter { seen.insert($0).inserted }
    }

    /// - Parameter fonts: font files: the title's, the body's, then fallbacks for missing characters.
    /// - Throws: `MiaError` when a font cannot be opened.
    init(width: Int, height: Int, theme: Theme, title titleText: String, body bodyText: String,
         titleFont: String, bodyFont: String, fallbackFonts: [String]) throws {
        self.width = width
        self.height = height
        self.theme = theme
        background = Self.gradient(width: width, height: height, top: theme.backgroundTop, bottom: theme.backgroundBottom)
        title = CoverageLayer(width: width, height: height)
        accent = CoverageLayer(width: width, height: height)
        body = CoverageLayer(width: width, height: height)

        let library = try FontLibrary()
        let fallbacks = try fallbackFonts.filter { FileManager.default.fileExists(atPath: $0) }
            .map { try FontFace(library: library, path: $0) }
        let titleFaces = [try FontFace(library: library, path: titleFont)] + fallbacks
        let bodyFaces = titleFont == bodyFont ? titleFaces : [try FontFace(library: library, path: bodyFont)] + fallbacks
        layOut(title: Self.clean(titleText), body: Self.clean(bodyText), titleFaces: titleFaces, bodyFaces: bodyFaces)
    }

    /// Safe area: 8% side margins and 10% top and bottom, inside which players' overlays don't reach.
    private var safe: (x: Int, y: Int, width: Int, height: Int) {
        let x = width * 8 / 100, y = height * 10 / 100
        return (x, y, width - 2 * x, height - 2 * y)
    }

    private func layOut(title titleText: String, body bodyText: String, titleFaces: [FontFace], bodyFaces: [FontFace]) {
        let area = safe
        let base = Double(min(width, height))
        var titleStyle: TextStyle?
        if !titleText.isEmpty {
            let fitted = Self.fit(titleText, faces: titleFaces, from: Int(base * 0.10), to: max(8, Int(base * 0.035)),
                                  maxWidth: area.width, maxLines: 3, maxHeight: area.height / 2)
            titleStyle = fitted.style
            titleWrapped = fitted.lines
        }
        let titleHeight = titleStyle.map { $0.lineHeight * titleWrapped.count } ?? 0
        let barHeight = titleStyle == nil ? 0 : max(4, height / 180)
        let gap = titleStyle.map { $0.size * 35 / 100 } ?? 0
        let titleBlock = titleHeight + (titleStyle == nil ? 0 : 2 * gap + barHeight)

        var bodyStyle: TextStyle?
        if !bodyText.isEmpty {
            let room = max(1, area.height - titleBlock)
            let fitted = Self.fit(bodyText, faces: bodyFaces, from: Int(base * 0.05), to: max(8, Int(base * 0.025)),
                                  maxWidth: area.width, maxLines: Int.max, maxHeight: room)
            bodyStyle = fitted.style
            bodyWrapped = fitted.lines
        }
        let bodyHeight = bodyStyle.map { $0.lineHeight * bodyWrapped.count } ?? 0

        var y = area.y + max(0, (area.height - titleBlock - bodyHeight) / 2)
        // Every line is centred, whatever its direction; a right-to-left line's glyphs are already
        // in visual order, so centring it needs no mirroring.
        if let style = titleStyle {
            for line in titleWrapped {
                let x = (width - style.width(line)) / 2
                titleLayout.append((style.draw(line, into: &title, x: x, baseline: y + style.ascender), x))
                y += style.lineHeight
            }
            y += gap
            let barWidth = max(style.size * 3 / 2, width / 20)
            accent.fill(x: (width - barWidth) / 2, y: y, width: barWidth, height: barHeight)
            y += barHeight + gap
        }
        if let style = bodyStyle {
            for line in bodyWrapped {
                style.draw(line, into: &body, x: (width - style.width(line)) / 2, baseline: y + style.ascender)
                y += style.lineHeight
            }
        }
        let missing = (titleStyle?.missing ?? []).union(bodyStyle?.missing ?? [])
        missingCharacters = missing.sorted { $0.value < $1.value }
    }

    /// The largest size from `from` down to `to` at which the text wraps within the limits; at the
    /// smallest size, the lines that fit, the last one shortened with "…".
    private static func fit(_ text: String, faces: [FontFace], from: Int, to: Int, maxWidth: Int, maxLines: Int,
                            maxHeight: Int) -> (style: TextStyle, lines: [TextLine]) {
        var size = max(from, to)
        while true {
            let style = TextStyle(faces: faces, size: size)
            let lines = style.wrap(text, maxWidth: maxWidth)
            let fitsLines = min(maxLines, max(1, maxHeight / max(1, style.lineHeight)))
            if lines.count <= fitsLines { return (style, lines) }
            if size <= to {
                var kept = Array(lines.prefix(fitsLines))
                kept[kept.count - 1] = style.ellipsized(kept[kept.count - 1], maxWidth: maxWidth)
                return (style, kept)
            }
            size = max(to, size * 92 / 100)
        }
    }

    /// One frame: the background with the title and body blended in at the given opacities (0…1).
    func frame(titleOpacity: Double, bodyOpacity: Double) -> [UInt8] {
        var pixels = background
        title.blend(color: theme.titleColor, opacity: titleOpacity, into: &pixels)
        accent.blend(color: theme.accent, opacity: titleOpacity, into: &pixels)
        body.blend(color: theme.bodyColor, opacity: bodyOpacity, into: &pixels)
        return pixels
    }

    private static func gradient(width: Int, height: Int, top: RGB, bottom: RGB) -> [UInt8] {
        var pixels = [UInt8](repeating: 255, count: width * height * 4)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let t = height > 1 ? Double(y) / Double(height - 1) : 0
                func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
                let (r, g, b) = (mix(top.r, bottom.r), mix(top.g, bottom.g), mix(top.b, bottom.b))
                let row = y * width * 4
                for x in 0..<width {
                    out[row + x * 4] = r
                    out[row + x * 4 + 1] = g
                    out[row + x * 4 + 2] = b
                }
            }
        }
        return pixels
    }

    /// Collapses runs of spaces and trims; control characters (other than line breaks) are dropped.
    private static func clean(_ text: String) -> String {
        let kept = text.unicodeScalars.filter { $0 == "\n" || !($0.properties.generalCategory == .control) }
        return String(String.UnicodeScalarView(kept))
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            .joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
