// MARK: - Tags

extension ScriptParser {
    static let tagFields: [String: Field] = {
        var table: [String: Field] = [:]
        let groups: [(Field, [String])] = [
            (.visual, ["VISUAL", "VISUALS", "VIDEO", "B ROLL", "BROLL", "ACTION", "SHOT", "IMAGE", "IMAGES", "FOOTAGE",
                       "STOCK FOOTAGE", "CAMERA", "SCENE", "SCENE DESCRIPTION", "DESCRIPTION", "LOCATION", "SETTING",
                       "ANIMATION", "PICTURE", "FRAME",
                       "CLOSE UP", "CLOSEUP", "CU", "ECU", "WIDE", "WIDE SHOT", "MEDIUM SHOT", "ESTABLISHING", "ESTABLISHING SHOT",
                       "NAHAUFNAHME", "TOTALE", "HALBTOTALE", "GROS PLAN", "PLAN LARGE", "PRIMER PLANO", "PLANO GENERAL",
                       // French, German, Spanish, Japanese, Arabic
                       "VISUEL", "IMAGEN", "VÍDEO", "BILD", "PLANO", "映像", "画面", "الصورة", "صورة",
                       "VISIVO", "IMMAGINE", "IMMAGINI", "IMAGEM", "IMAGENS"]),
            (.narration, ["VO", "V O", "VOICEOVER", "VOICE OVER", "VOICE", "AUDIO", "NARRATOR", "NARRATION", "NARR", "HOST",
                          "PRESENTER", "ANNOUNCER", "DIALOGUE", "DIALOG", "SPEAKER", "SPOKEN", "TALENT", "SPOKESPERSON", "AVATAR",
                          "VOIX OFF", "VOIX", "NARRATEUR", "NARRATRICE", "SPRECHER", "SPRECHERIN", "ERZÄHLER", "ERZÄHLERIN",
                          "OFF STIMME", "OFF TEXT", "NARRADOR", "NARRADORA", "LOCUCIÓN", "LOCUTOR", "LOCUTORA", "VOZ EN OFF",
                          "ナレーション", "ナレ", "التعليق الصوتي", "التعليق", "الراوي", "صوت",
                          "VOCE", "VOCE FUORI CAMPO", "NARRATORE", "NARRATRICE", "LOCUÇÃO", "LOCUÇAO", "NARRAÇÃO"]),
            (.onScreen, ["ON SCREEN", "ONSCREEN", "ON SCREEN TEXT", "ONSCREEN TEXT", "TEXT ON SCREEN", "TEXT", "TEXT OVERLAY",
                         "OVERLAY", "SUPER", "SUPERS", "SUPER TEXT", "CAPTION", "CAPTIONS", "SUBTITLE", "TITLE", "TITLES",
                         "TITLE CARD", "CARD", "END CARD", "LOWER THIRD", "GRAPHIC", "GRAPHICS", "GFX", "CTA", "HEADLINE",
                         "KINETIC TEXT", "LOGO",
                         "TEXTE", "TEXTE À L'ÉCRAN", "SURIMPRESSION", "EINBLENDUNG", "TEXTEINBLENDUNG", "TEXTO",
                         "TEXTO EN PANTALLA", "SOBREIMPRESIÓN", "テロップ", "字幕", "النص", "نص على الشاشة",
                         "TESTO", "TESTO A SCHERMO", "SOVRIMPRESSIONE", "TEXTO NA TELA", "LETTERING", "LEGENDA"]),
            (.sound, ["SFX", "SOUND", "SOUNDS", "SOUND EFFECT", "SOUND EFFECTS", "MUSIC", "FX", "AUDIO FX", "SOUNDTRACK",
                      "BGM", "BACKGROUND MUSIC", "AMBIENCE", "AMBIENT", "SONG",
                      "MUSIQUE", "BRUITAGE", "SON", "MUSIK", "GERÄUSCH", "GERÄUSCHE", "ATMO", "MÚSICA", "SONIDO", "EFECTOS",
                      "効果音", "音楽", "SE", "موسيقى", "مؤثرات", "SUONO", "SUONI", "MUSICA", "EFFETTI", "SOM", "TRILHA", "EFEITOS"]),
            (.ignored, Array(briefTags) + ["NOTE", "NOTES", "DIRECTOR", "DIRECTOR'S NOTE", "DIRECTORS NOTE", "PRODUCTION NOTE",
                        "COMMENT", "COMMENTS", "TODO", "TRANSITION", "PROPS", "WARDROBE", "CAST", "REMARQUE", "NOTIZ",
                        "ANMERKUNG", "NOTA", "メモ", "備考", "ملاحظة", "LENS", "OBIETTIVO", "LENTE", "OBJETIVA"]),
            (.timing, ["DURATION", "LENGTH", "RUNTIME", "RUN TIME", "TIME", "TIMING", "TC", "TIMECODE",
                       "DURÉE", "DAUER", "LÄNGE", "DURACIÓN", "尺", "المدة", "DURATA", "DURAÇÃO", "TEMPO"]),
        ]
        for (field, names) in groups {
            for name in names { table[name] = field }
        }
        return table
    }()

