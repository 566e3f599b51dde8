// MARK: - Timing annotations

extension ScriptParser {
    struct Time {
        var number: Double
        var unit: Double?
        var clock: Bool
        var seconds: Double { number * (unit ?? 1) }
    }

    enum TimeKind { case duration, clock, range }

    static let units: [String: Double] = [
        "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
        // French, German, Spanish, Portuguese, Italian, Turkish, Japanese, Korean, Arabic; `3"` for seconds
        "seconde": 1, "secondes": 1, "sek": 1, "sekunde": 1, "sekunden": 1, "seg": 1, "segs": 1, "segundo": 1,
        "segundos": 1, "secondi": 1, "sn": 1, "秒": 1, "초": 1, "ث": 1, "ثانية": 1, "ثوان": 1, "ثواني": 1, "ثانيه": 1,
        "\"": 1, "″": 1,
        "minuten": 60, "minuto": 60, "minutos": 60, "minuti": 60, "分": 60, "분": 60, "دقيقة": 60, "دقائق": 60,
    ]

    /// Numbers written out, for `five seconds`.
    static let spelledNumbers: [String: Double] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
        "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "sixty": 60,
    ]

    /// The ASCII form of full-width timing punctuation and digits (`（0〜3秒）` reads as `(0-3秒)`).
    static func timingForm(_ character: Character) -> Character {
        if character.isASCII { return character }
        return switch character {
        case "（": "("
        case "）": ")"
        case "【", "［": "["
        case "】", "］": "]"
        case "〜", "～": "-"
        case "：": ":"
        default:
            if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
               (0xFF10...0xFF19).contains(scalar.value), let ascii = Unicode.Scalar(scalar.value - 0xFF10 + 0x30) {
                Character(ascii)
            } else {
                character
            }
        }
    }

    /// A number with an optional unit (`5`, `5.5s`, `8 seconds`, `2 min`) or a clock time (`0:05`, `1:02:03`).
    static func time(_ c: [Character], _ start: Int) -> (time: Time, end: Int)? {
        var i = start
        var whole = 0
        while i < c.count, let d = digit(c[i]) {
            guard i - start < 5 else { return nil }
            whole = whole * 10 + d
            i += 1
        }
        guard i > start else { return nil }
        var groups = [whole]
        while groups.count < 3, i + 2 < c.count, c[i] == ":", let tens = digit(c[i + 1]), let ones = digit(c[i + 2]),
              i + 3 == c.count || digit(c[i + 3]) == nil, tens < 6 {
            groups.append(tens * 10 + ones)
            i += 3
        }
        var fraction = 0.0
        if i + 1 < c.count, c[i] == ".", digit(c[i + 1]) != nil {
            i += 1
            var scale = 0.1
            while i < c.count, let d = digit(c[i]) {
                fraction += Double(d) * scale
                scale /= 10
                i += 1
            }
        }
        if groups.count > 1 {
            let seconds = groups.reduce(0.0) { $0 * 60 + Double($1) } + fraction
            return (Time(number: seconds, unit: nil, clock: true), i)
        }
        let number = Double(whole) + fraction
        var j = i
        while j < c.count, j - i < 2, c[j] == " " { j += 1 }
        var k = j
        while k < c.count, k - j < 8, c[k].isLetter { k += 1 }
        if k > j, k == c.count || !c[k].isLetter, let unit = units[String(c[j..<k]).lowercased()] {
            return (Time(number: number, unit: unit, clock: false), k)
        }
        return (Time(number: number, unit: nil, clock: false), i)
    }

    /// A duration, clock time or range at `start`. Ranges give end − start (nil when not positive); a
    /// range of plain numbers needs a unit on one side (`0-3s`), clock ranges need none.
    static func timeExpression(_ c: [Character], _ start: Int, singles: Bool)
        -> (seconds: Double?, kind: TimeKind, clock: Bool, end: Int, start: Double?)? {
        guard let (first, afterFirst) = time(c, start) else { return nil }
        var i = afterFirst
        while i < c.count, c[i] == " " { i += 1 }
        var dashed = false
        if i < c.count, "-–—".contains(c[i]) {
            dashed = true
            i += 1
        } else if i + 2 < c.count, c[i] == "t" || c[i] == "T", c[i + 1] == "o" || c[i + 1] == "O", c[i + 2] == " " {
            dashed = true
            i += 2
        }
        if dashed {
            while i < c.count, c[i] == " " { i += 1 }
            if let (second, end) = time(c, i), first.clock == second.clock, first.clock || first.unit != nil || second.unit != nil {
                let unit = second.unit ?? first.unit ?? 1
                let from = first.clock ? first.number : first.number * (first.unit ?? unit)
                let to = second.clock ? second.number : second.number * unit
                return (to > from ? to - from : nil, .range, first.clock, end, from)
            }
        }
        guard singles else { return nil }
        if first.clock { return (first.seconds, .clock, true, afterFirst, first.seconds) }
        if first.unit != nil { return (first.seconds, .duration, false, afterFirst, nil) }
        return nil
    }

    /// The seconds `text` states when it is nothing but a duration (`8 seconds`, `~5s`, `0:00-0:05`;
    /// with `clock`, also `0:08`).
    static func fullDuration(_ text: String, clock: Bool) -> Double? {
        let c = Array(text.prefix(60))
        var i = 0
        while i < c.count, c[i] == "~" || c[i] == "≈" || isBlank(c[i]) { i += 1 }
        // `:10`, `:30`: seconds as ad scripts write a spot's length.
        if i < c.count, c[i] == ":", c.count - i - 1 <= 2, c.count - i > 1, c[(i + 1)...].allSatisfy({ digit($0) != nil }) {
            return sane(Double(String(c[(i + 1)...])))
        }
        // `five seconds`, `ten sec`: a spelled-out number of seconds.
        let words = c[i...].split(whereSeparator: isBlank).map { String($0).lowercased() }
        if words.count == 2, let number = spelledNumbers[words[0]], let unit = units[String(words[1].filter { $0 != "." })] {
            return sane(number * unit)
        }
        guard i < c.count, digit(c[i]) != nil, let found = timeExpression(c, i, singles: true) else { return nil }
        guard clock || found.kind != .clock else { return nil }
        var end = found.end
        while end < c.count, c[end] == "." || isBlank(c[end]) { end += 1 }
        guard end == c.count, text.count <= 60 else { return nil }
        return sane(found.seconds)
    }

    /// `(30s)` right after an upper-case name: "in his thirties".
    static func isAge(_ c: [Character], open: Int, number: Range<Int>) -> Bool {
        guard number.count == 3, digit(c[number.lowerBound]) != nil, digit(c[number.lowerBound + 1]) != nil,
              c[number.lowerBound + 1] == "0", c[number.upperBound - 1] == "s" else { return false }
        var j = open - 1
        while j >= 0, isBlank(c[j]) { j -= 1 }
        var letters = 0
        while j >= 0, c[j].isLetter {
            guard c[j].isUppercase else { return false }
            letters += 1
            j -= 1
        }
        return letters >= 2
    }

    static func sane(_ seconds: Double?) -> Double? {
        guard let seconds, seconds.isFinite, seconds > 0, seconds <= 86_400 else { return nil }
        return seconds
    }

    /// Removes timing annotations from a line and returns the rest with the first duration found.
    /// In a heading a lone timestamp (`[0:05]`) is a duration and a trailing `— 8 seconds` counts.
    /// Outside a heading, `LEO (30s)` is a character's age, not a duration (a heading's `HOOK (30s)` is one).
    static func extractTiming(_ line: String, heading: Bool) -> (text: String, seconds: Double?) {
        let written = Array(line)
        let c = line.utf8.allSatisfy { $0 < 0x80 } ? written : written.map(timingForm)
        guard c.contains(where: { digit($0) != nil }) else { return (line, nil) }
        var keep = [Bool](repeating: true, count: c.count)
        var found: Double?
        func note(_ value: Double?) { if found == nil { found = sane(value) } }
        func remove(_ range: Range<Int>) { for index in range { keep[index] = false } }

        var i = 0
        // A bare number range opens the line: "0-3s: Hook".
        if digit(c[0]) != nil, let range = timeExpression(c, 0, singles: false), !range.clock {
            var j = range.end
            while j < c.count, isBlank(c[j]) { j += 1 }
            if j == c.count || ":|-–—".contains(c[j]) {
                note(range.seconds)
                remove(0..<range.end)
                i = range.end
            }
        }
        while i < c.count {
            let character = c[i]
            if character == "(" || character == "[" {
                let close: Character = character == "(" ? ")" : "]"
                var k = i + 1
                while k < c.count, c[k] == "~" || c[k] == "≈" || isBlank(c[k]) { k += 1 }
                if k < c.count, digit(c[k]) != nil, let found = timeExpression(c, k, singles: true) {
                    var end = found.end
                    while end < c.count, c[end] == "." || isBlank(c[end]) { end += 1 }
                    if end < c.count, c[end] == close, !(!heading && isAge(c, open: i, number: k..<found.end)) {
                        if found.kind != .clock || heading { note(found.seconds) }
                        remove(i..<(end + 1))
                        i = end + 1
                        continue
                    }
                }
                i += 1
                continue
            }
            if digit(character) != nil {
                let boundary = i == 0 || !(c[i - 1].isLetter || c[i - 1].isNumber || ":./".contains(c[i - 1]))
                if boundary, let range = timeExpression(c, i, singles: false), range.clock,
                   range.end == c.count || !(c[range.end].isLetter || c[range.end].isNumber) {
                    note(range.seconds)
                    remove(i..<range.end)
                    i = range.end
                    continue
                }
                while i < c.count, digit(c[i]) != nil || c[i] == ":" || c[i] == "." { i += 1 }
                continue
            }
            i += 1
        }
        var text = ""
        for (index, character) in written.enumerated() where keep[index] { text.append(character) }
        text = trim(text)

        // A heading's trailing "— 8 seconds" / "- 8s".
        if heading, let dash = text.lastIndex(where: { "-–—".contains($0) }) {
            let tail = text[text.index(after: dash)...]
            if let value = fullDuration(String(tail), clock: false) {
                note(value)
                text = trim(text[..<dash])
            }
        }
        return (text, found)
    }
}
