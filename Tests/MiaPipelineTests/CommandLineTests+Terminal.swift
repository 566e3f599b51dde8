import Foundation
import Testing
@testable import MiaPipeline

/// What a person at a terminal sees: one live scene block, events only when asked for, no raw escape
/// sequences from titles or file names; and the small things a terminal user reaches for.
extension CommandLineTests {
    static let fourScenes = """
        Scene 1: Welcome
        ON SCREEN: Welcome to the update
        VO: Here is what is new.

        Scene 2: Search
        ON SCREEN: Search is faster
        VO: Search answers in half the time.

        Scene 3: Offline
        ON SCREEN: Works offline
        VO: Keep working anywhere.

        Scene 4: Get it
        ON SCREEN: Update today
        VO: Update today.
        """

    func renderOnTerminal(_ extra: [String]) throws -> (screen: TerminalScreen, raw: String) {
        let scratch = Scratch()
        try Self.fourScenes.write(toFile: scratch.path("four.txt"), atomically: true, encoding: .utf8)
        let result = try runOnTerminal(Repo.cli, ["render", scratch.path("four.txt"), "-o", scratch.path("four.mp4"), "--autopilot",
                                                  "--provider", "template", "--size", "320x180"] + extra,
                                       environment: ["MIA_DB": scratch.path("jobs.sqlite"), "RUNWAYML_API_SECRET": "", "OPENAI_API_KEY": ""])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(Verifier(log: SilentLog()).verify([scratch.path("four.mp4")])[0].passed)
        return (TerminalScreen(result.stdout), result.stdout)
    }

    @Test func aRenderOnATerminalShowsOneLiveSceneBlockAndNoEvents() throws {
        let (screen, raw) = try renderOnTerminal([])
        for number in 1...4 {
            let rows = screen.lines.filter { $0.hasPrefix(String(format: "  scene %2d ", number)) }
            #expect(rows.count == 1, "scene \(number): \(screen.lines)")
            #expect(rows.first?.contains("done") == true, "\(rows)")
        }
        #expect(!screen.lines.contains { $0.contains("[MIA:") }, "\(screen.lines)")
        #expect(raw.contains("\u{1B}[4A"), "the block is redrawn in place")
    }

    @Test func verboseOnATerminalPrintsEventsAboveTheBlock() throws {
        let (screen, _) = try renderOnTerminal(["-v"])
        let block = screen.lines.indices.filter { screen.lines[$0].hasPrefix("  scene ") }
        #expect(block.count == 4, "\(screen.lines)")
        let first = try #require(block.first)
        #expect(block == Array(first...first + 3), "one block, its lines together")
        let events = screen.lines.indices.filter { screen.lines[$0].hasPrefix("[MIA:") }
        let created = screen.lines.filter { $0.hasPrefix("[MIA:SCENE:CREATE]") }
        #expect(created.count == 4, "\(screen.lines)")
        #expect(screen.lines.contains { $0.hasPrefix("[MIA:ALL_SCENES_COMPLETE]") })
        // The block is live until the video is stitched and reviewed: every event is printed above it.
        #expect(!events.isEmpty && events.allSatisfy { $0 < first }, "\(screen.lines)")
    }

    @Test func aStitchsProgressLineNeverRunsIntoItsEvents() throws {
        let scratch = Scratch()
        let output = scratch.path("long.mp4")
        let result = try runOnTerminal(Repo.cli, ["stitch"] + Array(repeating: a, count: 300) + ["-o", output], environment: [:])
        #expect(result.status == 0, "\(result.stdout.suffix(500))")
        let screen = TerminalScreen(result.stdout)
        #expect(result.stdout.contains("stitching: clip "), "the progress line was shown")
        #expect(!screen.lines.contains { $0.contains("stitching: clip") }, "and cleared: \(screen.lines.filter { $0.contains("stitching") })")
        #expect(screen.lines.filter { $0.hasPrefix("[MIA:STITCH:CLIP]") }.count == 300)
        #expect(screen.lines.last { !$0.isEmpty }?.hasPrefix("[MIA:STITCH:COMPLETE]") == true, "\(screen.lines.suffix(3))")
    }

