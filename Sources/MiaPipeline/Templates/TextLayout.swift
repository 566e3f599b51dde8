/// A font with fallbacks, at one pixel size: measures, wraps and draws lines of text.
/// Left-to-right only, with kerning; no complex-script shaping (Arabic, Indic) yet.
final class TextStyle {
    private let faces: [FontFace]
    let size: Int

    init(faces: [FontFace], size: Int) {
        self.faces = faces
        self.size = size
        for face in faces { face.setPixelSize(size) }
    }

    var ascender: Int { faces[0].ascender }
    var lineHeight: Int { faces[0].lineHeight }

    /// The first face that has the character (the primary one otherwise, which has no glyph for it).
    private func face(for scalar: Unicode.Scalar) -> FontFace {
        faces.first { $0.hasGlyph(scalar) } ?? faces[0]
    }

    /// Width of a line in pixels.
    func width(_ text: Substring) -> Int {
        var pen = 0
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            let face = face(for: scalar)
            if let previous { pen += face.kerning(previous, scalar) }
            pen += face.glyph(scalar)?.advance ?? 0
            previous = scalar
        }
        return (pen + 63) >> 6
    }

    /// Greedy word wrap to `maxWidth` pixels. Explicit line breaks are kept; CJK text breaks
    /// between any two characters; a word wider than a line is broken by character.
    func wrap(_ text: String, maxWidth: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = ""
            for token in Self.tokens(paragraph) {
                let candidate = current + (current.isEmpty || !token.spaceBefore ? "" : " ") + token.text
                if width(Substring(candidate)) <= maxWidth {
                    current = candidate
                    continue
                }
                if !current.isEmpty { lines.append(current) }
                current = ""
                for character in token.text {
                    let longer = current + String(character)
                    if width(Substring(longer)) > maxWidth && !current.isEmpty {
                        lines.append(current)
                        current = String(character)
                    } else {
                        current = longer
                    }
                }
            }
            lines.append(current)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// Shortens a line with "…" until it fits.
    func ellipsized(_ line: String, maxWidth: Int) -> String {
        var text = line
        while !text.isEmpty && width(Substring(text + "…")) > maxWidth { text.removeLast() }
        return text.trimmingTrailingSpaces() + "…"
    }

    /// Draws a line into an 8-bit coverage layer, pen starting at (`x`, `baseline`).
    func draw(_ line: String, into layer: inout CoverageLayer, x: Int, baseline: Int) {
        var pen = x << 6
        var previous: Unicode.Scalar?
        for scalar in line.unicodeScalars {
            let face = face(for: scalar)
            if let previous { pen += face.kerning(previous, scalar) }
            guard let glyph = face.glyph(scalar) else {
                if !scalar.properties.isWhitespace { missing.insert(scalar) }
                continue
            }
            layer.stamp(glyph, x: (pen >> 6) + glyph.left, y: baseline - glyph.top)
            pen += glyph.advance
            previous = scalar
        }
    }

    /// A unit a line may break before: a word, or a single CJK character.
    private struct Token {
        let text: String
        /// Whitespace preceded it in the text, so it is kept when both share a line.
        let spaceBefore: Bool
    }

    private static func tokens(_ paragraph: Substring) -> [Token] {
        var tokens: [Token] = []
        var word = ""
        var spaceBefore = false
        func flush() {
            if !word.isEmpty { tokens.append(Token(text: word, spaceBefore: spaceBefore)) }
            if !word.isEmpty { spaceBefore = false }
            word = ""
        }
        for character in paragraph {
            if character.isWhitespace {
                flush()
                spaceBefore = true
            } else if isCJK(character) {
                flush()
                tokens.append(Token(text: String(character), spaceBefore: spaceBefore))
                spaceBefore = false
            } else {
                word.append(character)
            }
        }
        flush()
        return tokens
    }

    /// Characters no face could draw, for a warning.
    private(set) var missing: Set<Unicode.Scalar> = []

    /// Scripts written without spaces, where a line may break between any two characters.
    static func isCJK(_ character: Character) -> Bool {
        guard let value = character.unicodeScalars.first?.value else { return false }
        return (0x2E80...0x9FFF).contains(value) || (0xAC00...0xD7AF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0xFF00...0xFFEF).contains(value)
    }
}

/// Where text ink lands: one byte of coverage per pixel, with the bounding box of what was drawn.
struct CoverageLayer {
    let width: Int
    let height: Int
    var alpha: [UInt8]
    /// Bounding box of drawn pixels (empty when minX > maxX).
    var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        alpha = [UInt8](repeating: 0, count: width * height)
    }

    var isEmpty: Bool { maxX < minX }

    mutating func stamp(_ glyph: Glyph, x: Int, y: Int) {
        for row in 0..<glyph.rows {
            let py = y + row
            guard py >= 0 && py < height else { continue }
            for column in 0..<glyph.width {
                let px = x + column
                guard px >= 0 && px < width else { continue }
                let value = glyph.coverage[row * glyph.width + column]
                guard value > 0 else { continue }
                let index = py * width + px
                alpha[index] = max(alpha[index], value)
                minX = min(minX, px); maxX = max(maxX, px)
                minY = min(minY, py); maxY = max(maxY, py)
            }
        }
    }

    /// A solid rectangle (the accent bar), clipped to the layer.
    mutating func fill(x: Int, y: Int, width w: Int, height h: Int) {
        for py in max(0, y)..<min(height, y + h) {
            for px in max(0, x)..<min(width, x + w) { alpha[py * width + px] = 255 }
        }
        if w > 0 && h > 0 {
            minX = min(minX, max(0, x)); maxX = max(maxX, min(width - 1, x + w - 1))
            minY = min(minY, max(0, y)); maxY = max(maxY, min(height - 1, y + h - 1))
        }
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
