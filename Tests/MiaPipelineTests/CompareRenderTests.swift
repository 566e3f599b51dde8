import Foundation
import Testing
@testable import MiaPipeline

/// `render --compare`: Template against the fake Runway server on loopback, one video per provider, a
/// scene-by-provider contact sheet and its JSON, no provider job paid twice, refusals before any spend.
@Suite struct CompareRenderTests {
    static let key = RenderProviderTests.key
    let script = RenderProviderTests().script(2)

    func orchestrator(_ scratch: Scratch, fake: FakeRunwayServer) throws -> RenderOrchestrator {
        try RenderProviderTests().setup(scratch, fake: fake, log: SilentLog())
    }

    /// 320x180 at 30 fps, as the fake's clips are; the provider comes from each variant.
    func options(budget: Double? = nil, overwrite: Bool = false) throws -> RenderOptions {
        RenderOptions(plan: PlanOptions(width: 320, height: 180, fps: 30, budget: budget,
                                        environment: ProviderEnvironment(runwayKeySet: true)),
                      theme: try Theme.named("midnight"), overwrite: overwrite)
    }

    @Test func eachProviderGetsAVideoAndTheSheetHasARowPerSceneAndAColumnPerProvider() async throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        let render = try orchestrator(scratch, fake: fake)
        let output = scratch.path("boats.mp4")
        let report = try await render.compare(script: script, name: "boats.txt", output: output,
                                              providers: [.template, .runway], options: try options())

        #expect(fake.jobsCreated == 2)
        for provider in ["template", "runway"] {
            let video = scratch.path("boats-\(provider).mp4")
            #expect(report.videos[provider] == video)
            #expect(Verifier(log: SilentLog()).verify([video])[0].passed)
        }
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(report.cells.map(\.scene) == [1, 1, 2, 2])
        #expect(report.cells.map(\.provider) == [.template, .runway, .template, .runway])
        #expect(report.cells.map(\.renderedBy) == [.template, .runway, .template, .runway])
        #expect(abs((report.costs["runway"] ?? 0) - 2 * 2 * 0.12) < 1e-9)
        #expect(report.costs["template"] == 0)

        // Two columns, two rows of 320x180 frames with two label lines each.
        let sheet = try #require(try ffprobe(scratch.path("boats.compare.png"), packets: false).stream("video"))
        #expect(sheet.codecName == "png")
        #expect(sheet.width == 2 * 320 + 3 * 14 && sheet.height == 2 * (180 + 49) + 3 * 14)
        let json = try Data(contentsOf: URL(fileURLWithPath: scratch.path("boats.compare.json")))
        #expect(try JSONDecoder().decode(CompareReport.self, from: json) == report)

