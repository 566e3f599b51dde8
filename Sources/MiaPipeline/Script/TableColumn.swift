import Foundation

/// A column of a script table, as its header names it: which field of a scene its cells fill.
///
/// Headers are matched language-neutrally: case, accents, width and punctuation are ignored (`Durée`,
/// `DUREE`, `duree (s)` are one header), the words of a header may each name the field (`Audio / VO`,
/// `Creator says`), and the same vocabulary reads a label inside a cell or a subtitle cue (`Voix off :`,
/// `Texte à l’écran :`), which the English tag rules of `ScriptParser.pieces` do not know.
struct TableColumn: Equatable {
    enum Role: Equatable {
        /// The scene's name (`Scene`, `Szene`): a title, unless the cell is only a number.
        case title
        /// A scene or shot number (`#`, `No.`): left out.
        case number
        /// `Shot`, `Plan`, `Einstellung`: a number, a title or a picture, as its cells show.
        case shot
        case visual, narration, onScreen, sound
        /// A duration or a time range; `start`/`end` for a pair of columns giving where a scene starts and ends.
        case time, start, end
        /// Notes for the crew: left out.
        case note
        /// Anything else (`Lens`, `Shot type`): appended to the visual as `Header: value`.
        case other
    }

    var role: Role
    /// The header as written.
    var header: String

    /// The column a header names.
    init(header: String) {
        self.header = ScriptParser.collapse(header)
        role = Self.role(forHeader: header)
    }

    init(role: Role, header: String) {
        self.role = role
        self.header = header
    }

    /// Whether the header names a field of the scene (anything but `.other`).
    var isKnown: Bool { role != .other }

    /// Whether the column holds what a scene shows or says.
    var isContent: Bool { [.visual, .narration, .onScreen, .sound, .shot].contains(role) }

    // MARK: - Vocabulary

    static let vocabulary: [String: Role] = {
        let groups: [(Role, [String])] = [
            (.title, ["Scene", "Scene name", "Scene title", "Title", "Name", "Beat", "Segment", "Section", "Part", "Chapter",
                      "Sequence", "Szene", "Titel", "Abschnitt", "Scène", "Titre", "Séquence", "Escena", "Título", "Secuencia",
                      "Cena", "シーン", "場面", "タイトル", "المشهد", "العنوان", "المقطع"]),
            (.number, ["#", "No", "Nr", "N", "Nº", "N°", "Num", "Number", "Scene number", "Shot number", "Scene no", "Shot no",
                       "Nummer", "Numéro", "Número", "Núm", "番号", "No.", "رقم"]),
            (.shot, ["Shot", "Shots", "Cut", "Plan", "Plano", "Toma", "Einstellung", "カット", "ショット", "اللقطة", "لقطة"]),
            (.visual, ["Visual", "Visuals", "Video", "Vision", "Picture", "Image", "Images", "Imagery", "Action", "Description",
                       "Shot description", "Scene description", "Visual description", "Footage", "B-roll", "What we see",
                       "On camera", "Bild", "Bilder", "Bildbeschreibung", "Beschreibung", "Handlung", "Vidéo", "Visuel",
                       "Action à l’écran", "Imagen", "Imágenes", "Descripción", "Acción", "Visuales", "Imagem", "映像", "画面",
                       "絵コンテ", "内容", "الصورة", "الفيديو", "المرئيات", "الوصف"]),
            (.narration, ["Voiceover", "Voice-over", "VO", "V/O", "Audio", "Narration", "Narrator", "Dialogue", "Dialog",
                          "What we hear", "What we say", "VO copy", "Said", "Voce", "Locução",
                          "Dialogue / VO", "Script", "Copy", "Spoken", "Voice", "Says", "Creator says", "Host", "Presenter",
                          "Speaker", "Talent", "Lines", "What they say", "Ton", "Sprecher", "Sprechertext", "Sprecherin",
                          "Off-Text", "Offtext", "Dialog", "Voix off", "Voix", "Texte", "Narrateur", "Dialogues", "Narrador",
                          "Locución", "Locutor", "Voz en off", "Voz", "Diálogo", "Guion", "Guión", "Narração", "ナレーション",
                          "セリフ", "台詞", "音声", "التعليق", "التعليق الصوتي", "الحوار", "الراوي", "النص المقروء"]),
            (.onScreen, ["On screen", "On-screen text", "On screen text", "Onscreen", "Text on screen", "Super", "Supers",
                         "Text", "Caption", "Captions", "Text overlay", "Overlay", "Title card", "Graphics", "GFX", "Lower third",
                         "Texteinblendung", "Einblendung", "Bauchbinde", "Insert", "Texte à l’écran", "Incrustation",
                         "Sur-titre", "Texto en pantalla", "Texto", "Rótulo", "Rótulos", "Sobreimpresión", "Texto na tela",
                         "テロップ", "字幕", "文字", "スーパー", "النص", "النص على الشاشة", "نص على الشاشة"]),
            (.sound, ["SFX", "Sound", "Sounds", "Sound effects", "Music", "Music / SFX", "FX", "Audio FX", "BGM", "Ambience",
                      "Soundtrack", "Musik", "Geräusch", "Geräusche", "Effekte", "Musique", "Son", "Bruitage", "Bruitages",
                      "Effets sonores", "Música", "Sonido", "Efectos", "Efectos de sonido", "効果音", "音楽", "SE", "音響",
                      "المؤثرات", "المؤثرات الصوتية", "الموسيقى"]),
            (.time, ["Time", "Duration", "Length", "Timing", "TC", "Timecode", "Time code", "Runtime", "Secs", "Seconds", "Sec",
                     "Dauer", "Zeit", "Länge", "Laufzeit", "Durée", "Temps", "Minutage", "Timing", "Duración", "Tiempo",
                     "Duração", "Tempo", "秒", "秒数", "尺", "時間", "タイム", "المدة", "الوقت", "التوقيت"]),
            (.start, ["Start", "Start time", "In", "TC in", "Time in", "Timecode in", "From", "Beginn", "Von", "Début", "Inicio",
                      "開始", "IN点", "البداية"]),
            (.end, ["End", "End time", "Out", "TC out", "Time out", "Timecode out", "To", "Ende", "Bis", "Fin", "Final",
                    "終了", "OUT点", "النهاية"]),
            (.note, ["Note", "Notes", "Comment", "Comments", "Remarks", "Director's notes", "Production notes", "Notizen",
                     "Anmerkung", "Anmerkungen", "Bemerkung", "Bemerkungen", "Remarque", "Remarques", "Commentaires",
                     "Nota", "Notas", "Observaciones", "Comentarios", "備考", "メモ", "注意", "ملاحظات", "ملاحظة"]),
            (.other, ["Shot type", "Shot size", "Camera", "Lens", "Framing", "Angle", "Location", "Props", "Wardrobe", "Cast",
                      "Kamera", "Objektiv", "Drehort", "Caméra", "Objectif", "Lieu", "Cámara", "Lente", "Lugar", "Type"]),
        ]
        var table: [String: Role] = [:]
        for (role, names) in groups {
            for name in names { table[key(name)] = role }
        }
        return table
    }()

