import Foundation
import Testing
@testable import MiaPipeline

/// Scripts written as tables (Markdown, CSV, TSV) and as subtitles (SRT, WebVTT): header matching in any
/// language and order, RFC 4180 quoting, time cells, and the inputs nobody means to write.
@Suite struct TableAndSubtitleReaderTests {
    // MARK: - Header matching

    @Test(arguments: [
        ("Scene", TableColumn.Role.title), ("Visual", .visual), ("VIDEO", .visual), ("Bild", .visual), ("Imagen", .visual),
        ("Vidéo", .visual), ("映像", .visual), ("画面", .visual), ("الصورة", .visual), ("Voiceover", .narration),
        ("V.O.", .narration), ("Voice-over", .narration), ("Audio", .narration), ("Sprecher", .narration),
        ("Voix off", .narration), ("VOIX-OFF", .narration), ("Locución", .narration), ("locucion", .narration),
        ("ナレーション", .narration), ("التعليق", .narration), ("Creator says", .narration), ("Audio / VO", .narration),
        ("On screen", .onScreen), ("On-screen text", .onScreen), ("Super", .onScreen), ("Texteinblendung", .onScreen),
        ("Texto en pantalla", .onScreen), ("テロップ", .onScreen), ("SFX", .sound), ("Musique", .sound), ("効果音", .sound),
        ("Time", .time), ("Duration (s)", .time), ("Dauer", .time), ("Durée", .time), ("DURACIÓN", .time), ("秒", .time),
        ("尺", .time), ("المدة", .time), ("#", .number), ("No.", .number), ("Shot #", .shot), ("Plan", .shot),
        ("Einstellung", .shot), ("Notes", .note), ("Lens", .other), ("Shot type", .other), ("Budget", .other),
        ("TC in", .start), ("TC out", .end),
    ])
    func headerNamesItsField(header: String, role: TableColumn.Role) {
        #expect(TableColumn(header: header).role == role)
    }

    /// The same table with its columns in four orders and three languages reads into the same scenes.
    @Test(arguments: [
        "| Scene | Visual | Voiceover | Time |\n|---|---|---|---|\n| Hook | A red door opens. | Come in. | 4s |\n| Close | The door shuts. | Goodbye now. | 3 sec |",
        "| Time | Voiceover | Visual | Scene |\n|---|---|---|---|\n| 4s | Come in. | A red door opens. | Hook |\n| 3 sec | Goodbye now. | The door shuts. | Close |",
        "| Durée | Voix off | Image | Scène |\n|---|---|---|---|\n| 4 s | Come in. | A red door opens. | Hook |\n| 3 s | Goodbye now. | The door shuts. | Close |",
        "| シーン | 映像 | ナレーション | 秒 |\n|---|---|---|---|\n| Hook | A red door opens. | Come in. | 4秒 |\n| Close | The door shuts. | Goodbye now. | 3秒 |",
    ])
    func columnsInAnyOrderAndLanguage(_ text: String) throws {
        let parsed = ScriptReader.read(text, name: "script.md")
        #expect(parsed.format == .table)
        #expect(parsed.scenes.map(\.title) == ["Hook", "Close"])
        #expect(parsed.scenes.map(\.visual) == ["A red door opens.", "The door shuts."])
        #expect(parsed.scenes.map(\.narration) == ["Come in.", "Goodbye now."])
        #expect(parsed.scenes.map(\.annotatedSeconds) == [4, 3])
        // `4秒` is read as 4 s and also listed, so that its unit is accounted for.
        #expect(parsed.leftOut.map(\.reason).filter { $0 != "timing" } == ["table header"])
        #expect(WordAccount.lost(text, parsed).isEmpty)
    }

    @Test func csvWithGermanHeaderAndSemicolons() throws {
        let text = "Szene;Bild;Sprecher;Dauer\n1;Totale: Ein Hafen.;Willkommen.;4 Sek.\n2;Nah: Ein Boot.;Bis bald.;5 Sek.\n"
        let parsed = ScriptReader.read(text, name: "plan.csv")
        #expect(parsed.format == .csv)
        #expect(parsed.scenes.map(\.visual) == ["Totale: Ein Hafen.", "Nah: Ein Boot."])
        #expect(parsed.scenes.map(\.narration) == ["Willkommen.", "Bis bald."])
        #expect(parsed.scenes.map(\.annotatedSeconds) == [4, 5])
        #expect(parsed.leftOut.map(\.reason) == ["table header", "scene number", "scene number"])   // `4 Sek.` is a timing, used
    }

