import Foundation
import Testing
@testable import MiaPipeline

/// Captions of real narrated renders (eSpeak NG), read back with independent parsers and ffprobe/ffmpeg.
@Suite struct CaptionRenderTests {
    static let script = """
        Scene 1: Harbor
        VO: Every morning the harbor wakes before the city, and the boats go out into the grey water while the lamps on the pier are still burning.

        Scene 2: Market
        VO: Fish.

        Scene 3: Noon
        VO: By noon the market is loud, the gulls are louder, and nobody remembers the quiet of the early hours.
        """

    struct Parsed: Equatable {
        var start: Double
        var end: Double
        var text: [String]
    }

    static func seconds(_ stamp: Substring) -> Double? {
        let parts = stamp.replacingOccurrences(of: ",", with: ".").split(separator: ":")
        guard parts.count == 3, let h = Double(parts[0]), let m = Double(parts[1]), let s = Double(parts[2]) else { return nil }
        return h * 3600 + m * 60 + s
    }

    /// SubRip read back: every block numbered 1, 2, 3… in order.
    static func parseSRT(_ text: String) throws -> [Parsed] {
        let text = text.replacingOccurrences(of: "\r", with: "")
        let blocks = text.components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        return try blocks.enumerated().map { index, block in
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            #expect(lines.first == Substring("\(index + 1)"), "block \(index + 1) is numbered \(lines.first ?? "")")
            let times = lines[1].components(separatedBy: " --> ")
            let start = try #require(seconds(Substring(times[0]))), end = try #require(seconds(Substring(times[1])))
            return Parsed(start: start, end: end, text: lines.dropFirst(2).map(String.init))
        }
    }

    static func parseVTT(_ text: String) throws -> [Parsed] {
        #expect(text.hasPrefix("WEBVTT\n\n"))
        let blocks = text.components(separatedBy: "\n\n").dropFirst().filter { !$0.isEmpty }
        return try blocks.map { block in
            let lines = block.split(separator: "\n")
            let times = lines[0].components(separatedBy: " --> ")
            let start = try #require(seconds(Substring(times[0]))), end = try #require(seconds(Substring(times[1])))
            return Parsed(start: start, end: end, text: lines.dropFirst().map(String.init))
        }
    }

    static func render(_ output: String, captions: CaptionMode?, scratch: Scratch) async throws -> (RenderPlan, String, StitchResult) {
        let render = RenderOrchestrator(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([]), log: SilentLog())
        var plan = PlanOptions(provider: .template, width: 320, height: 180, fps: 30)
        plan.narration = NarrationOptions(voice: .engine(.espeak, voice: nil), captions: captions ?? .sidecar)
        let options = RenderOptions(plan: plan, theme: try Theme.named("midnight"))
        let prepared = try await render.prepare(script: Self.script, name: "harbor.txt", output: output, options: options)
        let outcome = try await render.execute(prepared, output: output, options: options)
        return (prepared.plan, prepared.folder, outcome.stitch)
    }

    @Test func sidecarsAreWrittenByDefaultAndMatchTheWordTimings() async throws {
        let scratch = Scratch()
        let output = scratch.path("harbor.mp4")
        let (plan, _, stitch) = try await Self.render(output, captions: nil, scratch: scratch)
        #expect(plan.captions == .sidecar && plan.language == "en")
        let srt = try Self.parseSRT(String(contentsOfFile: scratch.path("harbor.srt"), encoding: .utf8))
        let vtt = try Self.parseVTT(String(contentsOfFile: scratch.path("harbor.vtt"), encoding: .utf8))
        #expect(srt == vtt, "the two files say the same")
        #expect(srt.count == stitch.captions.count && srt.count >= 4, "\(srt.count) cues")
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)