    @Test func aLiveRegionRedrawsInPlaceWithPrintsAboveIt() {
        let output = OutputCapture()
        let region = LiveRegion(width: 40) { output.append($0) }
        region.show(["a: waiting", "b: waiting"])
        region.printAbove("[MIA:ONE] x=1")
        region.show(["a: done", "b: rendering \u{1B}]0;title\u{07}"])
        region.printAbove("[MIA:TWO] x=2\n")
        region.show(["a: done", "b: done and a very long line that the terminal would wrap"])
        region.finish()
        region.printAbove("after")
        let screen = TerminalScreen(output.text)
        #expect(screen.lines == ["[MIA:ONE] x=1", "[MIA:TWO] x=2", "a: done", "b: done and a very long line that the …", "after", ""])
        #expect(!output.text.contains("\u{07}") && output.text.contains("\\x1B]0;title\\x07"))
    }

    @Test func versionComesFromOnePlace() throws {
        let result = try run(Repo.cli, ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == MiaVersion.current + "\n")
    }

    @Test func aScriptThatCannotBeAnalyzedIsLoggedAsAnAnalyzeError() throws {
        let scratch = Scratch()
        let empty = scratch.path("empty.txt")
        try Data().write(to: URL(fileURLWithPath: empty))
        let refused = try run(Repo.cli, ["analyze", empty])
        #expect(refused.status == 1)
        #expect(refused.stderr == "[MIA:ANALYZE:ERROR] script=\(empty) reason=\"\(empty): the script is empty; there is nothing to analyze\"\n"
                + "mia-stitch: error: \(empty): the script is empty; there is nothing to analyze\n")
        let unreadable = try run(Repo.cli, ["analyze", scratch.url.path])
        #expect(unreadable.stderr.hasPrefix("[MIA:ANALYZE:ERROR] script=\(scratch.url.path) reason="), "\(unreadable.stderr)")
    }

    @Test func escapeSequencesFromFileNamesAndTitlesNeverReachTheTerminalRaw() throws {
        let scratch = Scratch()
        let hostile = scratch.path("clip\u{1B}]0;pwned\u{07}\u{9B}2J.mp4")
        try Data("not a video".utf8).write(to: URL(fileURLWithPath: hostile))
        let probed = try run(Repo.cli, ["probe", hostile])
        #expect(probed.status == 1)
        #expect(probed.stderr.contains("clip\\x1B]0;pwned\\x07\\x9B2J.mp4: not a media file"), "\(probed.stderr)")
        let verified = try run(Repo.cli, ["verify", hostile])
        let script = scratch.path("title.txt")
        try "Scene 1: Red\u{1B}[31m alert\u{07}\u{85}\nON SCREEN: Hello\nVO: Hello there.\n".write(toFile: script, atomically: true, encoding: .utf8)
        let analyzed = try run(Repo.cli, ["analyze", script])
        #expect(analyzed.status == 0, "\(analyzed.stderr)")
        for output in [probed.stdout, probed.stderr, verified.stdout, verified.stderr, analyzed.stdout, analyzed.stderr] {
            #expect(!output.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{9B}" || $0 == "\r" }, "\(output)")
        }
    }

    @Test func probeShowsExtradataOnlyWhenAsked() throws {
        let plain = try run(Repo.cli, ["probe", a, "--json"])
        #expect(plain.status == 0)
        #expect(!plain.stdout.contains("\"extradata\""), "\(plain.stdout)")
        let shown = try run(Repo.cli, ["probe", a, "--json", "--show-extradata"])
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [[String: Any]])
        let streams = try #require((reports[0]["info"] as? [String: Any])?["streams"] as? [[String: Any]])
        #expect(Data(base64Encoded: streams[0]["extradata"] as? String ?? "")?.count == 46)
    }
}

/// Collects what a `LiveRegion` writes.
final class OutputCapture: @unchecked Sendable {
    // @unchecked: `collected` is only touched under `lock`.
    private let lock = NSLock()
    private var collected = ""
    func append(_ text: String) { lock.withLock { collected += text } }
    var text: String { lock.withLock { collected } }
}