    /// `Audio` holds narration, but its tags go to their own fields; `Lens` is appended to the picture; notes are left out.
    @Test func audioCellsSplitAtTagsAndUnknownColumnsAreKept() throws {
        let text = """
            Visual\tAudio\tLens\tNotes\tTime
            A kitchen at night.\tSFX: a kettle clicks. VO: It's late.\t35mm\tNeeds a kettle\t0:00-0:04
            A mug steams.\tMAYA: Finally.\t\t\t0:04–0:09
            """
        let parsed = ScriptReader.read(text, name: "board.tsv")
        #expect(parsed.format == .tsv)
        let first = try #require(parsed.scenes.first)
        #expect(first.soundEffects == "a kettle clicks.")
        #expect(first.narration == "It's late.")
        #expect(first.visual == "A kitchen at night. Lens: 35mm")
        #expect(first.annotatedSeconds == 4)
        #expect(first.annotatedStart == 0)
        #expect(parsed.scenes[1].dialogue.map(\.speaker) == ["MAYA"])
        #expect(parsed.scenes[1].annotatedStart == 4)
        #expect(parsed.scenes[1].annotatedSeconds == 5)
        #expect(parsed.leftOut.contains(LeftOutText(line: 2, text: "Needs a kettle", reason: "note")))
    }

    /// The table's time column wins over a timing written in a cell.
    @Test func explicitTimingWins() throws {
        let text = "Visual,VO,Duration\nA door (10s),DURATION: 9s. Hello there.,4\nA wall,Bye.,6\n"
        let parsed = ScriptReader.read(text, name: "t.csv")
        #expect(parsed.scenes.map(\.annotatedSeconds) == [4, 6])
    }

    // MARK: - Time cells

    @Test(arguments: [
        ("4s", 4.0, nil as Double?), ("4 sec", 4, nil), ("4", 4, nil), ("0:04", 4, 4), ("4 Sek.", 4, nil), ("6 s", 6, nil),
        (":25", 25, 25), ("0:00-0:04", 4, 0), ("0:05–0:12", 7, 5), ("1:00 - 1:30", 30, 60), ("4,5 s", 4.5, nil),
        ("4秒", 4, nil), ("٤ ث", 4, nil), ("~5s", 5, nil), ("2 min", 120, nil), ("0:00〜0:03", 3, 0),
    ])
    func timeCell(cell: String, seconds: Double, start: Double?) throws {
        let time = try #require(ScriptCell.time(cell))
        #expect(time.seconds == seconds)
        #expect(time.start == start)
        // A single clock time is a duration or a start: the column decides.
        #expect(time.isClock == (cell.contains(":") && start != nil && !cell.contains { "-–〜".contains($0) }))
    }

    @Test func timeCellThatIsNotATime() {
        #expect(ScriptCell.time("TBD") == nil)
        #expect(ScriptCell.time("4 shots") == nil)
        #expect(ScriptCell.time("") == nil)
    }

    /// A `Time` column of clock times counting up from 0:00 gives start times.
    @Test func clockColumnCountingUpGivesStarts() throws {
        let text = "| Time | Visual | VO |\n|---|---|---|\n| 0:00 | A | One two. |\n| 0:05 | B | Three. |\n| 0:12 | C | Four. |"
        let parsed = ScriptReader.read(text)
        #expect(parsed.format == .table)
        #expect(parsed.scenes.map(\.annotatedStart) == [0, 5, 12])
        #expect(parsed.scenes.map(\.annotatedSeconds) == [5, 7, nil])
    }

    // MARK: - CSV quoting

