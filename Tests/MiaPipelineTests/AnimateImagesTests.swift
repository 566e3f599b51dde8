import Foundation
import Testing
@testable import MiaPipeline

/// `--animate-images`: a scene's own image sent as the first frame of a generated clip — to Runway as a data
/// URI, to Veo as inline bytes — against the loopback fakes; Luma and unconnected providers leave it still,
/// saying why; a refusal falls back to the slow zoom over the image, never to a template card.
@Suite struct AnimateImagesTests {
    static let key = RenderProviderTests.key

    /// One scene showing a photo (4:3, so the frame sent is cut from it), two seconds: the fake's clip length.
    static let script = """
    Scene 1: Harbor (2s)
    ![fishing boats at the quay](media/harbor.png)
    VO: The harbor wakes up.
    """

    static func photo(_ scratch: Scratch) throws {
        try FileManager.default.createDirectory(atPath: scratch.path("media"), withIntermediateDirectories: true)
        try OwnMediaTests.image(scratch.path("media/harbor.png"), size: "480x360")
    }

    func options(_ scratch: Scratch, provider: ProviderID? = nil, animate: Bool = true) throws -> RenderOptions {
        var plan = PlanOptions(provider: provider, width: 320, height: 180, fps: 30, environment: ProviderEnvironment(runwayKeySet: true))
        plan.scriptFolder = scratch.url.path
        plan.animateImages = animate
        return RenderOptions(plan: plan, theme: try Theme.named("midnight"))
    }

    /// The PNG inside a data URI or base64 text, written to a file and read back as grey pixels.
    static func decodedFrame(_ base64: String, width: Int, height: Int, scratch: Scratch) throws -> [UInt8] {
        let bytes = try #require(Data(base64Encoded: base64))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        let file = scratch.path("sent-\(UUID().uuidString).png")
        try bytes.write(to: URL(fileURLWithPath: file))
        let info = try #require(try ffprobe(file, packets: false).stream("video"))
        #expect(info.width == width && info.height == height)
        return try #require(try OwnMediaTests.frames(file, width: width, height: height, scratch: scratch).first)
    }

