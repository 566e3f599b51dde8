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

    /// Inks `pixels` (RGBA, this layer's size) with `color` where the layer has coverage, at `opacity` (0…1).
    func blend(color: RGB, opacity: Double, into pixels: inout [UInt8]) {
        guard !isEmpty, opacity > 0 else { return }
        let strength = Int((min(1, opacity) * 256).rounded())
        let ink = [Int(color.r), Int(color.g), Int(color.b)]
        pixels.withUnsafeMutableBufferPointer { out in
            alpha.withUnsafeBufferPointer { alpha in
                for y in minY...maxY {
                    for x in minX...maxX {
                        let a = Int(alpha[y * width + x]) * strength >> 8
                        guard a > 0 else { continue }
                        let p = (y * width + x) * 4
                        for c in 0..<3 { out[p + c] = UInt8((Int(out[p + c]) * (255 - a) + ink[c] * a + 127) / 255) }
                    }
                }
            }
        }
    }
}