        // Every word of the plan, in order, and each cue starting on a word's start.
        let spans = stitch.clips
        var words: [(start: Double, sceneEnd: Double, word: String)] = []
        for (job, span) in zip(plan.scenes, spans) {
            let speech = try #require(job.speech)
            words += speech.words.map { (span.startSeconds + speech.leadIn + $0.start, Double(span.end) * span.timeBase.value, $0.word) }
        }
        #expect(srt.flatMap { $0.text }.joined(separator: " ").split(separator: " ").map(String.init) == words.map(\.word))
        var next = 0
        for cue in srt {
            let first = words[next]
            #expect(abs(cue.start - first.start) <= 0.0005 + 1e-9, "cue at \(cue.start), its first word at \(first.start)")
            #expect(cue.end <= first.sceneEnd + 0.0005, "cue ends at \(cue.end), its scene at \(first.sceneEnd)")
            #expect(cue.end - cue.start <= 7.0005 && cue.text.count <= 2 && cue.text.allSatisfy { $0.count <= 42 })
            next += cue.text.joined(separator: " ").split(separator: " ").count
        }
        // The one-word scene has its own cue, ending by its cut.
        #expect(srt.contains { $0.text.count == 1 && $0.text[0].hasPrefix("Fish") })
    }

    @Test func softAddsOneTaggedSubtitlePacketPerCue() async throws {
        let scratch = Scratch()
        let output = scratch.path("soft.mp4")
        let (_, _, stitch) = try await Self.render(output, captions: .soft, scratch: scratch)
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)
        let probed = try ffprobe(output)
        let stream = try #require(probed.stream("subtitle"))
        #expect(stream.codecName == "mov_text")
        let tags = try run("ffprobe", ["-v", "error", "-select_streams", "s", "-show_entries", "stream_tags=language", "-of", "csv=p=0", output])
        #expect(tags.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "eng")
        #expect(probed.stream("video") != nil && probed.stream("audio")?.codecName == "aac")
        // movenc fills the gaps between cues with empty samples (two bytes: a zero text length).
        let packets = probed.packets(ofStream: stream.index).filter { $0.size > 2 }
        #expect(packets.count == stitch.captions.count)
        let base = stream.timeBase.split(separator: "/").compactMap { Double($0) }
        for (packet, cue) in zip(packets, stitch.captions) {
            let start = Double(packet.pts ?? -1) * base[0] / base[1]
            #expect(abs(start - cue.start) <= 0.0015, "packet at \(start), cue at \(cue.start)")
            #expect(abs(Double(packet.duration ?? 0) * base[0] / base[1] - (cue.end - cue.start)) <= 0.0015)
        }
        // What a player reads back: the same cues.
        let back = try run("ffmpeg", ["-v", "error", "-i", output, "-map", "0:s", "-f", "srt", "-"])
        #expect(back.status == 0, "\(back.stderr)")
        let parsed = try Self.parseSRT(back.stdout)
        #expect(parsed.map(\.text).filter { !$0.isEmpty } == stitch.captions.map(\.lines))
        // The sidecars come with the track.
        #expect(FileManager.default.fileExists(atPath: scratch.path("soft.srt")) && FileManager.default.fileExists(atPath: scratch.path("soft.vtt")))
    }

    @Test func theCommandLineWritesNoneWhenToldAndSoftInMatroska() throws {
        let scratch = Scratch()
        let environment = BatchTests.cleanEnvironment.merging(["MIA_DB": scratch.path("jobs.sqlite")]) { $1 }
        let script = scratch.path("s.txt")
        try "Scene 1: Hello\nVO: Hello there, and welcome.\n\nScene 2: Bye\nVO: See you soon.\n".write(toFile: script, atomically: true, encoding: .utf8)
        let none = try run(Repo.cli, ["render", script, "-o", scratch.path("none.mp4"), "--size", "320x180", "--autopilot", "--captions", "none"],
                           environment: environment)
        #expect(none.status == 0, "\(none.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path("none.mp4")))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("none.srt")) && !FileManager.default.fileExists(atPath: scratch.path("none.vtt")))
        #expect(try RenderPlan.load(scratch.path("none.plan.json")).captions == CaptionMode.none)

        // The plan's clips, stitched again with a track: SubRip in Matroska, tagged with the language.
        let soft = try run(Repo.cli, ["stitch", "--plan", scratch.path("none.plan.json"), "-o", scratch.path("soft.mkv"), "--captions", "soft"],
                           environment: environment)
        #expect(soft.status == 0, "\(soft.stderr)")
        let sidecar = try Self.parseSRT(String(contentsOfFile: scratch.path("soft.srt"), encoding: .utf8))
        #expect(soft.stderr.contains("[MIA:CAPTIONS]") && soft.stderr.contains("mode=soft")
                && soft.stderr.contains("cues=\(sidecar.count) track_packets=\(sidecar.count)"), "\(soft.stderr)")
        let probed = try ffprobe(scratch.path("soft.mkv"))
        #expect(probed.stream("subtitle")?.codecName == "subrip" && sidecar.count >= 2)
        let tag = try run("ffprobe", ["-v", "error", "-select_streams", "s", "-show_entries", "stream_tags=language", "-of", "csv=p=0",
                                      scratch.path("soft.mkv")])
        #expect(tag.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "eng")
        let back = try run("ffmpeg", ["-v", "error", "-i", scratch.path("soft.mkv"), "-map", "0:s", "-f", "srt", "-"])
        #expect(try Self.parseSRT(back.stdout).map(\.text).filter { !$0.isEmpty } == Self.parseSRT(String(contentsOfFile: scratch.path("soft.srt"), encoding: .utf8)).map(\.text))
    }

    @Test func aFailedStitchLeavesNoCaptions() async throws {
        let scratch = Scratch()
        let (plan, folder, _) = try await Self.render(scratch.path("first.mp4"), captions: nil, scratch: scratch)
        // A narration gone: the stitch stops before writing anything.
        let speech = try #require(plan.scenes[1].speech)
        unlink(URL(fileURLWithPath: folder).appendingPathComponent(speech.file).path)
        let output = scratch.path("second.mp4")
        #expect(throws: MiaError.self) {
            try Stitcher(log: SilentLog()).stitch(plan: PlanFiles.load(scratch.path("first.plan.json")), to: output)
        }
        for name in ["second.mp4", "second.srt", "second.vtt"] { #expect(!FileManager.default.fileExists(atPath: scratch.path(name)), "\(name)") }
        // An existing caption file is refused before any work, as an existing video is.
        try "keep".write(toFile: scratch.path("third.vtt"), atomically: true, encoding: .utf8)
        let refused = try run(Repo.cli, ["stitch", "--plan", scratch.path("first.plan.json"), "-o", scratch.path("third.mp4")],
                              environment: BatchTests.cleanEnvironment)
        #expect(refused.status != 0 && refused.stderr.contains("third.vtt") && refused.stderr.contains("already exists"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("third.mp4")))
    }

    @Test func aManifestSaysCaptions() throws {
        let scratch = Scratch()
        try "jobs:\n  - script: a.txt\n    output: a.mp4\n    captions: soft\n  - script: a.txt\n    output: b.mp4\n    captions: loud\n"
            .write(toFile: scratch.path("m.yaml"), atomically: true, encoding: .utf8)
        try "Scene 1: A\nVO: Hello.\n".write(toFile: scratch.path("a.txt"), atomically: true, encoding: .utf8)
        #expect(throws: BatchManifestError.self) { try BatchManifest.load(path: scratch.path("m.yaml")) }
        let result = try run(Repo.cli, ["batch", scratch.path("m.yaml")], environment: BatchTests.cleanEnvironment)
        #expect(result.status == 65 && result.stderr.contains("m.yaml:7") && result.stderr.contains("unknown captions mode \"loud\""), "\(result.stderr)")
    }
}
