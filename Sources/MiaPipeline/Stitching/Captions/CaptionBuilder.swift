import Foundation

/// Cues from the narration's word timings.
///
/// Each scene is cut into cues on its own, so no cue crosses a scene cut. Within a scene the cut
/// points are chosen together (a shortest path over the words, like Knuth–Plass line breaking):
/// every cue must fit two lines of `lineLength` grapheme clusters and last at most `longest`
/// seconds of speech; among the cuts that do, the cheapest ends cues at sentence ends, then at
/// commas and the like, then keeps cues evenly full. A phrase cut is always worth more than
/// balance, so balance only decides between equally good cuts. Chinese and Japanese have no
/// spaces: their words are cut between characters and joined without one. Deterministic: the same
/// timings give the same cues.
public struct CaptionBuilder: Sendable {
    /// Grapheme clusters a line holds: 42 (the broadcast norm), 16 for Chinese, Japanese and Korean.
    public var lineLength: Int
    public var shortest = 1.0
    public var longest = 7.0

    /// - Parameters:
    ///   - language: the script's ISO 639-1 code (nil: not known).
    ///   - lineLength: at most this many grapheme clusters a line, where the picture holds fewer than the norm
    ///     (burned into a narrow frame).
    public init(language: String?, lineLength: Int? = nil) {
        let norm = Self.isWide(language) ? 16 : 42
        self.lineLength = max(1, min(norm, lineLength ?? norm))
    }

    /// Chinese, Japanese and Korean: a character is a square, twice a Latin letter's width.
    static func isWide(_ language: String?) -> Bool { wideLanguages.contains(language ?? "") }

    static let wideLanguages: Set<String> = ["zh", "ja", "ko", "yue", "cmn"]

    /// Every scene's cues, in time order.
    public func cues(_ scenes: [CaptionScene]) -> [CaptionCue] {
        scenes.flatMap { cues($0) }
    }

    /// One piece a cue can be cut after: a word, or one character of a word written without spaces.
    struct Unit {
        var text: String
        var start: Double
        var end: Double
        /// Written with a space before it (not the first of a line).
        var spaced: Bool
        var length: Int { text.count }
    }

    /// One scene's cues.
    public func cues(_ scene: CaptionScene) -> [CaptionCue] {
        let units = self.units(scene)
        guard !units.isEmpty else { return [] }
        // best[j]: the cheapest way to caption units[0..<j]; from[j]: where its last cue starts.
        var best = [Double](repeating: .infinity, count: units.count + 1)
        var from = [Int](repeating: 0, count: units.count + 1)
        best[0] = 0
        for end in 1...units.count {
            var start = end - 1
            while start >= 0 {
                guard let cost = cueCost(units[start..<end], last: end == units.count) else { break }
                if best[start] + cost < best[end] {
                    best[end] = best[start] + cost
                    from[end] = start
                }
                start -= 1
            }
        }
        var ranges: [Range<Int>] = []
        var end = units.count
        while end > 0 {
            ranges.append(from[end]..<end)
            end = from[end]
        }
        ranges.reverse()

        return ranges.enumerated().map { index, range in
            let piece = units[range]
            let start = piece.first!.start
            // At least `shortest` on screen where the next cue and the scene's cut leave room, at most `longest`; never overlapping.
            let next = index + 1 < ranges.count ? units[ranges[index + 1].lowerBound].start : scene.end
            let end = min(max(piece.last!.end, start + shortest), start + longest, next, scene.end)
            return CaptionCue(start: start, end: end, lines: lines(piece), scene: scene.scene,
                              words: piece.map { CaptionCue.Word(text: $0.text, start: $0.start, end: $0.end, spaced: $0.spaced) })
        }
    }

