internal import CHarfBuzz

/// One glyph as HarfBuzz placed it, in 1/64 pixels (FreeType's 26.6, which hb-ft scales to).
struct ShapedGlyph: Equatable {
    /// Glyph index in the font (0: the font has no glyph for the character).
    let id: UInt32
    /// The first character (index into the line's code points) this glyph stands for.
    let cluster: Int
    let xAdvance: Int
    let xOffset: Int
    /// Upwards, as HarfBuzz measures.
    let yOffset: Int
}

/// HarfBuzz's view of a FreeType face (hb-ft), which shapes runs of text into positioned glyphs.
/// Owned by the `FontFace` it was made from; not thread-safe, like the face.
final class HarfBuzzFont {
    private let font: OpaquePointer  // hb_font_t
    private let buffer = ShapingBuffer()

    /// - Parameter face: the FreeType face; HarfBuzz takes its own reference, so the two may go in any order.
    init(face: FT_Face) {
        font = hb_ft_font_create_referenced(face)
        // FT_LOAD_DEFAULT (hinted): advances match the hinted glyphs the painter rasterizes.
        hb_ft_font_set_load_flags(font, 0)
    }

    deinit { hb_font_destroy(font) }

    /// Tells HarfBuzz the face's pixel size changed (it caches the scale).
    func sizeChanged() { hb_ft_font_changed(font) }

    /// Shapes `range` of `text`, seeing the whole line as context (so Arabic letters join across a
    /// change of font or level).
    /// - Returns: the glyphs in visual order, left to right (reversed clusters for right to left).
    func shape(_ text: [UInt32], range: Range<Int>, rightToLeft: Bool, script: WritingScript) -> [ShapedGlyph] {
        let handle = buffer.handle
        hb_buffer_clear_contents(handle)
        text.withUnsafeBufferPointer { codes in
            hb_buffer_add_utf32(handle, codes.baseAddress, Int32(codes.count), UInt32(range.lowerBound), Int32(range.count))
        }
        hb_buffer_set_direction(handle, rightToLeft ? HB_DIRECTION_RTL : HB_DIRECTION_LTR)
        hb_buffer_set_script(handle, hb_script_t(rawValue: script.tag))
        hb_buffer_guess_segment_properties(handle)  // the language, from the locale
        hb_shape(font, handle, nil, 0)
        var count: UInt32 = 0
        guard let infos = hb_buffer_get_glyph_infos(handle, &count), count > 0,
              let positions = hb_buffer_get_glyph_positions(handle, &count) else { return [] }
        return (0..<Int(count)).map { index in
            ShapedGlyph(id: infos[index].codepoint, cluster: Int(infos[index].cluster), xAdvance: Int(positions[index].x_advance),
                        xOffset: Int(positions[index].x_offset), yOffset: Int(positions[index].y_offset))
        }
    }
}

/// A HarfBuzz buffer, reused for every run its font shapes.
private final class ShapingBuffer {
    let handle: OpaquePointer  // hb_buffer_t

    init() {
        // Never null: on allocation failure HarfBuzz hands back an inert empty buffer that shapes to nothing.
        handle = hb_buffer_create()
    }

    deinit { hb_buffer_destroy(handle) }
}
