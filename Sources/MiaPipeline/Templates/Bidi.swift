internal import CFriBidi

/// Which way a paragraph reads.
enum TextDirection: Sendable, Equatable {
    case leftToRight, rightToLeft
}

/// The Unicode bidirectional algorithm, by FriBidi. FriBidi works on plain arrays and keeps no
/// state, so there is nothing to own: these are functions over code points.
enum Bidi {
    /// A paragraph's direction from its first strong character (rules P2–P3); left to right when it
    /// has none (digits, punctuation).
    static func direction(of text: [UInt32]) -> TextDirection {
        guard !text.isEmpty else { return .leftToRight }
        let types = bidiTypes(text)
        return fribidi_get_par_direction(types, FriBidiStrIndex(types.count)) == mia_fribidi_par_rtl() ? .rightToLeft : .leftToRight
    }

    /// One line's embedding levels and visual order, in a paragraph of direction `base`.
    /// - Returns: `levels[i]`, the level of character `i` (odd: right to left), and `visual[k]`, the
    ///   character drawn `k`-th from the left (FriBidi's logical→visual map, rule L2, after L1
    ///   puts trailing spaces back at the paragraph level).
    static func resolve(_ text: [UInt32], base: TextDirection) -> (levels: [Int], visual: [Int]) {
        let count = text.count
        let baseLevel = base == .rightToLeft ? 1 : 0
        guard count > 0 else { return ([], []) }
        let types = bidiTypes(text)
        var brackets = [FriBidiBracketType](repeating: 0, count: count)
        fribidi_get_bracket_types(text, FriBidiStrIndex(count), types, &brackets)
        var paragraph = base == .rightToLeft ? mia_fribidi_par_rtl() : mia_fribidi_par_ltr()
        var levels = [FriBidiLevel](repeating: 0, count: count)
        var map = (0..<count).map { FriBidiStrIndex($0) }
        // Either call returns 0 on failure (out of memory): the line then keeps its base direction.
        guard fribidi_get_par_embedding_levels_ex(types, brackets, FriBidiStrIndex(count), &paragraph, &levels) > 0,
              // Flags 0: no Arabic presentation forms or mirroring here, HarfBuzz shapes and mirrors each run.
              fribidi_reorder_line(0, types, FriBidiStrIndex(count), 0, paragraph, &levels, nil, &map) > 0
        else {
            let order = Array(0..<count)
            return ([Int](repeating: baseLevel, count: count), base == .rightToLeft ? order.reversed() : order)
        }
        return (levels.map { Int($0) }, map.map { Int($0) })
    }

    private static func bidiTypes(_ text: [UInt32]) -> [FriBidiCharType] {
        var types = [FriBidiCharType](repeating: FriBidiCharType(rawValue: 0), count: text.count)
        fribidi_get_bidi_types(text, FriBidiStrIndex(text.count), &types)
        return types
    }
}