    /// A header's lookup key: lower case, accents and width folded, dots and apostrophes dropped, any other
    /// run of punctuation or blanks one space (`Voice-over` → `voice over`, `Texte à l’écran` → `texte a lecran`).
    static func key(_ text: some StringProtocol) -> String {
        let folded = String(text.prefix(200)).folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive],
                                                      locale: nil)
        var key = ""
        var space = false
        for character in folded {
            if character.isLetter || character.isNumber {
                if space, !key.isEmpty { key.append(" ") }
                space = false
                key.append(character)
            } else if !".'’".contains(character) {
                space = true
            }
        }
        return key
    }

    static func role(forHeader header: String) -> Role {
        let key = key(header)
        if key.isEmpty { return header.contains("#") ? .number : .other }
        if let role = vocabulary[key] { return role }
        // Word by word (and pairs of words): `Audio / VO`, `Duration (s)`, `Creator says`, `Shot #`.
        let words = key.split(separator: " ").map(String.init)
        guard words.count <= 6 else { return .other }
        var roles: [Role] = []
        for length in [2, 1] where words.count >= length {
            for start in 0...(words.count - length) {
                let phrase = words[start..<(start + length)].joined(separator: " ")
                // Short words (`se`, `in`, `to`) name a column only on their own: in a phrase they are grammar.
                if length == 1, phrase.count <= 2, !["vo", "tc", "fx", "nr", "no"].contains(phrase) { continue }
                if let role = vocabulary[phrase], role != .other, !roles.contains(role) { roles.append(role) }
            }
        }
        var found = Set(roles)
        if !found.contains(.time), found.count > 1 {
            // `start`, `end`: a column's end points only beside a time word (`Start time`, `TC out`).
            found.subtract([.start, .end])
            roles.removeAll { $0 == .start || $0 == .end }
        }
        switch found {
        case [] : return .other
        case _ where found.count == 1: return roles[0]
        case [.title, .shot], [.title, .number], [.title, .number, .shot]: return .title
        case [.shot, .number]: return .shot
        case [.narration, .sound]: return .narration   // `Audio (VO/SFX)`: split by its tags
        case [.time, .start], [.title, .start]: return .start
        case [.time, .end], [.title, .end]: return .end
        case [.visual, .shot], [.visual, .title]: return .visual   // `Shot description`, `Scene action`
        default: return .other
        }
    }

    /// The field a label inside a cell or a cue names (`Voix off`, `Texte à l’écran`, `SUPER`), when it names
    /// text of its own: visual, narration, on-screen text, sound, a note or a timing.
    static func labelRole(_ label: some StringProtocol) -> Role? {
        guard label.count <= 40, let role = vocabulary[key(label)] else { return nil }
        switch role {
        case .visual, .narration, .onScreen, .sound, .note, .time: return role
        default: return nil
        }
    }
}