    /// The words on the video's timeline, in order, each at or after the one before and inside the
    /// scene (a plan file is not trusted to be sorted); a word longer than a line is cut into lines.
    func units(_ scene: CaptionScene) -> [Unit] {
        var units: [Unit] = []
        var previous = scene.start
        for word in scene.words {
            let text = word.word.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty, word.start.isFinite, word.end.isFinite else { continue }
            let start = max(previous, scene.start + scene.leadIn + word.start)
            guard start < scene.end else { break }
            let end = min(max(start, scene.start + scene.leadIn + word.end), scene.end)
            previous = start
            let unspaced = text.unicodeScalars.contains(where: Self.isUnspacedScript)
            let pieces = unspaced ? text.map { String($0) } : Self.chunks(text, of: lineLength)
            for (index, piece) in pieces.enumerated() {
                // Characters share their word's time in proportion: where a cut between them falls.
                let at = start + (end - start) * Double(index) / Double(pieces.count)
                let until = start + (end - start) * Double(index + 1) / Double(pieces.count)
                let spaced = !units.isEmpty && index == 0 && !(unspaced && units.last!.text.unicodeScalars.contains(where: Self.isUnspacedScript))
                units.append(Unit(text: piece, start: at, end: until, spaced: spaced))
            }
        }
        return units
    }

    /// Han, kana and their punctuation: scripts written without spaces between words.
    static func isUnspacedScript(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3000...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xFF00...0xFF60, 0x20000...0x2FA1F: return true
        default: return false
        }
    }

    static func chunks(_ text: String, of size: Int) -> [String] {
        guard text.count > size else { return [text] }
        var pieces: [String] = [], rest = Substring(text)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return pieces
    }

    /// What cutting after `unit` costs: nothing at a sentence end, a little at a pause, most inside a phrase.
    static func cutCost(after unit: Unit) -> Double {
        unit.text.last.map(cutCost(afterMark:)) ?? 3
    }

    /// The same for a word's last character: 0 a sentence end, 1 a phrase mark, 3 anything else.
    static func cutCost(afterMark mark: Character) -> Double {
        if ".!?…。！？".contains(mark) { return 0 }
        if ",;:、，；：—–)\"»”」』".contains(mark) { return 1 }
        return 3
    }

    /// What a cue of these units costs, or nil when it does not fit (too long to show or to read in time).
    /// A cue of one unit always fits: there is no other way to show it.
    func cueCost(_ piece: ArraySlice<Unit>, last: Bool) -> Double? {
        let length = Self.width(piece)
        if piece.count > 1 {
            guard piece.last!.end - piece.first!.start <= longest, split(piece) != nil else { return nil }
        }
        let cut = last ? 0 : Self.cutCost(after: piece.last!)
        // A flash too short to read costs as much as a cut inside a phrase.
        let brief = piece.last!.end - piece.first!.start < shortest && !last ? 3.0 : 0
        let slack = Double(max(0, 2 * lineLength - length)) / Double(2 * lineLength)
        return 10 * (cut + brief) + slack * slack + 0.1
    }

    static func width(_ piece: ArraySlice<Unit>) -> Int {
        piece.enumerated().reduce(0) { $0 + $1.element.length + ($1.offset > 0 && $1.element.spaced ? 1 : 0) }
    }

    static func text(_ piece: ArraySlice<Unit>) -> String {
        piece.enumerated().map { ($0.offset > 0 && $0.element.spaced ? " " : "") + $0.element.text }.joined()
    }

    /// Where two lines part: nil for one line, else the index the second line starts at; among the
    /// splits with both lines fitting, a pause first, then the most even lines.
    func split(_ piece: ArraySlice<Unit>) -> Int?? {
        if Self.width(piece) <= lineLength { return .some(nil) }
        var best: (index: Int, cost: Double)?
        for index in piece.indices.dropFirst() {
            let top = Self.width(piece[piece.startIndex..<index]), bottom = Self.width(piece[index...])
            guard top <= lineLength, bottom <= lineLength else { continue }
            let cost = Self.cutCost(after: piece[index - 1]) * Double(lineLength) / 4 + Double(abs(top - bottom))
            if best == nil || cost < best!.cost { best = (index, cost) }
        }
        return best.map { .some($0.index) }
    }

    func lines(_ piece: ArraySlice<Unit>) -> [String] {
        guard case .some(let parted) = split(piece), let index = parted else { return [Self.text(piece)] }
        return [Self.text(piece[piece.startIndex..<index]), Self.text(piece[index...])]
    }
}
