/// A font with fallbacks, at one pixel size: measures, wraps and draws lines of text. Lines are
/// shaped (HarfBuzz) and put in visual order (FriBidi) by `ShapedLine`, so Arabic joins, Hebrew
/// reads right to left, and Devanagari and Thai get their conjuncts and marks.
final class TextStyle {
    private let faces: [FontFace]
    let size: Int

    init(faces: [FontFace], size: Int) {
        self.faces = faces
        self.size = size
        activate()
    }

    /// Title and body styles may share faces (the fallbacks), so each use sets the size it needs.
    private func activate() {
        for face in faces { face.setPixelSize(size) }
    }

    var ascender: Int {
        activate()
        return faces[0].ascender
    }

    var lineHeight: Int {
        activate()
        return faces[0].lineHeight
    }

    /// The line shaped and ordered for drawing.
    func layout(_ line: TextLine) -> ShapedLine {
        activate()
        return ShapedLine(line, faces: faces)
    }

    /// Width of a line in pixels, measured with shaped advances.
    func width(_ line: TextLine) -> Int { layout(line).width }

    /// Greedy word wrap to `maxWidth` pixels, on the logical text (lines are ordered for display
    /// only when drawn). Explicit line breaks are kept, each paragraph taking its direction from its
    /// first strong character; CJK text breaks between any two characters; a word wider than a line
    /// is broken between characters (grapheme clusters, so a conjunct or a mark stays whole).
    func wrap(_ text: String, maxWidth: Int) -> [TextLine] {
        var lines: [TextLine] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let direction = Bidi.direction(of: paragraph.unicodeScalars.map(\.value))
            func fits(_ text: String) -> Bool { width(TextLine(text: text, direction: direction)) <= maxWidth }
            var current = ""
            for token in Self.tokens(paragraph) {
                let candidate = current + (current.isEmpty || !token.spaceBefore ? "" : " ") + token.text
                if fits(candidate) {
                    current = candidate
                    continue
                }
                if !current.isEmpty { lines.append(TextLine(text: current, direction: direction)) }
                current = ""
                for character in token.text {
                    let longer = current + String(character)
                    if !fits(longer) && !current.isEmpty {
                        lines.append(TextLine(text: current, direction: direction))
                        current = String(character)
                    } else {
                        current = longer
                    }
                }
            }
            lines.append(TextLine(text: current, direction: direction))
        }
        while lines.last?.text.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// Shortens a line with "…" (at its logical end: the left for right-to-left text) until it fits.
    func ellipsized(_ line: TextLine, maxWidth: Int) -> TextLine {
        var shortened = line
        while !shortened.text.isEmpty && width(TextLine(text: shortened.text + "…", direction: line.direction)) > maxWidth {
            shortened.text.removeLast()
        }
        shortened.text = shortened.text.trimmingTrailingSpaces() + "…"
        return shortened
    }

    /// Draws a line into an 8-bit coverage layer, its left edge at `x`, glyphs by index as shaped.
    /// - Returns: the layout drawn (glyph positions are relative to `x`).
    @discardableResult
    func draw(_ line: TextLine, into layer: inout CoverageLayer, x: Int, baseline: Int) -> ShapedLine {
        let shaped = layout(line)
        for placed in shaped.glyphs {
            guard let glyph = placed.face.glyph(id: placed.id) else { continue }
            layer.stamp(glyph, x: (((x << 6) + placed.x) >> 6) + glyph.left, y: baseline - (placed.y >> 6) - glyph.top)
        }
        missing.formUnion(shaped.missing)
        return shaped
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

private extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