    /// The photo as the frame a provider should get: scaled to cover `width`x`height` and cut to it, centred.
    static func expectedFrame(_ scratch: Scratch, width: Int, height: Int) throws -> [UInt8] {
        try #require(try OwnMediaTests.frames(scratch.path("media/harbor.png"), width: width, height: height,
                                              filter: "scale=\(width):\(height):force_original_aspect_ratio=increase,crop=\(width):\(height)",
                                              scratch: scratch).first)
    }

    @Test func runwayStartsTheClipFromThePhotoSentAsADataURIAndARerunPaysNothing() async throws {
        let scratch = Scratch()
        try Self.photo(scratch)
        let fake = try FakeRunwayServer(key: Self.key)
        let render = try RenderProviderTests().setup(scratch, fake: fake, log: SilentLog())
        let output = scratch.path("harbor.mp4")
        let prepared = try await render.prepare(script: Self.script, name: "harbor.md", output: output, options: try options(scratch))
        let job = try #require(prepared.plan.scenes.first)
        #expect(job.provider == .runway && job.model == "gen4_turbo")
        #expect(abs(job.estimatedCost - 2 * 0.05) < 1e-9)
        #expect(job.reason.contains("animates your image media/harbor.png (line 2)"))
        #expect(job.prompt.hasPrefix("fishing boats at the quay."))

        let outcome = try await render.execute(prepared, output: output, options: try options(scratch))
        #expect(outcome.scenes.map(\.provider) == [.runway] && outcome.scenes[0].fallbackReason == nil)
        #expect(fake.jobsCreated == 1)
        let create = try #require(fake.requests.first { $0.method == "POST" })
        #expect(create.path == "/v1/image_to_video")
        let body = try #require(create.json)
        #expect(body["model"] as? String == "gen4_turbo" && body["ratio"] as? String == "1280:720" && body["duration"] as? Int == 2)
        let uri = try #require(body["promptImage"] as? String)
        #expect(uri.hasPrefix("data:image/png;base64,"))
        let sent = try Self.decodedFrame(String(uri.dropFirst("data:image/png;base64,".count)), width: 1280, height: 720, scratch: scratch)
        let difference = OwnMediaTests.difference(sent, try Self.expectedFrame(scratch, width: 1280, height: 720))
        #expect(difference < 2, "the frame sent differs from the photo, cut to 16:9, by \(difference)")
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)

        let again = try await render.execute(prepared, output: scratch.path("again.mp4"), options: try options(scratch))
        #expect(again.scenes.map(\.reused) == [true] && fake.jobsCreated == 1)
    }

    @Test func aRefusedImageStillShowsAsASlowZoomNeverATemplateCard() async throws {
        let scratch = Scratch()
        try Self.photo(scratch)
        let fake = try FakeRunwayServer(key: Self.key)
        fake.outcome = .fail(code: "SAFETY.INPUT.IMAGE", message: "The input image did not pass moderation.")
        let render = try RenderProviderTests().setup(scratch, fake: fake, log: SilentLog())
        let output = scratch.path("harbor.mp4")
        let prepared = try await render.prepare(script: Self.script, name: "harbor.md", output: output, options: try options(scratch))
        let outcome = try await render.execute(prepared, output: output, options: try options(scratch))
        let scene = try #require(outcome.scenes.first)
        #expect(scene.provider == .media)
        #expect(scene.fallbackReason?.contains("SAFETY.INPUT.IMAGE") == true)
        #expect(SceneReceipt.read(forClip: scene.clip)?.provider == .media)
        // The zoom starts on the photo filling the plan's frame, as the frame Runway was sent did.
        let first = try #require(try OwnMediaTests.frames(scene.clip, width: 320, height: 180, scratch: scratch).first)
        #expect(OwnMediaTests.difference(first, try Self.expectedFrame(scratch, width: 320, height: 180)) < 4)
        let verified = Verifier(log: SilentLog()).verify([scene.clip], plan: prepared.plan)
        #expect(verified.filter { !$0.passed }.isEmpty, "\(verified.flatMap(\.problems))")
        #expect(fake.jobsCreated == 1)
    }

    @Test func veoGetsThePhotoAsInlineBytesAtItsFrame() async throws {
        let scratch = Scratch()
        try Self.photo(scratch)
        let log = CollectingLog()
        let fake = try FakeVeoServer(key: VeoLumaProviderTests.Kind.veo.key)
        let veo = try VeoLumaProviderTests.Kind.veo.adapter(fake, log: log)
        var request = VeoLumaProviderTests.Kind.veo.request(width: 720, height: 1280)
        request.startImage = scratch.path("media/harbor.png")
        _ = try await ProviderTests().render(veo, request, to: scratch.path("clip.mp4"))
        let body = try #require(fake.requests.first?.json)
        let instance = try #require((body["instances"] as? [[String: Any]])?.first)
        let image = try #require(instance["image"] as? [String: Any])
        #expect(image["mimeType"] as? String == "image/png")
        let sent = try Self.decodedFrame(try #require(image["bytesBase64Encoded"] as? String), width: 720, height: 1280, scratch: scratch)
        #expect(OwnMediaTests.difference(sent, try Self.expectedFrame(scratch, width: 720, height: 1280)) < 2)
        #expect((body["parameters"] as? [String: Any])?["aspectRatio"] as? String == "9:16")
    }

    @Test func lumaAndSoraRefuseAStartImageWithoutMakingAJob() async throws {
        let scratch = Scratch()
        try Self.photo(scratch)
        let fake = try FakeLumaServer(key: VeoLumaProviderTests.Kind.luma.key)
        let luma = try VeoLumaProviderTests.Kind.luma.adapter(fake, log: SilentLog())
        var request = VeoLumaProviderTests.Kind.luma.request()
        request.startImage = scratch.path("media/harbor.png")
        let error = await ProviderTests().providerError { _ = try await luma.create(request) }
        #expect(error?.message.contains("Luma takes keyframes only as a URL") == true && error?.retryable == false)
        #expect(fake.jobsCreated == 0)
    }

    @Test func anImageThatCannotBeReadAnyMoreIsNotSentAndNotPaidFor() async throws {
        let scratch = Scratch()
        try "not a picture".write(toFile: scratch.path("gone.png"), atomically: true, encoding: .utf8)
        let fake = try FakeRunwayServer(key: Self.key)
        let runway = try RunwayProvider(apiKey: Self.key, baseURL: fake.baseURL, log: SilentLog())
        var request = ProviderTests.request("gen4_turbo", seconds: 2)
        request.startImage = scratch.path("gone.png")
        let error = await ProviderTests().providerError { _ = try await runway.create(request) }
        #expect(error?.message.hasPrefix("the start image cannot be sent: ") == true && error?.retryable == false)
        #expect(fake.jobsCreated == 0)
    }

    // MARK: - Who animates

    func analysis(_ scratch: Scratch, animate: Bool = true, provider: ProviderID? = nil, aspect: Aspect = .landscape,
                  environment: ProviderEnvironment) throws -> ScriptAnalysis {
        var options = AnalysisOptions(aspect: aspect, providerOverride: provider, environment: environment)
        options.mediaFolder = scratch.url.path
        options.animateImages = animate
        return try ScriptAnalyzer(log: SilentLog()).analyze(Self.script, name: "harbor.md", options: options)
    }

    @Test func imagesStayStillWhereNoConnectedProviderCanTakeThemAndTheReasonSaysWhy() throws {
        let scratch = Scratch()
        try Self.photo(scratch)
        let everyone = ProviderEnvironment(runwayKeySet: true, geminiKeySet: true, lumaKeySet: true)

        // Not asked: still, free, whoever is connected.
        let still = try analysis(scratch, animate: false, environment: everyone).scenes[0]
        #expect(still.chosen.provider == .media && still.cost == 0 && !still.chosen.reason.contains("not animated"))

        // Asked: Runway's image-to-video model first, square frames included; Veo when only it is connected.
        let runway = try analysis(scratch, aspect: .square, environment: everyone).scenes[0]
        #expect(runway.chosen.provider == .runway && runway.chosen.model == "gen4_turbo" && runway.cost > 0)
        let veo = try analysis(scratch, environment: ProviderEnvironment(geminiKeySet: true)).scenes[0]
        #expect(veo.chosen.provider == .veo)

        // Luma asked for: it cannot fetch a file from here; nothing connected: the key to set.
        let luma = try analysis(scratch, provider: .luma, environment: everyone)
        #expect(luma.scenes[0].chosen.provider == .media && luma.scenes[0].cost == 0)
        #expect(luma.scenes[0].chosen.reason.contains("Luma takes keyframes only as a URL its servers fetch"))
        #expect(luma.warnings.contains { $0.message.hasPrefix("scene 1 shows your own image") })
        let nobody = try analysis(scratch, environment: ProviderEnvironment()).scenes[0]
        #expect(nobody.chosen.provider == .media && nobody.chosen.reason.contains("set RUNWAYML_API_SECRET or GEMINI_API_KEY"))
        // Veo renders no square frame, so a square plan with only Veo keeps the image still.
        let square = try analysis(scratch, aspect: .square, environment: ProviderEnvironment(geminiKeySet: true)).scenes[0]
        #expect(square.chosen.provider == .media)
    }

    @Test func animatingIsPartOfThePlansIdentityAndOfManifests() async throws {
        let scratch = Scratch()
        try Self.photo(scratch)
        let render = try RenderProviderTests().setup(scratch, fake: try FakeRunwayServer(key: Self.key), log: SilentLog())
        let still = try await render.prepare(script: Self.script, name: "harbor.md", output: scratch.path("a.mp4"),
                                             options: try options(scratch, animate: false))
        let moving = try await render.prepare(script: Self.script, name: "harbor.md", output: scratch.path("b.mp4"),
                                              options: try options(scratch))
        #expect(still.plan.renderPlanId != moving.plan.renderPlanId)
        #expect(still.plan.scenes[0].provider == .media && still.plan.scenes[0].model == "own-file")

        try Self.script.write(toFile: scratch.path("harbor.md"), atomically: true, encoding: .utf8)
        try "defaults:\n  animate-images: true\njobs:\n  - script: harbor.md\n    output: out/harbor.mp4\n"
            .write(toFile: scratch.path("jobs.yaml"), atomically: true, encoding: .utf8)
        let manifest = try BatchManifest.load(path: scratch.path("jobs.yaml"))
        #expect(manifest.jobs[0].settings.planOptions(environment: ProviderEnvironment()).animateImages)
        try "jobs:\n  - script: harbor.md\n    output: out/harbor.mp4\n    provider: media\n"
            .write(toFile: scratch.path("bad.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: BatchManifestError.self) { try BatchManifest.load(path: scratch.path("bad.yaml")) }
    }
}
