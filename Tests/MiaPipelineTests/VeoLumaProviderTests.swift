import Foundation
import Testing
@testable import MiaPipeline

/// The Veo (Gemini API) and Luma adapters against loopback fakes of both APIs (`Support/FakeVeoLumaServers.swift`):
/// create, poll, download; throttling, server errors, malformed answers, safety refusals, a job that never
/// finishes, a killed render resumed without a second job, and keys echoed by a server never written.
@Suite struct VeoLumaProviderTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case veo, luma
        var testDescription: String { rawValue }
        var id: ProviderID { self == .veo ? .veo : .luma }
        var model: String { ProviderCatalog.defaultModel(for: id).name }
        /// The shortest clip the model renders: what a short scene is snapped to.
        var seconds: Int { self == .veo ? 4 : 5 }
        var key: String { self == .veo ? "AIzaSyTEST" + "q8Zr2Lm4Vx7Nc1Bd5Fh9Jk3Pw6" : "luma-TEST" + "c0ffee41d2b7e9a5f38c6d1e" }
        var keyVariable: String { ProviderVariables.keyVariable(id)! }
        var baseVariable: String { ProviderVariables.baseURLVariable(id)! }

        func fake(key: String? = nil, clip: Data? = nil) throws -> FakeGenerationAPI {
            switch self {
            case .veo: try FakeVeoServer(key: key ?? self.key, clip: clip)
            case .luma: try FakeLumaServer(key: key ?? self.key, clip: clip)
            }
        }

        func adapter(_ fake: FakeGenerationAPI, key: String? = nil, http: HTTPSettings = ProviderTests.http(),
                     poll: Double = 0.01, log: any EventSink) throws -> any VideoProvider {
            let schedule = PollSchedule(initial: poll, maximum: poll)
            switch self {
            case .veo: return try VeoProvider(apiKey: key ?? self.key, baseURL: fake.baseURL,
                                              options: .init(http: http, poll: schedule), log: log)
            case .luma: return try LumaProvider(apiKey: key ?? self.key, baseURL: fake.baseURL,
                                                options: .init(http: http, poll: schedule), log: log)
            }
        }

        func request(width: Int = 1280, height: Int = 720) -> RenderRequest {
            ProviderTests.request(model, seconds: seconds, width: width, height: height)
        }
    }

    let log = CollectingLog()
    let helpers = ProviderTests()
    var retries: [MiaEvent] { log.events.filter { $0.tag == "MIA:PROVIDER:RETRY" } }

    /// A real clip of `seconds` at 320x180 with sound, as a provider would send (Veo's carry sound).
    static func clip(seconds: Int, in scratch: Scratch) throws -> Data {
        let path = scratch.path("served-\(seconds)s.mp4")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=320x180:rate=30:duration=\(seconds)", "-f", "lavfi",
                    "-i", "sine=frequency=440:duration=\(seconds)", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", path])
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    // MARK: - Create, poll, download

    @Test(arguments: Kind.allCases)
    func createsPollsAndDownloadsAPlayableClip(_ kind: Kind) async throws {
        let scratch = Scratch()
        let fake = try kind.fake()
        let states = try await helpers.render(try kind.adapter(fake, log: log), kind.request(), to: scratch.path("clip.mp4"))
        #expect(Verifier(log: SilentLog()).verify([scratch.path("clip.mp4")])[0].passed)
        #expect(fake.jobsCreated == 1)
        let create = try #require(fake.requests.first)
        let body = try #require(create.json)
        switch kind {
        case .veo:
            #expect(states == [.running(progress: nil), .running(progress: nil), .succeeded])
            #expect(create.method == "POST" && create.path == "/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning")
            #expect(create.header("x-goog-api-key") == kind.key && create.header("authorization") == nil)
            #expect((body["instances"] as? [[String: Any]])?.first?["prompt"] as? String == "A lighthouse at dawn, waves rolling in")
            let parameters = try #require(body["parameters"] as? [String: Any])
            #expect(parameters["durationSeconds"] as? Int == 4 && parameters["aspectRatio"] as? String == "16:9")
            #expect(parameters["resolution"] as? String == "720p" && parameters["sampleCount"] as? Int == 1)
            #expect(fake.requests[1].path == "/v1beta/models/veo-3.1-fast-generate-preview/operations/op1x7k2")
            // The file is fetched as the SDK does: its id on our base URL with the key, never Google's host.
            let download = try #require(fake.requests.last)
            #expect(download.target == "/v1beta/files/vid1a1:download?alt=media" && download.header("x-goog-api-key") == kind.key)
        case .luma:
            #expect(states == [.queued, .running(progress: nil), .succeeded])
            #expect(create.method == "POST" && create.path == "/dream-machine/v1/generations/video")
            #expect(create.header("authorization") == "Bearer \(kind.key)")
            #expect(body["model"] as? String == "ray-2" && body["duration"] as? String == "5s")
            #expect(body["aspect_ratio"] as? String == "16:9" && body["resolution"] as? String == "720p")
        }
        // The CDN got the download and no key.
        let served = try #require(fake.cdn.requests.first)
        #expect(served.header("authorization") == nil && served.header("x-goog-api-key") == nil)
    }

    @Test func eachAPIGetsTheNearestRatioItRenders() async throws {
        for (kind, width, height, ratio) in [(Kind.veo, 1080, 1920, "9:16"), (.veo, 1000, 1000, "16:9"), (.luma, 1000, 1000, "1:1"),
                                             (.luma, 1440, 1080, "4:3"), (.luma, 720, 1280, "9:16"), (.luma, 2560, 1080, "21:9")] {
            let fake = try kind.fake()
            _ = try await kind.adapter(fake, log: log).create(kind.request(width: width, height: height))
            let body = try #require(fake.requests.first?.json)
            let sent = kind == .veo ? (body["parameters"] as? [String: Any])?["aspectRatio"] : body["aspect_ratio"]
            #expect(sent as? String == ratio, "\(kind) \(width)x\(height)")
        }
    }

    @Test func veoRendersFullHDWhereThePlanIsThatLargeAndTheClipIsEightSeconds() async throws {
        let fake = try FakeVeoServer(key: Kind.veo.key)
        let veo = try Kind.veo.adapter(fake, log: log)
        for (width, height, seconds, expected) in [(1920, 1080, 8, "1080p"), (1080, 1920, 8, "1080p"), (1920, 1080, 4, "720p"),
                                                   (1280, 720, 8, "720p")] {
            _ = try await veo.create(ProviderTests.request(Kind.veo.model, seconds: seconds, width: width, height: height))
            let parameters = fake.requests.last?.json?["parameters"] as? [String: Any]
            #expect(parameters?["resolution"] as? String == expected, "\(width)x\(height), \(seconds) s")
        }
    }

    @Test func lumaTakesItsBaseURLAsTheHostOrAsTheSDKsRoot() async throws {
        let fake = try FakeLumaServer(key: Kind.luma.key)
        for base in [fake.baseURL, fake.baseURL + "/dream-machine/v1", fake.baseURL + "/dream-machine/v1/"] {
            let luma = try LumaProvider(apiKey: Kind.luma.key, baseURL: base, options: .init(http: ProviderTests.http(), poll: PollSchedule(initial: 0.01, maximum: 0.01)), log: log)
            _ = try await luma.create(Kind.luma.request())
        }
        #expect(fake.requests.map(\.path) == Array(repeating: "/dream-machine/v1/generations/video", count: 3))
    }

    // MARK: - Throttling, server errors, malformed answers

    @Test(arguments: Kind.allCases)
    func a429IsWaitedOutByItsRetryAfterThenTheCreateSucceeds(_ kind: Kind) async throws {
        let fake = try kind.fake()
        fake.inject([.status(429, headers: ["Retry-After": "1"])], on: "create")
        let started = Date()
        _ = try await kind.adapter(fake, log: log).create(kind.request())
        #expect(Date().timeIntervalSince(started) >= 0.9)
        #expect(fake.jobsCreated == 1 && fake.requests.count == 2)
        let retry = try #require(retries.first)
        #expect(retry["provider"] == .string(kind.rawValue) && retry["wait"] == .seconds(1))
    }

    @Test(arguments: Kind.allCases)
    func serverErrorsAreRetriedThenGivenUpOnWithoutASecondJob(_ kind: Kind) async throws {
        let scratch = Scratch()
        let fake = try kind.fake()
        fake.inject([.status(503), .status(502)], on: "status")
        try await helpers.render(try kind.adapter(fake, log: log), kind.request(), to: scratch.path("clip.mp4"))
        #expect(fake.jobsCreated == 1 && retries.count == 2)

        fake.inject([.status(500), .status(500), .status(500)], on: "create")
        let error = await helpers.providerError { _ = try await kind.adapter(fake, log: log).create(kind.request()) }
        guard case .unavailable? = error else { Issue.record("expected unavailable, got \(String(describing: error))"); return }
        #expect(fake.jobsCreated == 1)
    }

    @Test(arguments: Kind.allCases)
    func malformedAnswersAreRefusedNotRetried(_ kind: Kind) async throws {
        let fake = try kind.fake()
        let adapter = try kind.adapter(fake, log: log)
        fake.inject([.malformedJSON], on: "create")
        let garbled = await helpers.providerError { _ = try await adapter.create(kind.request()) }
        guard case .malformedResponse? = garbled else { Issue.record("got \(String(describing: garbled))"); return }
        #expect(fake.requests.count == 1 && fake.jobsCreated == 0)

        // A job whose status is not one the API defines (Veo: a `done` that is not a boolean).
        fake.steps = [.custom(kind == .veo ? "yes" : "exploding")]
        let id = try await adapter.create(kind.request())
        let strange = await helpers.providerError { _ = try await adapter.status(of: id) }
        guard case .malformedResponse? = strange else { Issue.record("got \(String(describing: strange))"); return }
        #expect(!strange!.retryable)
    }

    @Test func veoPathsStayUnderTheAPIAndFilesComeFromItsOwnBaseURL() async throws {
        let fake = try FakeVeoServer(key: Kind.veo.key)
        fake.idSuffix = "/../../../files/x"
        let error = await helpers.providerError { _ = try await Kind.veo.adapter(fake, log: log).create(Kind.veo.request()) }
        #expect(error?.message.contains("not a path under v1beta") == true, "\(String(describing: error))")
        #expect(VeoProvider.operationPath("models/veo-3.1/operations/abc") == ["models", "veo-3.1", "operations", "abc"])
        #expect(VeoProvider.operationPath("models//x") == nil && VeoProvider.operationPath("") == nil)
        // As python-genai does: the file id from the URI, fetched on the configured base URL (a gateway's too).
        let veo = try VeoProvider(apiKey: Kind.veo.key, baseURL: "http://127.0.0.1:9", log: log)
        #expect(veo.fileURL("https://generativelanguage.googleapis.com/v1beta/files/abc123:download?alt=media")?.absoluteString
                == "http://127.0.0.1:9/v1beta/files/abc123:download?alt=media")
        #expect(veo.fileURL("https://storage.example/clip.mp4")?.absoluteString == "https://storage.example/clip.mp4")
    }

    // MARK: - Refusals

    @Test func aVeoSafetyFilterOrAnOperationErrorIsAFailedJobThatSaysWhy() async throws {
        let scratch = Scratch()
        let fake = try FakeVeoServer(key: Kind.veo.key)
        let veo = try Kind.veo.adapter(fake, log: log)
        let cases: [(FakeOutcome, String, Bool)] = [
            (.filtered(reason: "Your prompt may violate our usage guidelines (support code 58061214)"), "RAI_FILTERED", false),
            (.fail(code: 3, message: "The prompt was blocked by the safety filter"), "code 3", false),
            (.fail(code: 13, message: "Internal error while generating"), "code 13", true),
        ]
        for (outcome, code, retryable) in cases {
            fake.outcome = outcome
            let error = await helpers.providerError { try await helpers.render(veo, Kind.veo.request(), to: scratch.path("v.mp4")) }
            guard case .jobFailed(let failure)? = error else { Issue.record("got \(String(describing: error))"); continue }
            #expect(failure.code == code && failure.retryable == retryable)
            if case .filtered(let reason) = outcome { #expect(failure.message.contains(reason)) }
            #expect(!FileManager.default.fileExists(atPath: scratch.path("v.mp4")))
        }
    }

    @Test func aFailedLumaGenerationIsFinalAndSaysWhy() async throws {
        let fake = try FakeLumaServer(key: Kind.luma.key)
        fake.outcome = .fail(code: 0, message: "400: prompt not allowed because it contains a blocked term")
        let error = await helpers.providerError {
            try await helpers.render(try Kind.luma.adapter(fake, log: log), Kind.luma.request(), to: Scratch().path("l.mp4"))
        }
        guard case .jobFailed(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(!failure.retryable && failure.message == "400: prompt not allowed because it contains a blocked term")
    }

    // MARK: - Rendering

    func orchestrator(_ scratch: Scratch, _ adapters: [any VideoProvider], log: any EventSink) throws -> RenderOrchestrator {
        RenderOrchestrator(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry(adapters), log: log)
    }

    func options(_ provider: ProviderID?, environment: ProviderEnvironment, concurrency: Int = 2) throws -> RenderOptions {
        RenderOptions(plan: PlanOptions(provider: provider, width: 320, height: 180, fps: 30, environment: environment),
                      concurrency: concurrency, theme: try Theme.named("midnight"))
    }

    static let both = ProviderEnvironment(geminiKeySet: true, lumaKeySet: true)

    @Test(arguments: Kind.allCases)
    func aSafetyRefusalFallsBackToTemplateWithTheReason(_ kind: Kind) async throws {
        let scratch = Scratch()
        let fake = try kind.fake()
        fake.outcome = kind == .veo ? .filtered(reason: "Your prompt may violate our usage guidelines")
            : .fail(code: 0, message: "Your prompt may violate our usage guidelines")
        let render = try orchestrator(scratch, [try kind.adapter(fake, log: log)], log: log)
        let output = scratch.path("boats.mp4")
        let script = "Scene 1: Boats\nVISUAL: Paper boats on a pond.\nVO: Boats drift.\n\nScene 2: More\nVISUAL: A pond.\nVO: Still drifting.\n"
        let prepared = try await render.prepare(script: script, name: "boats.txt", output: output, options: try options(kind.id, environment: Self.both))
        let outcome = try await render.execute(prepared, output: output, options: try options(kind.id, environment: Self.both))
        #expect(outcome.scenes.allSatisfy { $0.provider == .template })
        #expect(outcome.scenes.allSatisfy { $0.fallbackReason?.contains("Your prompt may violate our usage guidelines") == true },
                "\(outcome.scenes.map(\.fallbackReason))")
        #expect(fake.jobsCreated == 2)  // a refusal is final: no second job
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)
    }

    /// Auto sends photoreal scenes to Veo and stylized ones to Luma (Runway not connected), and each
    /// provider keeps its own concurrency guard.
    @Test func autoSplitsScenesByStyleAndTheGuardHoldsPerProvider() async throws {
        let scratch = Scratch()
        let veo = try FakeVeoServer(key: Kind.veo.key, clip: try Self.clip(seconds: 4, in: scratch))
        let luma = try FakeLumaServer(key: Kind.luma.key, clip: try Self.clip(seconds: 5, in: scratch))
        veo.steps = [.running, .running, .running, .done]
        luma.steps = [.queued, .running, .running, .done]
        let render = try orchestrator(scratch, [try Kind.veo.adapter(veo, poll: 0.05, log: log),
                                                try Kind.luma.adapter(luma, poll: 0.05, log: log)], log: log)
        let script = (1...4).map { n in
            "Scene \(2 * n - 1): City \(n)\nVISUAL: Cinematic drone shot over a city at sunset, take \(n).\nVO: The city wakes.\n\n"
            + "Scene \(2 * n): Boats \(n)\nVISUAL: Animated illustration of paper boats, take \(n).\nVO: Boats drift.\n"
        }.joined(separator: "\n")
        let output = scratch.path("mixed.mp4")
        let prepared = try await render.prepare(script: script, name: "mixed.txt", output: output, options: try options(nil, environment: Self.both))
        #expect(prepared.plan.scenes.map(\.provider) == Array(repeating: [ProviderID.veo, .luma], count: 4).flatMap { $0 })
        #expect(prepared.analysis.scenes[1].chosen.reason.hasSuffix(
            "Runway would suit it best, but it isn't connected (RUNWAYML_API_SECRET is not set), so Luma"))
        let outcome = try await render.execute(prepared, output: output, options: try options(nil, environment: Self.both))
        #expect(outcome.scenes.allSatisfy { $0.fallbackReason == nil }, "\(outcome.scenes.map(\.fallbackReason))")
        #expect(veo.jobsCreated == 4 && luma.jobsCreated == 4)
        #expect(veo.maxJobsInFlight == 2 && luma.maxJobsInFlight == 2)
        #expect(abs(outcome.spent - (4 * 4 * 0.15 + 4 * 5 * 0.142)) < 0.05)
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)
        let stored = try #require(try render.store.plan(id: prepared.plan.renderPlanId))
        #expect(stored.scenes.allSatisfy { $0.status == .complete && $0.providerJobId != nil && $0.attempts == 1 })
    }

    @Test(arguments: Kind.allCases)
    func aJobThatNeverFinishesMissesItsDeadlineAndTheRetryPollsItInsteadOfPayingAgain(_ kind: Kind) async throws {
        let scratch = Scratch()
        let fake = try kind.fake(clip: try Self.clip(seconds: kind.seconds, in: scratch))
        fake.steps = [.running]
        let renderer = SceneRenderer(store: try JobStore(path: scratch.path("jobs.sqlite")),
                                     registry: ProviderRegistry([try kind.adapter(fake, poll: 0.02, log: log)]), log: log)
        let (plan, _) = try RenderPlanner(log: SilentLog()).plan(
            "Scene 1: Boats\nVISUAL: Paper boats.\nVO: Boats drift across the pond.\n", scriptName: "boats.txt",
            planFileName: "boats", options: PlanOptions(provider: kind.id, width: 320, height: 180, environment: Self.both))
        try renderer.store.record(plan, planPath: scratch.path("boats.plan.json"))
        var context = SceneContext(files: try PlanFiles(plan: plan, path: scratch.path("boats.plan.json")),
                                   theme: try Theme.named("midnight"), fallback: false, deadline: .milliseconds(150))
        do {
            _ = try await renderer.render(plan.scenes[0], context: context)
            Issue.record("a job still running past the deadline counted as rendered")
        } catch let error as MiaError {
            #expect(error.retryable && error.message.contains("no result within"), "\(error)")
        }
        let open = try #require(try renderer.store.plan(id: plan.renderPlanId)?.scenes.first)
        #expect(open.status == .submitted && open.providerJobId != nil)

        fake.steps = [.done]
        context.deadline = .seconds(30)
        let outcome = try await renderer.render(plan.scenes[0], context: context)
        #expect(outcome.provider == kind.id && fake.jobsCreated == 1)
    }

    // MARK: - Through the command line

    /// A one-scene plan for `kind`, made by `mia-stitch plan`, and the environment that reaches `fake`.
    func plan(_ scratch: Scratch, _ kind: Kind, fake: FakeGenerationAPI) throws -> (plan: String, environment: [String: String]) {
        let environment = BatchTests.cleanEnvironment.merging([
            "MIA_DB": scratch.path("jobs.sqlite"), kind.keyVariable: fake.key, kind.baseVariable: fake.baseURL,
        ]) { $1 }
        try "Scene 1: Boats\nVISUAL: Paper boats on a pond.\nVO: Boats drift across the pond.\n"
            .write(toFile: scratch.path("boats.txt"), atomically: true, encoding: .utf8)
        let plan = scratch.path("boats.json")
        let made = try run(Repo.cli, ["plan", scratch.path("boats.txt"), "-o", plan, "--size", "320x180", "--provider", kind.rawValue],
                           environment: environment)
        #expect(made.status == 0, "\(made.stderr)")
        return (plan, environment)
    }

    /// `render-scene` killed with SIGKILL while it waits between polls; the rerun polls the recorded job.
    @Test(arguments: Kind.allCases)
    func aKilledRenderResumesItsJobWithoutASecondCreate(_ kind: Kind) throws {
        let scratch = Scratch()
        let fake = try kind.fake(clip: try Self.clip(seconds: kind.seconds, in: scratch))
        fake.steps = [.running, .done]
        let (plan, environment) = try self.plan(scratch, kind, fake: fake)

        let victim = Process()
        victim.executableURL = URL(fileURLWithPath: Repo.cli)
        victim.arguments = ["render-scene", "--plan", plan, "--scene", "1", "--no-fallback"]
        victim.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        victim.standardOutput = FileHandle.nullDevice
        victim.standardError = FileHandle.nullDevice
        try victim.run()
        // Killed once it has polled: its job was recorded before that poll, and it now sleeps 5-10 s.
        let deadline = Date().addingTimeInterval(60)
        while !fake.requests.contains(where: { $0.method == "GET" }) && victim.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(victim.isRunning, "render-scene ended before it was killed")
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal)
        #expect(fake.jobsCreated == 1)

        let resumed = try run(Repo.cli, ["render-scene", "--plan", plan, "--scene", "1", "--no-fallback", "--log-format", "json"],
                              environment: environment)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(fake.jobsCreated == 1)
        #expect(resumed.stderr.contains("\"resumed\":true"), "\(resumed.stderr)")
        #expect(Verifier(log: SilentLog()).verify([scratch.path("boats-scenes/scene-01.mp4")])[0].passed)
    }

    enum Echo: String, CaseIterable, Sendable {
        /// The job id (Veo's operation name, Luma's generation id) holds the key.
        case jobID
        /// The failure reason holds it (plain, percent-encoded, cut short).
        case failure
        /// An error answer to the create holds it.
        case errorMessage
    }

    @Test(arguments: Kind.allCases, Echo.allCases)
    func aKeyEchoedByTheServerReachesNoOutputStoreOrLog(_ kind: Kind, _ echo: Echo) throws {
        let hostile = HostileProviderTests()
        let key = HostileProviderTests.hostileKey
        let scratch = Scratch()
        let fake = try kind.fake(key: key)
        fake.steps = [.done]  // no wait between polls at the real schedule
        switch echo {
        case .jobID:
            fake.idSuffix = "-" + key
        case .failure:
            let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!.replacingOccurrences(of: "_", with: "%5F")
            let message = "flagged for \(encoded) and \(key.prefix(30))… (\(key))"
            fake.outcome = kind == .veo ? .filtered(reason: message) : .fail(code: 0, message: message)
        case .errorMessage:
            let body = kind == .veo ? "{\"error\": {\"code\": 400, \"message\": \"Bad key x-goog-api-key: \(key)\", \"status\": \"INVALID_ARGUMENT\"}}"
                : "{\"detail\": \"Bad request for Authorization: Bearer \(key); key=\(key.dropFirst(6))\"}"
            fake.inject([.status(400, body: body)], on: "create")
        }
        let (plan, environment) = try self.plan(scratch, kind, fake: fake)
        let task = try run(Repo.cli, ["render-scene", "--plan", plan, "--scene", "1", "--no-fallback", "--log-format", "json"],
                           environment: environment)
        #expect(task.status == 65, "exit \(task.status): \(task.stderr)")
        let render = try run(Repo.cli, ["render", scratch.path("boats.txt"), "-o", scratch.path("boats.mp4"), "--provider", kind.rawValue,
                                        "--size", "320x180", "--autopilot", "--quiet", "--log-format", "json"],
                             environment: environment.merging(["MIA_DB": scratch.path("render-jobs.sqlite")]) { $1 })
        #expect(render.status == 0, "exit \(render.status): \(render.stderr)")
        #expect(fake.requests.contains { ($0.header("x-goog-api-key") ?? $0.header("authorization")?.replacingOccurrences(of: "Bearer ", with: "")) == key })
        for (name, text) in [("render-scene stderr", task.stderr), ("render-scene stdout", task.stdout),
                             ("render stderr", render.stderr), ("render stdout", render.stdout)] {
            #expect(hostile.leaks(text).isEmpty, "the key is in \(name): \(text)")
        }
        for (file, text) in hostile.allFiles(scratch.url) {
            #expect(hostile.leaks(text).isEmpty, "the key is in \(file)")
        }
    }

    // MARK: - Connecting, and what auto picks

    @Test func theEnvironmentConnectsVeoAndLumaThroughTheOneReader() throws {
        let registry = ProviderRegistry.live(environment: ["GEMINI_API_KEY": " AIzaSyExample\n", "LUMAAI_API_KEY": "luma-x",
                                                           "LUMAAI_BASE_URL": "http://127.0.0.1:9/dream-machine/v1"], log: log)
        #expect(registry.connected == [.veo, .luma])
        #expect((registry.provider(.luma) as? LumaProvider)?.http.baseURL.absoluteString == "http://127.0.0.1:9/dream-machine/v1")
        #expect((registry.provider(.veo) as? VeoProvider)?.http.baseURL.absoluteString == VeoProvider.defaultBaseURL)
        let environment = ProviderEnvironment.current(["GEMINI_API_KEY": "k", "LUMAAI_API_KEY": "  "])
        #expect(environment.isConnected(.veo) && !environment.isConnected(.luma))

        let refused = ProviderRegistry.live(environment: ["GEMINI_API_KEY": "k", "GEMINI_BASE_URL": "ftp://example.com"], log: log)
        #expect(refused.connected.isEmpty)
        #expect(log.events.contains { $0.tag == "MIA:WARN" && $0["provider"] == .string("veo")
                && $0["message"] == .string("Veo is not available: GEMINI_BASE_URL is not an http(s) URL of the form https://host/path") })
    }

    func analyze(_ script: String, _ options: AnalysisOptions) throws -> ScriptAnalysis {
        try ScriptAnalyzer(log: SilentLog()).analyze(script, name: "launch.txt", options: options)
    }

    static let launch = AnalysisTests().launch

    @Test func autoSendsPhotorealMotionToVeoAndStylizedToRunwayOrLumaAmongConnectedProviders() throws {
        let everything = ProviderEnvironment(openAIKeySet: true, openAIBaseURL: "http://127.0.0.1:9/v1", runwayKeySet: true,
                                             geminiKeySet: true, lumaKeySet: true)
        let all = try analyze(Self.launch, AnalysisOptions(environment: everything))
        #expect(all.scenes.map(\.chosen.provider) == [.veo, .runway, .template])
        #expect(all.scenes[0].chosen.model == "veo-3.1-fast-generate-preview")
        #expect(all.scenes[0].chosen.reason.hasPrefix("photoreal, cinematic motion") && !all.scenes[0].chosen.reason.contains("would suit"))
        #expect([4.0, 6, 8].contains(all.scenes[0].seconds) && abs(all.scenes[0].cost - all.scenes[0].seconds * 0.15) < 0.005)

        let lumaOnly = try analyze(Self.launch, AnalysisOptions(environment: ProviderEnvironment(lumaKeySet: true)))
        #expect(lumaOnly.scenes.map(\.chosen.provider) == [.luma, .luma, .template])
        #expect(lumaOnly.scenes[0].chosen.reason.hasSuffix("Veo would suit it best, but it isn't connected (GEMINI_API_KEY is not set), so Luma"))
        #expect([5.0, 9].contains(lumaOnly.scenes[1].seconds))
        #expect(lumaOnly.warnings.isEmpty)

        // Sora only behind a gateway, and after Veo.
        let soraGateway = ProviderEnvironment(openAIKeySet: true, openAIBaseURL: "http://127.0.0.1:9/v1")
        #expect(try analyze(Self.launch, AnalysisOptions(environment: soraGateway)).scenes[0].chosen.provider == .sora)
        let soraPublic = ProviderEnvironment(openAIKeySet: true, runwayKeySet: true)
        let publicOnly = try analyze(Self.launch, AnalysisOptions(environment: soraPublic))
        #expect(publicOnly.scenes[0].chosen.provider == .runway)

        // Square: only Luma renders 1:1 from text.
        let square = try analyze(Self.launch, AnalysisOptions(aspect: .square, environment: everything))
        #expect(square.scenes.map(\.chosen.provider) == [.luma, .luma, .template])
        #expect(square.scenes[0].chosen.reason.hasSuffix("Veo would suit it best, but it does not render 1:1, so Luma"))

        // Chosen by hand: every paid scene.
        let chosen = try analyze(Self.launch, AnalysisOptions(providerOverride: .veo, environment: everything))
        #expect(chosen.scenes[0].chosen.provider == .veo && chosen.scenes[0].chosen.reason == "you chose Veo for every scene (--provider)")
    }
}
