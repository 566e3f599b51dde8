import Foundation
import Testing
@testable import MiaPipeline

/// The reader as a user meets it: `--format`, `--explain`, what it says is left out, the other reading when
/// a format is a close call, and time ranges that do not add up.
@Suite struct ScriptReaderTests {
    @Test func aForcedFormatReadsOrSaysWhyNot() throws {
        let text = "1. Hook (3s)\nVO: Stop scrolling.\n\n2. Demo (5s)\nVO: Watch this."
        #expect(try ScriptReader.read(text, name: "a.txt", as: .outline).scenes.map(\.title) == ["Hook", "Demo"])
        #expect(try ScriptReader.read(text, name: "a.txt", as: .prose).format == .prose)
        let error = try #require(throws: MiaError.self) { try ScriptReader.read(text, name: "a.txt", as: .screenplay) }
        #expect(error.subject == "a.txt")
        #expect(error.message.contains("cannot be read as screenplay"))
        #expect(throws: MiaError.self) { try ScriptReader.read(text, name: "a.txt", as: .csv) }
        #expect(ScriptFormat.named("Fountain") == .screenplay && ScriptFormat.named("webvtt") == .vtt && ScriptFormat.named("nope") == nil)
    }

    @Test func aCloseCallNamesTheOtherReading() throws {
        // Markdown headings and a numbered outline both read this script.
        let text = "## Hook\n1. Open on the city (3s)\nVO: One.\n\n## Close\n2. Logo (2s)\nVO: Two."
        let parsed = ScriptReader.read(text)
        #expect(parsed.detection.alternative != nil)
        #expect(parsed.detection.confidence < 0.9)
        let warning = try #require(MiaMessages.formatGuess(parsed.detection))
        #expect(warning.contains("--format \(parsed.detection.alternative!.rawValue)"))
        let forced = try ScriptReader.read(text, name: "s.md", as: parsed.detection.alternative!)
        #expect(forced.detection.forced && MiaMessages.formatGuess(forced.detection) == nil)
    }

    @Test func overlappingAndGappedTimeRangesAreNamed() throws {
        let parsed = ScriptReader.read("00:00-00:05 Hook\nVO: One.\n00:04-00:09 Demo\nVO: Two.\n00:12-00:15 End\nVO: Three.")
        #expect(parsed.format == .timecoded)
        #expect(parsed.scenes.map(\.annotatedStart) == [0, 4, 12])
        #expect(parsed.timingWarnings.count == 2)
        #expect(parsed.timingWarnings[0].contains("scene 2 starts at 0:04, before scene 1 ends at 0:05 (lines 1 and 3)"))
        #expect(parsed.timingWarnings[1].contains("3.0 s after scene 2"))
        let analysis = try ScriptAnalyzer(log: SilentLog()).analyze("00:00-00:05 Hook\nVO: One.\n00:04-00:09 Demo\nVO: Two.")
        #expect(analysis.warnings.contains { $0.kind == .timing })
        // Ranges that meet end to end say nothing.
        #expect(ScriptReader.read("0:00-0:03 A\nVO: a.\n0:03-0:07 B\nVO: b.").timingWarnings.isEmpty)
    }

    @Test func whatIsLeftOutIsListedWithItsLineAndReason() throws {
        let parsed = ScriptReader.read("""
            Spring Sale — 30s spot
            Client: Acme

            Scene 1: Hook
            NOTE: reshoot if it rains
            VO: Spring is here.
            CUT TO:

            Scene 2: Offer
            VO: Half off everything.
            """)
        #expect(parsed.scenes.map(\.title) == ["Hook", "Offer"])
        #expect(parsed.leftOut.map(\.line) == [1, 2, 5, 7])
        #expect(parsed.leftOut.map(\.reason) == ["title block", "brief", "note", "transition"])
        #expect(MiaMessages.leftOutSummary(parsed.leftOut) == "left out: 4 lines (title block, brief, note, transition)")
        #expect(parsed.scenes.map { $0.source.map { [$0.firstLine, $0.lastLine] } } == [[4, 6], [9, 10]])
        #expect(WordAccount.lost("Spring Sale — 30s spot\nClient: Acme\n\nScene 1: Hook\nNOTE: reshoot if it rains\nVO: Spring is here.\nCUT TO:\n\nScene 2: Offer\nVO: Half off everything.", parsed).isEmpty)
    }

