import Foundation
import Testing
@testable import MiaPipeline

/// The screenplay readers: each Fountain element (https://fountain.io/syntax) on its own, and Final Draft
/// XML, whole and damaged.
@Suite struct ScreenplayReaderTests {
    static func fountain(_ text: String) -> ParsedScript { ScriptReader.read(text, name: "test.fountain") }

    static func reasons(_ parsed: ParsedScript, _ reason: String) -> [String] {
        parsed.leftOut.filter { $0.reason == reason }.map(\.text)
    }

    // MARK: - Fountain

    @Test func titlePageIsLeftOutWithItsIndentedValues() {
        let parsed = Self.fountain("""
            Title: **Second Shot**
            Credit: Written by
            Author: Ines Calloway
            Contact:
                ines@example.com

            INT. CAFE - DAY

            Rain.
            """)
        #expect(parsed.format == .screenplay)
        #expect(Self.reasons(parsed, "title page") == ["Title: **Second Shot**", "Credit: Written by", "Author: Ines Calloway",
                                                       "Contact:", "ines@example.com"])
        #expect(parsed.leftOut.first?.line == 1)
        #expect(parsed.scenes.map(\.title) == ["INT. CAFE - DAY"])
    }

    @Test(arguments: ["INT. KITCHEN - DAY", "EXT. ROOF - NIGHT", "EST. CITY - DAWN", "INT./EXT. CAR - MOVING",
                      "INT/EXT CAR - MOVING", "I/E CAR - MOVING", "int. kitchen - day"])
    func sceneHeadingsStartScenes(_ heading: String) {
        let parsed = Self.fountain("Rain falls.\n\n\(heading)\n\nA kettle boils.\n")
        #expect(parsed.scenes.map(\.title) == ["Rain falls", heading])
        #expect(parsed.scenes.last?.visual == "A kettle boils.")
        #expect(parsed.scenes.last?.source?.rule == "a scene heading (INT./EXT.) starts each scene")
        #expect(parsed.scenes.last?.source?.firstLine == 3)
    }

    @Test func sceneNumbersAndForcedHeadings() {
        let parsed = Self.fountain("""
            INT. HOUSE - DAY #1A#

            A door.

            .FLASHBACK

            A younger door.

            ...and then nothing.
            """)
        #expect(parsed.scenes.map(\.title) == ["INT. HOUSE - DAY", "FLASHBACK"])
        #expect(parsed.scenes[1].visual == "A younger door. ...and then nothing.")
    }

    @Test func charactersExtensionsAndForcedNames() {
        let parsed = Self.fountain("""
            INT. VAULT - NIGHT

            RUIZ (V.O.)
            Tell me.

            @McCLANE
            Told you.

            DR. LEE (CONT'D)
            Fine.

            VOICE (O.S.)
            Late.
            """)
        #expect(parsed.scenes[0].dialogue.map(\.speaker) == ["RUIZ", "McCLANE", "DR. LEE", "VOICE"])
        #expect(parsed.scenes[0].narration == "Tell me. Told you. Fine. Late.")
        #expect(parsed.scenes[0].visual == "")
        #expect(parsed.scenes[0].dialogue.map(\.line) == [4, 7, 10, 13])
    }

    @Test func anUpperCaseLineWithNothingUnderItIsAction() {
        let parsed = Self.fountain("INT. HALL - DAY\n\nBOOM\n\nSilence.\n")
        #expect(parsed.scenes[0].visual == "BOOM Silence.")
        #expect(parsed.scenes[0].dialogue.isEmpty)
    }

    @Test func parentheticalsAreLeftOut() {
        let parsed = Self.fountain("""
            INT. HALL - DAY

            MAYA
            (whispering)
            Not today.
            (beat)
            (to Leo) Or ever.
            """)
        #expect(parsed.scenes[0].narration == "Not today. Or ever.")
        #expect(Self.reasons(parsed, "parenthetical") == ["(whispering)", "(beat)", "(to Leo)"])
    }

    @Test func dualDialogueKeepsScriptOrder() {
        let parsed = Self.fountain("""
            INT. HALL - DAY

            BRICK
            Screw retirement.

            STEEL ^
            Screw retirement.
            """)
        #expect(parsed.scenes[0].dialogue.map(\.speaker) == ["BRICK", "STEEL"])
    }

    @Test func transitionsAndForcedTransitionsAreLeftOut() {
        let parsed = Self.fountain("""
            FADE IN:

            INT. HALL - DAY

            A door.

            CUT TO:

            EXT. STREET - DAY

            Cars.

            > BURN TO WHITE.
            """)
        #expect(parsed.scenes.map(\.visual) == ["A door.", "Cars."])
        #expect(Self.reasons(parsed, "transition") == ["FADE IN:", "CUT TO:", "BURN TO WHITE."])
    }

    @Test func centeredTextIsLeftOut() {
        let parsed = Self.fountain("INT. HALL - DAY\n\nA door.\n\n> THE END <\n")
        #expect(parsed.scenes[0].visual == "A door.")
        #expect(parsed.scenes[0].onScreenText == "")
        #expect(Self.reasons(parsed, "centered text") == ["THE END"])
    }

    @Test func notesAreLeftOutInlineAndOverLines() {
        let parsed = Self.fountain("""
            INT. HALL - DAY

            A door [[make it red]] creaks.

            [[Cut this
            if long.]]

            MAYA
            Hello [[louder?]] there.
            """)
        #expect(parsed.scenes[0].visual == "A door creaks.")
        #expect(parsed.scenes[0].narration == "Hello there.")
        #expect(Self.reasons(parsed, "note") == ["make it red", "Cut this", "if long.", "louder?"])
        #expect(parsed.leftOut.first { $0.text == "if long." }?.line == 6)
    }

    @Test func boneyardIsLeftOutOverLines() {
        let parsed = Self.fountain("""
            INT. HALL - DAY

            /*
            NORA
            Keep it.
            */

            A door /* old idea */ opens.
            """)
        #expect(parsed.scenes[0].visual == "A door opens.")
        #expect(parsed.scenes[0].dialogue.isEmpty)
        #expect(Self.reasons(parsed, "boneyard") == ["NORA", "Keep it.", "old idea"])
    }

    @Test func sectionsSynopsesAndPageBreaksAreNotContent() {
        let parsed = Self.fountain("""
            # ACT ONE

            = The crew finds the vault empty.

            INT. VAULT - NIGHT

            Empty boxes.

            ===

            ## The call

            A phone rings.
            """)
        #expect(parsed.scenes.count == 1)
        #expect(parsed.scenes[0].visual == "Empty boxes. A phone rings.")
        #expect(Self.reasons(parsed, "section") == ["ACT ONE", "The call"])
        #expect(Self.reasons(parsed, "synopsis") == ["The crew finds the vault empty."])
    }

    @Test func emphasisMarksAreRemoved() {
        let parsed = Self.fountain("""
            INT. HALL - *NIGHT*

            A **very** _old_ door, ***slowly*** opening. A file_name stays, 5 * 3 stays, \\*literal\\* stays.

            MAYA
            I *said* no.
            """)
        #expect(parsed.scenes[0].title == "INT. HALL - NIGHT")
        #expect(parsed.scenes[0].visual == "A very old door, slowly opening. A file_name stays, 5 * 3 stays, *literal* stays.")
        #expect(parsed.scenes[0].narration == "I said no.")
    }

    @Test func lyricsAreSoundAndForcedActionIsVisual() {
        let parsed = Self.fountain("""
            INT. HALL - DAY

            ~Happy birthday to you

            !SCREAMING
            Then silence.

            SUPER: Ten years later
            """)
        #expect(parsed.scenes[0].soundEffects == "Happy birthday to you")
        #expect(parsed.scenes[0].visual == "SCREAMING Then silence.")
        #expect(parsed.scenes[0].onScreenText == "Ten years later")
    }

    @Test func slugLinesWinDetectionWithoutAnExtension() {
        let parsed = ScriptReader.read("""
            INT. DINER - NIGHT

            Jo wipes the counter.

            JO
            We're closed.
            """)
        #expect(parsed.format == .screenplay)
        #expect((parsed.detection.confidence) > 0.9)
        #expect(parsed.scenes[0].dialogue.map(\.speaker) == ["JO"])
    }

    @Test func taggedScriptsAreNotScreenplays() {
        let parsed = ScriptReader.read("""
            VISUAL
            A kettle boils.

            VO
            Mornings start here.

            VISUAL
            Steam.

            VO
            Every day.
            """)
        #expect(parsed.format != .screenplay)
    }

    @Test func forcingScreenplayOnProseSaysWhy() {
        #expect(throws: MiaError.self) {
            try ScriptReader.read("Just a paragraph about bread.\n\nAnother one.", as: .screenplay)
        }
    }

    // MARK: - Final Draft

    static let fdx = """
        <?xml version="1.0" encoding="UTF-8" standalone="no" ?>
        <FinalDraft DocumentType="Script" Template="No" Version="5">
          <Content>
            <Paragraph Type="Scene Heading"><Text>INT. KITCHEN - NIGHT</Text></Paragraph>
            <Paragraph Type="Action"><Text>Pans </Text><Text Style="Bold">flare</Text><Text>.</Text></Paragraph>
            <Paragraph Type="Character"><Text>ANA (V.O.)</Text></Paragraph>
            <Paragraph Type="Parenthetical"><Text>(quietly)</Text></Paragraph>
            <Paragraph Type="Dialogue"><Text>Rice &amp; patience.</Text></Paragraph>
            <Paragraph Type="Transition"><Text>CUT TO:</Text></Paragraph>
            <Paragraph Type="Scene Heading"><Text>EXT. DOCK - DAY</Text></Paragraph>
            <Paragraph Type="Shot"><Text>Lemons.</Text></Paragraph>
            <Paragraph Type="General"><Text>Gulls.</Text></Paragraph>
          </Content>
          <TitlePage><Content><Paragraph Type="Text"><Text>SIX TABLES</Text></Paragraph></Content></TitlePage>
        </FinalDraft>
        """

    @Test func finalDraftParagraphs() throws {
        let parsed = ScriptReader.read(Self.fdx, name: "pilot.fdx")
        #expect(parsed.format == .fdx)
        #expect(parsed.scenes.map(\.title) == ["INT. KITCHEN - NIGHT", "EXT. DOCK - DAY"])
        #expect(parsed.scenes[0].visual == "Pans flare.")
        #expect(parsed.scenes[0].narration == "Rice & patience.")
        #expect(parsed.scenes[0].dialogue.map(\.speaker) == ["ANA"])
        #expect(parsed.scenes[0].dialogue.first?.line == 8)
        #expect(parsed.scenes[0].source?.firstLine == 4)
        #expect(parsed.scenes[1].visual == "Lemons. Gulls.")
        #expect(parsed.leftOut.map(\.reason) == ["parenthetical", "transition", "title page"])
        #expect(parsed.leftOut.last?.line == 14)
    }

    @Test func finalDraftIsFoundByItsRootWithoutAName() {
        #expect(ScriptReader.read(Self.fdx).format == .fdx)
    }

    static let damaged: [(name: String, text: String)] = [
        ("truncated", String(fdx.prefix(fdx.count / 2))),
        ("not XML", "<FinalDraft> this is << not & xml"),
        ("plain text", "INT. KITCHEN - DAY\n\nJust text in a file called .fdx"),
        ("wrong root", "<?xml version=\"1.0\"?><html><body>hi</body></html>"),
        ("billion laughs", """
            <?xml version="1.0"?>
            <!DOCTYPE FinalDraft [
              <!ENTITY lol "lol">
              <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
              <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
              <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
              <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
              <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
              <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
              <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
            ]>
            <FinalDraft><Content><Paragraph Type="Action"><Text>&lol9;</Text></Paragraph></Content></FinalDraft>
            """),
        ("external entity", """
            <?xml version="1.0"?>
            <!DOCTYPE FinalDraft [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <FinalDraft><Content><Paragraph Type="Action"><Text>&secret;</Text></Paragraph></Content></FinalDraft>
            """),
    ]

    @Test(arguments: damaged.indices)
    func damagedFinalDraftIsRefused(_ index: Int) {
        let (label, text) = Self.damaged[index]
        #expect(ScriptReader.read(text, name: "damaged.fdx").scenes.isEmpty, "\(label)")
        #expect(throws: MiaError.self, "\(label)") { try ScriptReader.read(text, name: "damaged.fdx", as: .fdx) }
    }

    @Test func hugeFinalDraftIsReadWhole() {
        var xml = "<?xml version=\"1.0\"?>\n<FinalDraft><Content>\n"
        for index in 0..<5_000 {
            xml += "<Paragraph Type=\"Scene Heading\"><Text>INT. ROOM \(index) - DAY</Text></Paragraph>\n"
            xml += "<Paragraph Type=\"Action\"><Text>Nothing happens.</Text></Paragraph>\n"
        }
        xml += "</Content></FinalDraft>\n"
        let parsed = ScriptReader.read(xml, name: "huge.fdx")
        #expect(parsed.scenes.count == 5_000)
        #expect(parsed.scenes.last?.source?.firstLine == 10_001)
    }

    @Test func deepNestingIsRefusedOrRead() {
        let xml = "<FinalDraft><Content>" + String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
            + "</Content></FinalDraft>"
        // libxml2 stops at its depth limit; either way nothing crashes and nothing is made up.
        #expect(ScriptReader.read(xml, name: "deep.fdx").scenes.isEmpty)
    }
}
