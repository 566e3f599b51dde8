// MARK: - Headings

extension ScriptParser {
    static let headingKeywords: Set<String> = [
        "scene", "shot", "beat", "segment", "section", "part", "panel", "frame", "slide", "clip", "sequence",
        // French, German, Spanish, Portuguese, Italian, Japanese, Arabic
        "scène", "séquence", "plan", "szene", "einstellung", "abschnitt", "teil", "escena", "toma", "secuencia", "cena",
        "scena", "inquadratura", "sequenza", "シーン", "カット", "場面", "المشهد", "مشهد", "اللقطة", "لقطة",
    ]
    static let numberWords: Set<String> = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
        "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
        "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn",
        "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez",
        "الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع", "العاشر",
    ]

    static func heading(_ line: String) -> Heading? {
        var text = Substring(line)
        var level = 0
        if text.first == "#" {
            let hashes = text.prefix(while: { $0 == "#" }).count
            let rest = text.dropFirst(hashes)
            if hashes <= 6, rest.first.map(isBlank) ?? true {
                level = hashes
                text = rest
            }
        }
        var body = trim(text)
        var emphasized = level > 0
        let wholeBold = level == 0 && body.count > 4 && (body.hasPrefix("**") && body.hasSuffix("**") || body.hasPrefix("__") && body.hasSuffix("__"))
            && !hasPair(body.dropFirst(2).dropLast(2), "*")
        if hasPair(body, "*") || hasPair(body, "_") {
            body = trim(body.replacing("**", with: "").replacing("__", with: ""))
            emphasized = true
        }
        if body.count >= 2, let first = body.first, first == body.last, first == "*" || first == "_" {
            body = trim(body.dropFirst().dropLast())
            emphasized = true
        }
        if var heading = keywordHeading(body, line: line, emphasized: emphasized) {
            heading.markdownLevel = level > 0 ? level : nil
            return heading
        }
        if let heading = slugline(body, line: line) { return heading }
        if level > 0 {
            var heading = Heading(style: .markdown(level), line: line)
            let (title, seconds) = extractTiming(body, heading: true)
            heading.seconds = seconds
            heading.setTitle(title)
            return heading
        }
        if let heading = timecodeHeading(body, line: line) { return heading }
        if let heading = numberedHeading(body, line: line) { return heading }
        if let heading = labelHeading(body, line: line) { return heading }
        if wholeBold {
            // `**The reveal**`: a heading when the script uses several of them (see `layout`).
            var heading = Heading(style: .bold, line: line)
            let (title, seconds) = extractTiming(body, heading: true)
            heading.seconds = seconds
            heading.setTitle(title)
            return heading.title == nil ? nil : heading
        }
        return nil
    }

    /// `Scene 1: Title`, `SCENE 2 — Title`, `Shot 4`, `Scene #3A (5s)`, `Part Two - Title`.
    static func keywordHeading(_ text: String, line: String, emphasized: Bool) -> Heading? {
        guard let first = text.first, first.isLetter || first == "[" || first == "【" else { return nil }
        let head = text.prefix(200)
        var c = head.utf8.allSatisfy({ $0 < 0x80 }) ? Array(head) : head.map(timingForm)
        // `[SCENE 1]`, `【シーン1】`: the brackets style the heading like bold does.
        let bracketed = c.first == "["
        if bracketed { c.removeFirst() }
        var i = 0
        while i < c.count, c[i].isLetter { i += 1 }
        guard headingKeywords.contains(String(c[0..<i]).lowercased()) else { return nil }
        var j = i
        while j < c.count, c[j] == "#" || isBlank(c[j]) { j += 1 }
        guard j < c.count else { return nil }
        var k = j
        if digit(c[k]) != nil {
            while k < c.count, digit(c[k]) != nil { k += 1 }
            // The keyword makes any number a heading ("Scene 10000"); nine digits keep it a plain Int.
            guard k - j <= 9 else { return nil }
            if k < c.count, c[k].isLetter, k + 1 == c.count || !c[k + 1].isLetter { k += 1 }   // 3A
        } else {
            guard j > i else { return nil }
            while k < c.count, c[k].isLetter { k += 1 }
            guard numberWords.contains(String(c[j..<k]).lowercased()) else { return nil }
        }
        if bracketed {
            guard k < c.count, c[k] == "]" else { return nil }
            k += 1
        } else {
            guard k == c.count || !(c[k].isLetter || c[k].isNumber) else { return nil }
        }
        let rest = String(text.dropFirst(k + (bracketed ? 1 : 0)))
        let shouting = !text.contains(where: \.isLowercase)
        return headingRest(rest, style: .keyword, line: line, free: emphasized || shouting || bracketed)
    }

    /// What follows a heading's keyword and number: a separator then the title, a bracketed title,
    /// timing, or nothing. Plain words straight after the number make it a sentence, not a heading,
    /// unless the line is styled (`free`).
    static func headingRest(_ rest: String, style: Heading.Style, line: String, free: Bool) -> Heading? {
        let (text, seconds) = extractTiming(rest, heading: true)
        let trimmed = Substring(trim(text))
        var title: Substring = ""
        if let first = trimmed.first {
            if ":.-–—|)/,：".contains(first) {
                title = trimmed.drop { ":.-–—|)/,：".contains($0) || isBlank($0) }
            } else if first == "(" || first == "[" {
                title = trimmed.dropFirst()
                if let last = title.last, last == ")" || last == "]" { title = title.dropLast() }
            } else if free {
                title = trimmed
            } else {
                return nil
            }
        }
        var heading = Heading(style: style, line: line, seconds: seconds)
        heading.setTitle(String(title))
        return heading
    }

    static let dottedSluglines = ["INT./EXT.", "INT/EXT.", "EXT./INT.", "EXT/INT.", "I/E.", "E/I.", "INT.", "EXT.", "EST."]
    static let spacedSluglines = ["INT./EXT ", "INT/EXT ", "EXT/INT ", "I/E ", "INT ", "EXT ", "INTERIOR ", "EXTERIOR "]

    /// `INT. KITCHEN - DAY`, `EXT. ROOFTOP - NIGHT`, `INT./EXT. CAR - MOVING`, `12 INT. HALL - DAY 12`.
    static func slugline(_ text: String, line: String) -> Heading? {
        guard text.utf8.count <= 480, text.count <= 120, let first = text.first, first.isLetter || digit(first) != nil else { return nil }
        var body = Substring(text)
        let number = body.prefix(while: { digit($0) != nil })
        if (1...4).contains(number.count) {
            var rest = body.dropFirst(number.count)
            if let letter = rest.first, letter.isUppercase, rest.dropFirst().first == " " { rest = rest.dropFirst() }
            guard rest.first == " " else { return nil }
            body = rest.drop(while: isBlank)
        } else if !number.isEmpty {
            return nil
        }
        var location: Substring?
        for prefix in dottedSluglines where body.count > prefix.count && String(body.prefix(prefix.count)).uppercased() == prefix {
            let rest = body.dropFirst(prefix.count)
            if rest.first.map(isBlank) == true { location = rest }
            break
        }
        if location == nil, !body.contains(where: \.isLowercase) {
            for prefix in spacedSluglines where body.hasPrefix(prefix) {
                location = body.dropFirst(prefix.count)
                break
            }
        }
        guard let location, location.contains(where: \.isLetter) else { return nil }
        var (title, seconds) = extractTiming(String(body), heading: true)
        title = collapse(title)
        if !number.isEmpty, title.hasSuffix(" " + number) { title = trim(title.dropLast(number.count)) }
        return Heading(style: .slugline, line: line, title: title, seconds: seconds)
    }

    /// A line that starts with a time range: `00:00–00:05 Hook`, `[0:05-0:12] VISUAL: …`, `0-3s: Hook`.
    static func timecodeHeading(_ text: String, line: String) -> Heading? {
        guard let first = text.first, digit(first) != nil || first == "[" || first == "(" else { return nil }
        let c = Array(text)
        var i = 0
        var close: Character?
        if c[0] == "[" { close = "]"; i = 1 } else if c[0] == "(" { close = ")"; i = 1 }
        while i < c.count, isBlank(c[i]) { i += 1 }
        guard i < c.count, digit(c[i]) != nil, let range = timeExpression(c, i, singles: true),
              range.kind == .range || range.kind == .clock else { return nil }
        var j = range.end
        while j < c.count, isBlank(c[j]) { j += 1 }
        if let close {
            guard j < c.count, c[j] == close else { return nil }
            j += 1
        } else if !range.clock {
            guard j == c.count || ":|-–—".contains(c[j]) else { return nil }
        }
        guard range.end == c.count || !(c[range.end].isLetter || c[range.end].isNumber) else { return nil }
        let rest = String(c[j...]).drop { ":|-–—.,)".contains($0) || isBlank($0) }
        var heading = range.kind == .clock
            ? Heading(style: .timestamp(range.seconds ?? 0), line: line)
            : Heading(style: .timecode, line: line, seconds: range.seconds)
        heading.start = range.start
        let (title, seconds) = extractTiming(String(rest), heading: true)
        heading.seconds = heading.seconds ?? seconds
        heading.setTitle(title)
        return heading
    }

    /// A section label in capitals with a timing or an emoji before it: `🎬 HOOK (0-3s)`, `CTA (3s)`,
    /// `📦 SETUP`. Read like a wholly bold line: a heading when the script has several.
    static func labelHeading(_ text: String, line: String) -> Heading? {
        let label = text.drop { !($0.isLetter || $0.isNumber) }
        let decorated = label.count < text.count && text.first.map { !$0.isASCII } == true
        let (title, seconds) = extractTiming(String(label), heading: true)
        let words = title.split(whereSeparator: isBlank)
        guard seconds != nil || decorated, (1...4).contains(words.count), title.contains(where: \.isUppercase),
              !title.contains(where: \.isLowercase), title.last.map({ $0.isLetter || $0.isNumber }) == true,
              !isTransition(title) else { return nil }
        var heading = Heading(style: .bold, line: line)
        heading.seconds = seconds
        heading.setTitle(title)
        return heading.title == nil ? nil : heading
    }

    /// `1. Title`, `2) Title`.
    static func numberedHeading(_ text: String, line: String) -> Heading? {
        let number = text.prefix(while: { digit($0) != nil })
        // Up to nine digits, as cmark-gfm's list items (a starter must be a list item anyway): item 1000 is one.
        guard (1...9).contains(number.count) else { return nil }
        let after = text.dropFirst(number.count)
        guard let mark = after.first, mark == "." || mark == ")" else { return nil }
        let rest = after.dropFirst()
        guard rest.first.map(isBlank) == true else { return nil }
        let body = trim(rest)
        guard !body.isEmpty else { return nil }
        var heading = Heading(style: .numbered(Int(number) ?? 0), line: line)
        let (title, seconds) = extractTiming(body, heading: true)
        heading.seconds = seconds
        heading.setTitleAndBody(title)
        return heading
    }

    /// A top-level bullet item, as cmark-gfm found it: `- **Craft** (6s): Hands of a watchmaker…`, `- Hook —
    /// Close-up…`. A scene of a bulleted outline when the script has several of them with titles or timings.
    static func bulletHeading(_ line: String, _ markdown: MarkdownLine) -> Heading? {
        guard markdown.listDepth == 1, markdown.item == .bullet, line.hasPrefix("- ") else { return nil }
        let text = String(line.dropFirst(2))
        var heading = Heading(style: .bullet, line: line)
        if let strong = markdown.leadingStrong, text.hasPrefix("**\(strong)**") {
            let (title, seconds) = extractTiming(strong, heading: true)
            let (rest, restSeconds) = extractTiming(String(text.dropFirst(strong.count + 4)), heading: true)
            heading.seconds = seconds ?? restSeconds
            heading.setTitle(title)
            let body = trim(rest.drop { ":.-–—|".contains($0) || isBlank($0) })
            if !body.isEmpty { heading.body = heading.body.map { $0 + " " + body } ?? body }
            heading.named = heading.title != nil
        } else {
            let (clean, seconds) = extractTiming(text, heading: true)
            heading.seconds = seconds
            heading.setTitleAndBody(clean)
            heading.named = heading.body != nil && heading.title != nil
        }
        return heading
    }
}
