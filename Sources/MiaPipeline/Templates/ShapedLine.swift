/// A line of a paragraph, as wrapping leaves it: the text in logical (typed) order and the
/// direction of the paragraph it came from, which the bidi algorithm needs to order the line.
struct TextLine: Equatable {
    var text: String
    var direction: TextDirection
}

/// A glyph on a laid-out line.
struct PlacedGlyph {
    let face: FontFace
    let id: UInt32
    /// From the line's left edge to the glyph's origin, in 1/64 pixels.
    let x: Int
    /// Raised above the baseline by this much (marks), in 1/64 pixels.
    let y: Int
    let advance: Int
    /// The first character (index into the line's Unicode scalars) the glyph stands for.
    let cluster: Int
}

/// One line laid out for drawing:
///  1. FriBidi resolves each character's embedding level in the paragraph's direction and the
///     line's visual order (`Bidi.resolve`);
///  2. each character gets a font: the first of the style's faces that has it, except that spaces,
///     digits, punctuation and combining marks stay with the font of the run they are in;
///  3. the line is cut into runs of one level, one font and one script (shared characters take the
///     script before them), the runs put in visual order;
///  4. HarfBuzz shapes each run with the whole line as context, right to left for odd levels.
/// Glyphs come out left to right, positioned from the line's left edge.
struct ShapedLine {
    let direction: TextDirection
    let glyphs: [PlacedGlyph]
    /// Pen advance of the whole line, in 1/64 pixels.
    let advance: Int
    /// Characters none of the faces has (drawn as nothing, and not measured).
    let missing: [Unicode.Scalar]

    /// Width in whole pixels.
    var width: Int { (advance + 63) >> 6 }

    /// - Parameter faces: sized faces, the primary one first, then the fallbacks.
    init(_ line: TextLine, faces: [FontFace]) {
        direction = line.direction
        let scalars = Array(line.text.unicodeScalars)
        let codes = scalars.map(\.value)
        let bidi = Bidi.resolve(codes, base: line.direction)
        let scripts = Self.scripts(scalars)
        var fonts = [Int](repeating: 0, count: scalars.count)
        var missing: [Unicode.Scalar] = []
        var current: Int?
        for (index, scalar) in scalars.enumerated() {
            if let current, scripts.raw[index].isShared, faces[current].hasGlyph(scalar) {
                fonts[index] = current
                continue
            }
            let found = faces.firstIndex { $0.hasGlyph(scalar) }
            if found == nil && !Self.isInvisible(scalar) { missing.append(scalar) }
            fonts[index] = found ?? current ?? 0
            current = fonts[index]
        }

        // Runs in logical order, then sorted by where their first character lands visually (a run
        // is one level, so its characters stay together in the visual order).
        var runs: [Range<Int>] = []
        var start = 0
        for index in scalars.indices.dropFirst() where bidi.levels[index] != bidi.levels[start]
            || fonts[index] != fonts[start] || scripts.resolved[index] != scripts.resolved[start] {
            runs.append(start..<index)
            start = index
        }
        if !scalars.isEmpty { runs.append(start..<scalars.count) }
        var visualPosition = [Int](repeating: 0, count: scalars.count)
        for (position, logical) in bidi.visual.enumerated() { visualPosition[logical] = position }
        runs.sort { visualPosition[$0.lowerBound] < visualPosition[$1.lowerBound] }

        var placed: [PlacedGlyph] = []
        var pen = 0
        for run in runs {
            let face = faces[fonts[run.lowerBound]]
            for glyph in face.shape(codes, range: run, rightToLeft: bidi.levels[run.lowerBound] % 2 == 1,
                                    script: scripts.resolved[run.lowerBound]) {
                // Glyph 0 is the font's "missing" box: left out, and its width with it.
                guard glyph.id != 0 else { continue }
                placed.append(PlacedGlyph(face: face, id: glyph.id, x: pen + glyph.xOffset, y: glyph.yOffset,
                                          advance: glyph.xAdvance, cluster: glyph.cluster))
                pen += glyph.xAdvance
            }
        }
        glyphs = placed
        advance = pen
        self.missing = missing
    }

    /// Each character's own script, and the script it is shaped with: shared characters (spaces,
    /// digits, marks) take the script before them, or after them at the start of a line.
    private static func scripts(_ scalars: [Unicode.Scalar]) -> (raw: [WritingScript], resolved: [WritingScript]) {
        let raw = scalars.map(WritingScript.init(of:))
        var resolved = raw
        var last = raw.first { !$0.isShared } ?? .common
        for index in resolved.indices {
            if raw[index].isShared { resolved[index] = last } else { last = raw[index] }
        }
        return (raw, resolved)
    }

    /// Characters that draw nothing anyway, so a font without them is not missing anything.
    private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar.properties.generalCategory == .format
            || scalar.properties.generalCategory == .control
    }
}