    @Test func csvQuoting() throws {
        let text = "\u{FEFF}Scene,Visual,VO\r\nHook,\"A door, red\",\"She said \"\"hi\"\".\r\nThen left.\"\r\nEnd,A wall,\"Bye, \"\"all\"\"\"\r\n"
        let records = DelimitedText(text, separator: 44).records
        #expect(records.map { $0.fields.map(\.text) } == [
            ["Scene", "Visual", "VO"],
            ["Hook", "A door, red", "She said \"hi\".\nThen left."],
            ["End", "A wall", "Bye, \"all\""],
        ])
        #expect(records.map(\.lines) == [0...0, 1...2, 3...3])
        let parsed = ScriptReader.read(text, name: "q.csv")
        #expect(parsed.scenes.map(\.narration) == ["She said \"hi\". Then left.", "Bye, \"all\""])
        #expect(parsed.scenes.map { $0.source?.firstLine } == [2, 4])
    }

    @Test func unterminatedQuoteReadsToTheEnd() throws {
        let text = "Scene,Visual,VO\nHook,A door,\"Never closed\nand more words\nto the end"
        let csv = DelimitedText(text, separator: 44)
        #expect(csv.unterminated)
        #expect(csv.records.last?.fields.last?.text == "Never closed\nand more words\nto the end")
        let parsed = ScriptReader.read(text, name: "u.csv")
        #expect(parsed.format == .csv)
        #expect(parsed.scenes.first?.narration == "Never closed and more words to the end")
        #expect(WordAccount.lost(text, parsed).isEmpty)
    }

    @Test func csvWithoutAHeaderIsNotATable() throws {
        let text = "apples,pears,plums\n1,2,3\n4,5,6\n"
        #expect(ScriptReader.read(text, name: "fruit.csv").format != .csv)
        #expect(throws: MiaError(file: "fruit.csv", "cannot be read as csv: it has no comma-separated header row naming at least "
                                 + "two columns (Scene, Visual, Voiceover, On screen, Time…); it reads as prose")) {
            try ScriptReader.read(text, name: "fruit.csv", as: .csv)
        }
        let prose = "Open on a kitchen. We hear a kettle.\n\nShe pours tea, and smiles."
        #expect(throws: MiaError.self) { try ScriptReader.read(prose, name: "s.txt", as: .csv) }
        #expect(throws: MiaError.self) { try ScriptReader.read(prose, name: "s.txt", as: .table) }
        #expect(throws: MiaError.self) { try ScriptReader.read(prose, name: "s.txt", as: .srt) }
    }

    /// Prose with commas is not a table, and a tagged line is not a header.
    @Test func proseWithCommasStaysProse() {
        let text = "VISUAL: Close up, VO: Hello, SFX: boom\n\nVISUAL: A door, VO: Bye, SFX: click\n"
        #expect(ScriptReader.read(text, name: "s.txt").format != .csv)
        let lines = "Visual, audio and music matter.\nWe open on a kitchen, at night.\n"
        #expect(ScriptReader.read(lines, name: "s.txt").format != .csv)
    }

    // MARK: - Subtitles

    @Test func srtCues() throws {
        let text = """
            1
            00:00:00,000 --> 00:00:04,000
            [Wide shot of the harbor]

            2
            00:00:04,000 --> 00:00:09,500
            [SFX: gulls]
            VO: Welcome to Porthaven.
            """
        let parsed = ScriptReader.read(text, name: "a.srt")
        #expect(parsed.format == .srt)
        #expect(parsed.scenes.map(\.visual) == ["Wide shot of the harbor", ""])
        #expect(parsed.scenes.map(\.narration) == ["", "Welcome to Porthaven."])
        #expect(parsed.scenes.map(\.soundEffects) == ["", "gulls"])
        #expect(parsed.scenes.map(\.annotatedSeconds) == [4, 5.5])
        #expect(parsed.scenes.map(\.annotatedStart) == [0, 4])
        #expect(parsed.leftOut.map(\.reason) == ["cue number", "cue number"])
    }

    @Test func vttHeaderNotesIdsAndSettings() throws {
        let text = "WEBVTT - Demo\nKind: captions\n\nNOTE written by Sam\nfor the edit\n\nintro\n00:01.000 --> 00:03.000 align:start\n<v Maya>Hello there.\n"
        let parsed = ScriptReader.read(text, name: "d.vtt")
        #expect(parsed.format == .vtt)
        #expect(parsed.scenes.first?.dialogue.map(\.speaker) == ["Maya"])
        #expect(parsed.scenes.first?.annotatedSeconds == 2)
        #expect(parsed.leftOut.map(\.reason) == ["file header", "file header", "note", "note", "cue id", "cue settings"])
        #expect(WordAccount.lost(text, parsed).isEmpty)
    }

    @Test func timestamps() {
        #expect(SubtitleScript.timestamp("00:00:04,000") == 4)
        #expect(SubtitleScript.timestamp("01:02:03.5") == 3723.5)
        #expect(SubtitleScript.timestamp("00:09.250") == 9.25)
        #expect(SubtitleScript.timestamp("99999:99:99,999") != nil)
        #expect(SubtitleScript.timestamp("1234567890:00:00,000") == nil)
        #expect(SubtitleScript.timestamp("abc") == nil)
        #expect(SubtitleScript.timestamp("4") == nil)
    }

    // MARK: - Hostile input

    @Test func absurdCueTimesGiveNoSeconds() throws {
        let text = "1\n99999:99:99,999 --> 99999:99:99,998\nHello.\n\n2\n00:00:01,000 --> 99999:00:00,000\nBye.\n"
        let parsed = ScriptReader.read(text, name: "x.srt")
        #expect(parsed.format == .srt)
        #expect(parsed.scenes.map(\.annotatedSeconds) == [nil, nil])
    }

    @Test func oneMegabyteQuotedField() throws {
        let huge = String(repeating: "word, \"\"quoted\"\" and\nmore ", count: 40_000)
        let text = "Scene,Visual,VO\nHook,\"\(huge)\",Hi.\n"
        #expect(text.utf8.count > 1_000_000)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            let parsed = ScriptReader.read(text, name: "big.csv")
            #expect(parsed.format == .csv)
            #expect(parsed.scenes.count == 1)
            #expect(parsed.scenes.first?.narration == "Hi.")
        }
        #expect(elapsed < .seconds(20))
    }

    @Test func tenThousandColumns() throws {
        let header = (0..<10_000).map { $0 % 2 == 0 ? "Visual \($0)" : "VO" }
        let row = (0..<10_000).map { "w\($0)" }
        let csv = header.joined(separator: ",") + "\n" + row.joined(separator: ",") + "\n"
        let parsed = ScriptReader.read(csv, name: "wide.csv")
        #expect(parsed.format == .csv)
        #expect(parsed.scenes.count == 1)
        let markdown = "| " + header.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: 10_000) + "\n| "
            + row.joined(separator: " | ") + " |\n"
        // Wider than cmark-gfm's table parsing is fast for (`MarkdownLines.maxTableColumns`): read as text,
        // every word kept.
        let table = ScriptReader.read(markdown, name: "wide.md")
        #expect(table.format != .table)
        #expect(WordAccount.lost(markdown, table).isEmpty)
    }

    @Test func unterminatedQuoteInTheHeaderIsNotATable() {
        let text = "\"Scene,Visual,VO\nHook,A,B\n"
        #expect(throws: MiaError.self) { try ScriptReader.read(text, name: "h.csv", as: .csv) }
        #expect(!ScriptReader.read(text, name: "h.csv").scenes.isEmpty)
    }

    /// A row with audio only goes on with the shot above it (a second line of dialogue in an AV script).
    @Test func anAudioOnlyRowContinuesTheShotAbove() {
        let text = """
            | Video | Audio |
            |---|---|
            | Kitchen, morning. A couple argue over the coffee maker. | WIFE: It's broken again. |
            | | HUSBAND: Told you. |
            | Pack shot of the new machine. | VO: Mornings, fixed. |
            """
        let parsed = ScriptReader.read(text, name: "ad.md")
        #expect(parsed.format == .table)
        #expect(parsed.scenes.count == 2)
        #expect(parsed.scenes.first?.narration == "It's broken again. Told you.")
        #expect(parsed.scenes.first?.dialogue.compactMap(\.speaker) == ["WIFE", "HUSBAND"])
        #expect(parsed.scenes.first?.source.map { [$0.firstLine, $0.lastLine] } == [3, 4])
    }
}