    /// Visual tags that are shot sizes: kept in the picture's text, they tell a provider the framing.
    static let shotSizes: Set<String> = ["CLOSE UP", "CLOSEUP", "CU", "ECU", "WIDE", "WIDE SHOT", "MEDIUM SHOT", "ESTABLISHING",
                                         "ESTABLISHING SHOT", "NAHAUFNAHME", "TOTALE", "HALBTOTALE", "GROS PLAN", "PLAN LARGE",
                                         "PRIMER PLANO", "PLANO GENERAL"]

    /// The brief's tags (who the script is for, its length and tone): left out as "brief"; other ignored tags
    /// are notes.
    static let briefTags: Set<String> = [
        "BRIEF", "CLIENT", "BRAND", "PRODUCT", "WRITER", "AUTHOR", "WRITTEN BY", "DATE", "DRAFT", "VERSION", "PROJECT",
        "CAMPAIGN", "PLATFORM", "FORMAT", "AUDIENCE", "TARGET AUDIENCE", "GOAL", "OBJECTIVE", "TONE", "STYLE", "AGENCY",
        "CHANNEL", "MARQUE", "AGENCE", "AUFTRAGGEBER", "MARKE", "AGENTUR", "CLIENTE", "MARCA", "AGENCIA", "AGENZIA",
        "AGÊNCIA", "クライアント", "ブランド", "العميل", "العلامة",
    ]

    /// A tag's lookup key: upper case, no dots, `-` `_` `/` as spaces (`V.O.` → `VO`, `B-roll` → `B ROLL`).
    static func tagKey<S: StringProtocol>(_ name: S) -> String {
        var key = ""
        var space = false
        for character in name.uppercased() {
            switch character {
            case ".": continue
            case "-", "_", "/": space = !key.isEmpty
            case _ where character.isWhitespace: space = !key.isEmpty
            default:
                if space { key.append(" ") }
                space = false
                key.append(character == "’" ? "'" : character)
            }
        }
        return key
    }

    /// Splits a line into its tagged runs. See the type's documentation for the tags.
    static func pieces(_ line: String) -> [Piece] {
        guard let first = line.first else { return [] }
        // Most lines carry no tag at all: no colon, no bracket, no opening quote.
        // (0xEF: the lead byte of full-width punctuation such as `：`.)
        if !openingQuotes.contains(first), !containsByte(line, UInt8(ascii: ":"), or: UInt8(ascii: "[")), !containsByte(line, 0xEF, or: 0xEF) {
            return [Piece(kind: .plain, field: nil, text: line, continues: true)]
        }
        let c = Array(line)
        // A line wholly in brackets that is no tag (`[Waveform animation over black]`) describes the picture.
        if c[0] == "[", c.last == "]", c.count > 2, !c.dropFirst().dropLast().contains("]"), !c.contains(":"),
           tagFields[tagKey(String(c.dropFirst().dropLast()))] == nil {
            return [Piece(kind: .insert, field: .visual, text: String(c.dropFirst().dropLast()), continues: false)]
        }
        var pieces: [Piece] = []
        var kind = Piece.Kind.plain
        var field: Field?
        var name: String?
        var aside: String?
        var start = 0
        if let label = leadingLabel(c) {
            aside = label.aside
            if let found = tagFields[tagKey(label.name)] {
                kind = .label
                field = found
                name = label.name
                start = label.end
            } else if isSpeaker(label.name) {
                kind = .speaker
                field = .narration
                name = label.name
                start = label.end
            }
        }
        if kind == .plain, openingQuotes.contains(c[0]) {
            if let close = c.indices.dropFirst().last(where: { closingQuotes.contains(c[$0]) }) {
                // The quote is the narration; what follows it (an attribution, "— Dana, Austin") is not.
                let quote = Piece(kind: .quote, field: .narration, text: String(c[1..<close]), continues: false)
                let after = String(c[(close + 1)...])
                return after.allSatisfy(isBlank) ? [quote] : [quote, Piece(kind: .plain, field: nil, text: after, continues: false)]
            }
            kind = .quote
            field = .narration
            start = 1
        }
        var buffer = ""
        var pieceStart = start
        func flush() {
            let blank = buffer.allSatisfy(isBlank)
            if kind != .plain || !blank {
                // `VO:` text often wraps onto the next line; a speaker's does only after a bare `MAYA:`.
                // A shot size names the framing (`Totale: Ein Hafen.`): the picture keeps it.
                let text = kind == .label && name.map({ shotSizes.contains(tagKey($0)) }) == true ? name! + ": " + buffer : buffer
                pieces.append(Piece(kind: kind, field: field, text: text, name: name, aside: aside,
                                    continues: kind != .speaker || blank))
            }
            buffer = ""
            name = nil
            aside = nil
        }
        var i = start
        while i < c.count {
            let character = c[i]
            // `(NOTE: …)`, `(SFX: whoosh)`: a parenthesis holding a tag and its text is an insert like a bracket.
            if character == "(", let close = c[(i + 1)..<min(c.count, i + 200)].firstIndex(of: ")"),
               let colon = c[(i + 1)..<close].firstIndex(of: ":"), let found = tagFields[tagKey(String(c[(i + 1)..<colon]))] {
                pieces.append(Piece(kind: .insert, field: found, text: String(c[(colon + 1)..<close]),
                                    name: String(c[(i + 1)..<colon]), continues: false))
                i = close + 1
                continue
            }
            if character == "[", let close = c[(i + 1)..<min(c.count, i + 120)].firstIndex(of: "]") {
                let inner = c[(i + 1)..<close]
                if let colon = inner.firstIndex(of: ":") {
                    if let found = tagFields[tagKey(String(inner[..<colon]))] {
                        pieces.append(Piece(kind: .insert, field: found, text: String(inner[(colon + 1)...]),
                                            name: String(inner[..<colon]), continues: false))
                        i = close + 1
                        continue
                    }
                } else if let found = tagFields[tagKey(String(inner))] {
                    flush()
                    kind = .label
                    field = found
                    name = String(inner)
                    i = close + 1
                    while i < c.count, c[i] == ":" || isBlank(c[i]) { i += 1 }
                    pieceStart = i
                    continue
                }
            }
            if character == ":", let tag = midLineTag(c, colon: i, from: pieceStart) {
                buffer.removeLast(min(buffer.count, i - tag.start))
                flush()
                kind = .label
                field = tag.field
                name = String(c[tag.start..<i])
                i += 1
                pieceStart = i
                continue
            }
            buffer.append(character)
            i += 1
        }
        flush()
        return pieces
    }