    @Test func explainAndJSONFromTheCommandLine() throws {
        let scratch = Scratch()
        let script = scratch.path("outline.txt")
        try "Launch outline\n\n1. Hook (0:00-0:03) — Phone buzzing\n   VO: Too many emails?\n2. Demo (0:03-0:10) — The app sorts them\n   VO: One tap.\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let environment = ["MIA_DB": scratch.path("jobs.sqlite"), "RUNWAYML_API_SECRET": "", "OPENAI_API_KEY": ""]
        let explained = try run(Repo.cli, ["analyze", script, "--explain"], environment: environment)
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("Format: outline"))
        #expect(explained.stdout.contains("scene 2 \"Demo\": lines 5–6, a numbered outline item starts each scene"))
        #expect(explained.stdout.contains("line 1 (title block): Launch outline"))
        #expect(explained.stdout.contains("Left out: 1 line (title block)"))

        let json = try run(Repo.cli, ["analyze", script, "--json"], environment: environment)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["leftOut"] as? [[String: Any]])?.first?["reason"] as? String == "title block")
        let scenes = try #require(object["scenes"] as? [[String: Any]])
        let source = try #require((scenes.first?["scene"] as? [String: Any])?["source"] as? [String: Any])
        #expect(source["firstLine"] as? Int == 3 && source["rule"] as? String == "a numbered outline item starts each scene")

        let forced = try run(Repo.cli, ["analyze", script, "--format", "fdx"], environment: environment)
        #expect(forced.status != 0)
        #expect(forced.stderr.contains("\(script): cannot be read as fdx"))
        let unknown = try run(Repo.cli, ["analyze", script, "--format", "word"], environment: environment)
        #expect(unknown.status == 64)
    }

    @Test func aManifestCanForceTheFormat() throws {
        let scratch = Scratch()
        try "VO: Hello.".write(toFile: scratch.path("a.txt"), atomically: true, encoding: .utf8)
        try "jobs:\n  - script: a.txt\n    output: a.mp4\n    format: fountain\n".write(toFile: scratch.path("m.yaml"), atomically: true, encoding: .utf8)
        #expect(try BatchManifest.load(path: scratch.path("m.yaml")).jobs.map(\.settings.scriptFormat) == [.screenplay])
        try "jobs:\n  - script: a.txt\n    output: a.mp4\n    format: docx\n".write(toFile: scratch.path("bad.yaml"), atomically: true, encoding: .utf8)
        let error = try #require(throws: (any Error).self) { try BatchManifest.load(path: scratch.path("bad.yaml")) }
        #expect("\(error)".contains("bad.yaml:4: job 1, format: unknown script format \"docx\""))
    }
}

extension ScriptReaderTests {
    /// `- :10` and `— five seconds` after a heading are the scene's length, as ad scripts write them.
    @Test func spotLengthsAndSpelledSecondsAreTimings() {
        let parsed = ScriptReader.read("Scene 1 - :10\nVO: Ten seconds of bliss.\n\nScene 2 — five seconds\nVO: Then five more.\n\nScene 3: Five reasons\nVO: A list.")
        #expect(parsed.scenes.map(\.annotatedSeconds) == [10, 5, nil])
        #expect(parsed.scenes.last?.title == "Five reasons")
    }
}

extension ScriptReaderTests {
    /// `[0:15] END` ends the scene before it: no extra scene, the last scene's length from it.
    @Test func anEndMarkEndsTheLastScene() {
        let parsed = ScriptReader.read("[0:00] Hook\nVO: One.\n\n[0:05] Demo\nVO: Two.\n\n[0:15] END\n")
        #expect(parsed.scenes.map(\.title) == ["Hook", "Demo"])
        #expect(parsed.scenes.map(\.annotatedSeconds) == [5, 10])
        #expect(parsed.leftOut.map(\.reason) == ["end mark"])
    }
}

extension ScriptReaderTests {
    /// Plans written before this reader (no `dialogue` or `source` on scenes, the `twoColumn` format name) load.
    @Test func plansFromBeforeStillLoad() throws {
        let scene = #"{"number":1,"title":"Hook","visual":"A kettle.","narration":"Morning.","onScreenText":"","soundEffects":""}"#
        let decoded = try JSONDecoder().decode(Scene.self, from: Data(scene.utf8))
        #expect(decoded.dialogue.isEmpty && decoded.source == nil && decoded.narration == "Morning.")
        #expect(try JSONDecoder().decode([ScriptFormat].self, from: Data(#"["twoColumn","headings"]"#.utf8)) == [.tags, .headings])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ScriptFormat].self, from: Data(#"["word"]"#.utf8)) }
        let current = Scene(number: 1, title: "Hook", narration: "Hi.", dialogue: [SpokenLine(speaker: "MAYA", text: "Hi.", line: 3)],
                            source: SceneSource(firstLine: 2, lastLine: 3, rule: "r"))
        #expect(try JSONDecoder().decode(Scene.self, from: JSONEncoder().encode(current)) == current)
    }
}
