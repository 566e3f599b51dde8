import CFreeType

/// One rendered glyph: an 8-bit coverage bitmap and where it sits relative to the pen.
struct Glyph {
    let width: Int
    let rows: Int
    /// Offset from the pen position to the bitmap's left edge, in pixels.
    let left: Int
    /// Distance from the baseline up to the bitmap's top row, in pixels.
    let top: Int
    /// Pen advance in 1/64 pixels (FreeType's 26.6 fixed point), kept fractional for even spacing.
    let advance: Int
    let coverage: [UInt8]
}

/// FreeType's library handle. Not thread-safe: one per render, used on one thread.
final class FontLibrary {
    let handle: FT_Library

    init() throws {
        var library: FT_Library?
        guard FT_Init_FreeType(&library) == 0, let library else { throw MiaError("cannot start FreeType") }
        handle = library
    }

    deinit { FT_Done_FreeType(handle) }
}

/// A font file at one pixel size, with a glyph cache: rasterizes glyphs by index with FreeType's
/// anti-aliasing, and shapes text with HarfBuzz on the same face.
final class FontFace {
    let path: String
    private let library: FontLibrary  // outlives the face
    private let face: FT_Face
    /// Holds its own reference to `face`; released first in deinit, while the library still exists.
    private var shaper: HarfBuzzFont?
    private var cache: [UInt32: Glyph?] = [:]
    private(set) var pixelSize = 0

    /// - Throws: `MiaError` naming the file when it is missing or not a font.
    init(library: FontLibrary, path: String) throws {
        self.library = library
        self.path = path
        var opened: FT_Face?
        let status = FT_New_Face(library.handle, path, 0, &opened)
        guard status == 0, let opened else {
            throw MiaError(file: path, status == 1 ? "font not found (install fonts-dejavu-core, or pass --font)" : "is not a font FreeType can read (error \(status))")
        }
        face = opened
        shaper = HarfBuzzFont(face: opened)
    }

    deinit {
        shaper = nil
        FT_Done_Face(face)
    }

    func setPixelSize(_ size: Int) {
        guard size != pixelSize else { return }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
        shaper?.sizeChanged()
        pixelSize = size
        cache.removeAll(keepingCapacity: true)
    }

    /// Ascender and line height in pixels at the current size.
    var ascender: Int { Int(face.pointee.size.pointee.metrics.ascender >> 6) }
    var lineHeight: Int { Int(face.pointee.size.pointee.metrics.height >> 6) }

    /// The family the font file names ("DejaVu Sans"), as font lookups (fontconfig, libass) know it.
    var familyName: String? { face.pointee.family_name.map { String(cString: $0) } }

    func hasGlyph(_ scalar: Unicode.Scalar) -> Bool { FT_Get_Char_Index(face, FT_ULong(scalar.value)) != 0 }

    /// Shapes part of a line (see `HarfBuzzFont.shape`).
    func shape(_ text: [UInt32], range: Range<Int>, rightToLeft: Bool, script: WritingScript) -> [ShapedGlyph] {
        shaper?.shape(text, range: range, rightToLeft: rightToLeft, script: script) ?? []
    }

    /// The rendered glyph with this index (from shaping, not a character code: a shaped Arabic
    /// letter or Devanagari conjunct has no code point of its own), or nil when it cannot be loaded.
    func glyph(id: UInt32) -> Glyph? {
        if let cached = cache[id] { return cached }
        var result: Glyph?
        if FT_Load_Glyph(face, id, mia_ft_load_render()) == 0, let slot = face.pointee.glyph {
            let bitmap = slot.pointee.bitmap
            var coverage = [UInt8](repeating: 0, count: Int(bitmap.width) * Int(bitmap.rows))
            if let buffer = bitmap.buffer {
                for row in 0..<Int(bitmap.rows) {
                    let source = buffer.advanced(by: row * Int(bitmap.pitch))
                    for column in 0..<Int(bitmap.width) { coverage[row * Int(bitmap.width) + column] = source[column] }
                }
            }
            result = Glyph(width: Int(bitmap.width), rows: Int(bitmap.rows), left: Int(slot.pointee.bitmap_left),
                           top: Int(slot.pointee.bitmap_top), advance: Int(slot.pointee.advance.x), coverage: coverage)
        }
        cache[id] = result
        return result
    }
}