        // A rerun resumes: every clip reused, no second provider job.
        let again = try await render.compare(script: script, name: "boats.txt", output: output,
                                             providers: [.template, .runway], options: try options(overwrite: true))
        #expect(fake.jobsCreated == 2)
        let allReused = again.cells.allSatisfy { $0.reused }
        #expect(allReused)
    }

    @Test func outputsThatExistAreRefusedBeforeAnythingIsSpent() async throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        let render = try orchestrator(scratch, fake: fake)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: scratch.path("boats.compare.png")))
        await #expect(throws: MiaError(.output(scratch.path("boats.compare.png")), "already exists (use --overwrite to replace it)")) {
            try await render.compare(script: script, name: "boats.txt", output: scratch.path("boats.mp4"),
                                     providers: [.template, .runway], options: try options())
        }
        #expect(fake.jobsCreated == 0)
        #expect(try String(contentsOfFile: scratch.path("boats.compare.png"), encoding: .utf8) == "keep")
    }

    @Test func aBudgetUnderTheSumOfTheVariantsIsRefusedBeforeAnythingIsSpent() async throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        let render = try orchestrator(scratch, fake: fake)
        // The Runway variant alone is 2 × 2 s × $0.12: it is not moved to Template to fit $0.30, it is refused.
        await #expect(throws: MiaError("the variants' pictures alone are estimated at $0.48, over the budget of $0.30; "
                                       + "nothing was bought or rendered")) {
            try await render.compare(script: script, name: "boats.txt", output: scratch.path("boats.mp4"),
                                     providers: [.runway, .template], options: try options(budget: 0.3))
        }
        #expect(fake.jobsCreated == 0)
    }

    @Test func aPaidNarrationIsNotBoughtWhenThePicturesAloneBreakTheBudget() async throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        let voice = try FakeOpenAISpeechServer(key: "sk-voice-" + "test0123456789")
        let openAI = try OpenAIVoice(apiKey: "sk-voice-" + "test0123456789", baseURL: voice.baseURL, log: SilentLog())
        let runway = try RenderProviderTests().setup(scratch, fake: fake, log: SilentLog())
        let render = RenderOrchestrator(store: runway.store, registry: runway.registry, voices: VoiceRegistry([openAI]), log: SilentLog())
        var options = try options(budget: 0.3)
        options.plan.narration = NarrationOptions(voice: try VoiceChoice(parsing: "openai:alloy"))
        await #expect(throws: MiaError.self) {
            try await render.compare(script: script, name: "boats.txt", output: scratch.path("boats.mp4"),
                                     providers: [.runway, .template], options: options)
        }
        #expect(voice.requests.isEmpty && fake.jobsCreated == 0)
        #expect(!FileManager.default.fileExists(atPath: scratch.path("boats-runway.plan.json")))
    }

    @Test func scenesMadeHereAreMadeOnceAndLinkedIntoTheOtherVariants() async throws {
        let scratch = Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path("media"), withIntermediateDirectories: true)
        try OwnMediaTests.image(scratch.path("media/pond.png"))
        let fake = try FakeRunwayServer(key: Self.key)
        let render = try orchestrator(scratch, fake: fake)
        let script = "Scene 1: Pond (2s)\n![the pond](media/pond.png)\nVO: A still pond.\n\n" + self.script
        var options = try options()
        options.plan.scriptFolder = scratch.url.path
        let report = try await render.compare(script: script, name: "boats.txt", output: scratch.path("boats.mp4"),
                                              providers: [.template, .runway], options: options)
        #expect(fake.jobsCreated == 2)
        let pond = report.cells.filter { $0.scene == 1 }
        #expect(pond.map(\.renderedBy) == [.media, .media] && pond.map(\.reused) == [false, true])
        let inodes = try pond.map { try FileManager.default.attributesOfItem(atPath: $0.clip)[.systemFileNumber] as? Int }
        #expect(inodes[0] != nil && inodes[0] == inodes[1], "the pond's clips are not one file: \(inodes)")
        for video in report.videos.values { #expect(Verifier(log: SilentLog()).verify([video])[0].passed) }
    }

    @Test func aProviderThatIsNotConnectedIsRefusedInOneLineBeforeAnythingIsSpent() throws {
        let scratch = Scratch()
        let scriptFile = scratch.path("boats.txt")
        try script.write(toFile: scriptFile, atomically: true, encoding: .utf8)
        let result = try run(Repo.cli, ["render", scriptFile, "-o", scratch.path("boats.mp4"), "--compare", "template,luma",
                                        "--voice", "none", "--autopilot"],
                             environment: ["LUMAAI_API_KEY": "", "MIA_DB": scratch.path("jobs.sqlite")])
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").filter { $0.hasPrefix("mia-stitch: error:") }
            == ["mia-stitch: error: Luma: is not connected, so it cannot be compared (set LUMAAI_API_KEY)"])
        #expect(scratch.contents.filter { $0.hasSuffix(".mp4") || $0.hasSuffix(".png") || $0.hasSuffix(".json") }.isEmpty)

        let unknown = try run(Repo.cli, ["render", scriptFile, "-o", scratch.path("boats.mp4"), "--compare", "template,pika"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("--compare: unknown provider 'pika'"))
    }
}
