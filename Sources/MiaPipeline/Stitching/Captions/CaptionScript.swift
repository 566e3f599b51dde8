import Foundation

/// The ASS script libass draws burned captions from (`--captions burn`): one style, laid out by
/// `CaptionLayout`, and one event per cue (`subtitle`) or per spoken word (`karaoke`: the cue shown a
/// few words at a time, the word being spoken in the highlight colour).
struct CaptionScript {
    let layout: CaptionLayout
    let style: CaptionStyle
    let font: CaptionFont

    /// ASS colours are &HAABBGGRR, alpha 00 opaque.
    static let white = "&H00FFFFFF"
    static let black = "&H00000000"
    /// A gold that reads on light and dark pictures alike (#FFD700).
    static let highlight = "&H0000D7FF"
    /// Words a karaoke caption shows at once, at most.
    static let karaokeWords = 3

    func text(_ cues: [CaptionCue]) -> String {
        let outline = max(2, layout.fontSize / (style == .karaoke ? 10 : 16))
        let bold = style == .karaoke ? -1 : 0
        // Family names are free text; the style line is comma-separated.
        let family = font.family.replacingOccurrences(of: ",", with: " ").replacingOccurrences(of: "\n", with: " ")
        var lines = [
            "[Script Info]",
            "; Captions burned by mia-stitch",
            "ScriptType: v4.00+",
            "PlayResX: \(layout.width)",
            "PlayResY: \(layout.height)",
            // Lines are broken by the cue builder; libass wraps only a line that still does not fit.
            "WrapStyle: 0",
            "ScaledBorderAndShadow: yes",
            "YCbCr Matrix: TV.709",
            "",
            "[V4+ Styles]",
            "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, "
                + "StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
            // Bottom centre (alignment 2), outline and a soft shadow; encoding 1: the font's own charset.
            "Style: Caption,\(family),\(layout.fontSize),\(Self.white),\(Self.white),\(Self.black),&H80000000,\(bold),0,0,0,100,100,0,0,1,"
                + "\(outline),\(max(1, outline / 2)),2,\(layout.marginLeft),\(layout.marginRight),\(layout.marginBottom),1",
            "",
            "[Events]",
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
        ]
        for cue in cues {
            switch style {
            case .subtitle:
                lines.append(Self.event(cue.start, cue.end, cue.lines.map(Self.escaped).joined(separator: "\\N")))
            case .karaoke:
                lines += karaokeEvents(cue)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The cue a few words at a time; each group is on screen from its first word to the next group
    /// (the last until the cue ends), one event per word with that word highlighted.
    private func karaokeEvents(_ cue: CaptionCue) -> [String] {
        let groups = Self.groups(cue.words, lineLength: layout.lineLength)
        var events: [String] = []
        for (index, group) in groups.enumerated() {
            let groupEnd = index + 1 < groups.count ? groups[index + 1][0].start : cue.end
            for (position, word) in group.enumerated() {
                let end = position + 1 < group.count ? group[position + 1].start : groupEnd
                guard end > word.start else { continue }
                let text = group.enumerated().map { other, piece in
                    let spoken = Self.escaped(piece.text)
                    let shown = other == position ? "{\\1c\(Self.highlight)&}\(spoken){\\r}" : spoken
                    return (other > 0 && piece.spaced ? " " : "") + shown
                }.joined()
                events.append(Self.event(word.start, end, text))
            }
        }
        return events
    }

    /// Consecutive words, at most `karaokeWords` and one line's length a group, a group ending after a
    /// sentence or phrase mark.
    static func groups(_ words: [CaptionCue.Word], lineLength: Int) -> [[CaptionCue.Word]] {
        var groups: [[CaptionCue.Word]] = []
        var current: [CaptionCue.Word] = []
        var length = 0
        for word in words {
            let added = word.text.count + (current.isEmpty || !word.spaced ? 0 : 1)
            // Characters of unspaced scripts (each a "word" here) are grouped by length alone.
            let full = word.spaced ? current.count >= karaokeWords : false
            if !current.isEmpty, full || length + added > lineLength {
                groups.append(current)
                current = []
                length = 0
            }
            length += current.isEmpty ? word.text.count : (word.spaced ? 1 : 0) + word.text.count
            current.append(word)
            if let mark = word.text.last, CaptionBuilder.cutCost(afterMark: mark) < 3 {
                groups.append(current)
                current = []
                length = 0
            }
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    static func event(_ start: Double, _ end: Double, _ text: String) -> String {
        "Dialogue: 0,\(time(start)),\(time(end)),Caption,,0,0,0,,\(text)"
    }

    /// `H:MM:SS.cc`: ASS counts centiseconds.
    static func time(_ seconds: Double) -> String {
        let total = Int((max(0, seconds) * 100).rounded())
        return String(format: "%d:%02d:%02d.%02d", total / 360_000, total / 6_000 % 60, total / 100 % 60, total % 100)
    }

    /// Spoken text as ASS shows it literally: braces would open override blocks, and a backslash before
    /// N, n or h would break a line (a word joiner, which draws nothing, keeps them apart).
    static func escaped(_ text: String) -> String {
        var result = ""
        var previous: Character?
        for character in text {
            if previous == "\\", "Nnh".contains(character) { result += "\u{2060}" }
            switch character {
            case "{": result += "\\{"
            case "}": result += "\\}"
            case "\n", "\r": result += " "
            default: result.append(character)
            }
            previous = character
        }
        return result
    }
}