    /// `NAME:` or `NAME (note):` at the start of a line: the name and where the text after the colon begins.
    static func leadingLabel(_ c: [Character]) -> (name: String, aside: String?, end: Int)? {
        guard let first = c.first, first.isLetter else { return nil }
        var i = 0
        while i < c.count, i < 40, c[i].isLetter || c[i].isNumber || " .'’-/&".contains(c[i]) { i += 1 }
        let nameEnd = i
        while i < c.count, isBlank(c[i]) { i += 1 }
        var aside: String?
        if i < c.count, c[i] == "(", let close = c[i..<min(c.count, i + 40)].firstIndex(of: ")") {
            aside = String(c[i...close])
            i = close + 1
            while i < c.count, isBlank(c[i]) { i += 1 }
        }
        // A full-width colon (`ナレーション：`) needs no space after it.
        guard i < c.count, c[i] == ":" && (i + 1 == c.count || isBlank(c[i + 1])) || c[i] == "：" else { return nil }
        let name = trim(String(c[0..<nameEnd]))
        return name.isEmpty ? nil : (name, aside, i + 1)
    }

    /// An upper-case tag before a colon in the middle of a line (`… VO: …`, `… | SFX: …`).
    static func midLineTag(_ c: [Character], colon: Int, from lower: Int) -> (start: Int, field: Field)? {
        guard colon + 1 == c.count || isBlank(c[colon + 1]) else { return nil }
        var j = colon - 1
        while j >= lower, colon - j <= 24, c[j].isUppercase || c[j] == " " || ".'/-".contains(c[j]) { j -= 1 }
        var start = j + 1
        while start < colon {
            if c[start].isUppercase, start == lower || c[start - 1] == " " || c[start - 1] == "|" {
                if let field = tagFields[tagKey(String(c[start..<colon]))], Slot(field) != nil { return (start, field) }
            }
            start += 1
        }
        return nil
    }

    /// A person's name before a colon: up to four capitalised words (`Maya`, `Dr. Lee`, `SAM`). No digits,
    /// so list labels (`Tip 1:`, `Habit 2:`) stay text.
    static func isSpeaker(_ name: String) -> Bool {
        let words = name.split(whereSeparator: isBlank)
        guard (1...4).contains(words.count), name.count <= 30 else { return false }
        for (index, word) in words.enumerated() {
            if let first = word.first, first.isLetter, first.isUppercase { continue }
            if index > 0, word == "&" { continue }
            return false
        }
        let upper = name.uppercased()
        return !upper.hasSuffix(" TO") && !upper.hasPrefix("FADE ")
    }

    static func startsWithContentTag(_ text: String) -> Bool {
        guard let first = pieces(text).first(where: { $0.kind != .insert }) else { return false }
        return first.kind == .label && first.field.flatMap(Slot.init) != nil
    }
}
