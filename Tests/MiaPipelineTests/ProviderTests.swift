import Foundation
import Testing
import Synchronization
@testable import MiaPipeline

/// The Sora and Runway adapters and their HTTP layer, against fake APIs that are real HTTP servers on
/// loopback (`Support/FakeProviderServers.swift`). Timeouts and backoffs are shortened so the suite is fast.
@Suite struct ProviderTests {
    static let soraKey = "sk-proj-TESTKEY0123456789abcdefSECRET"
    static let runwayKey = "key_" + String(repeating: "0123456789abcdef", count: 8)

    let log = CollectingLog()

    // MARK: - Settings for tests

    static let fastRetry = RetryPolicy(maxRetries: 2, initialDelay: 0.01, maxDelay: 0.04, jitter: 0.25, maxRetryAfter: 2)

    static func http(timeout: Double = 5, maxDownload: Int64 = 2_000_000_000) -> HTTPSettings {
        HTTPSettings(requestTimeout: timeout, downloadIdleTimeout: timeout, downloadTimeout: 30,
                     maxDownloadBytes: maxDownload, retry: fastRetry)
    }

    func sora(_ fake: FakeSoraServer, key: String = soraKey, http: HTTPSettings = http()) throws -> SoraProvider {
        try SoraProvider(apiKey: key, baseURL: fake.baseURL,
                         options: SoraProvider.Options(http: http, poll: PollSchedule(initial: 0.01, maximum: 0.01)), log: log)
    }

    func runway(_ fake: FakeRunwayServer, key: String = runwayKey, http: HTTPSettings = http()) throws -> RunwayProvider {
        try RunwayProvider(apiKey: key, baseURL: fake.baseURL,
                           options: RunwayProvider.Options(http: http, poll: PollSchedule(initial: 0.01, maximum: 0.01)), log: log)
    }

    static func request(_ model: String, seconds: Int = 4, width: Int = 1280, height: Int = 720,
                        prompt: String = "A lighthouse at dawn, waves rolling in") -> RenderRequest {
        RenderRequest(sceneNumber: 1, prompt: prompt, model: model, seconds: seconds, width: width, height: height)
    }

    /// What the orchestrator does: create, poll until the job ends, download.
    /// - Returns: every state seen.
    @discardableResult
    func render(_ provider: any VideoProvider, _ request: RenderRequest, to path: String) async throws -> [ProviderJobState] {
        let id = try await provider.create(request)
        var states: [ProviderJobState] = []
        for attempt in 0..<40 {
            let state = try await provider.status(of: id)
            states.append(state)
            switch state {
            case .succeeded:
                try await provider.download(jobID: id, to: path)
                return states
            case .failed(let failure):
                throw ProviderError.jobFailed(failure)
            case .queued, .running:
                try await Task.sleep(for: provider.pollInterval(after: attempt))
            }
        }
        Issue.record("the job never finished: \(states)")
        return states
    }

    /// The error `body` throws, as a `ProviderError` (recorded as an issue when it throws nothing or something else).
    func providerError(_ body: () async throws -> Void) async -> ProviderError? {
        do {
            try await body()
            Issue.record("expected a ProviderError, got success")
        } catch let error as ProviderError {
            return error
        } catch {
            Issue.record("expected a ProviderError, got \(error)")
        }
        return nil
    }

    var retries: [MiaEvent] { log.events.filter { $0.tag == "MIA:PROVIDER:RETRY" } }

    // MARK: - Sora

    @Test func soraCreatesPollsAndDownloadsAPlayableClip() async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        fake.pollAfterMs = 150
        let sora = try sora(fake)
        let scratch = Scratch()
        let states = try await render(sora, Self.request("sora-2", seconds: 8, width: 1920, height: 1080), to: scratch.path("scene.mp4"))

        #expect(states == [.queued, .running(progress: 0.4), .succeeded])
        let info = try MediaProbe.inspect(scratch.path("scene.mp4"))
        #expect(info.video?.codec == "h264")
        #expect(try Data(contentsOf: scratch.url.appendingPathComponent("scene.mp4")) == fake.clip)

        let requests = fake.requests
        #expect(requests.map { "\($0.method) \($0.path)" } == ["POST /v1/videos"] + Array(repeating: "GET /v1/videos/video_1", count: 3)
                + ["GET /v1/videos/video_1/content"])
        #expect(requests.allSatisfy { $0.header("authorization") == "Bearer \(Self.soraKey)" })
        let create = requests[0]
        #expect(create.header("content-type") == "application/json")
        let body = try #require(create.json)
        #expect(Set(body.keys) == ["model", "prompt", "seconds", "size"])
        #expect(body["model"] as? String == "sora-2")
        #expect(body["prompt"] as? String == "A lighthouse at dawn, waves rolling in")
        #expect(body["seconds"] as? String == "8", "seconds is a JSON string, as the API's VideoSeconds")
        #expect(String(decoding: create.body, as: UTF8.self).contains(#""seconds":"8""#))
        #expect(body["size"] as? String == "1280x720")
        #expect(requests.last?.header("accept") == "application/binary")
        #expect(fake.jobsCreated == 1 && fake.maxJobsInFlight == 1)
        // The API's poll hint replaces the default schedule.
        #expect(sora.pollInterval(after: 0) == .milliseconds(150))
        #expect(retries.isEmpty)
    }

    @Test func soraPollsOnItsOwnScheduleWithoutAHint() throws {
        let sora = try SoraProvider(apiKey: Self.soraKey, log: log)
        #expect(sora.pollInterval(after: 0) == .seconds(2))
        #expect(sora.pollInterval(after: 1) == .seconds(3))
        #expect(sora.pollInterval(after: 20) == .seconds(15))
        #expect(sora.http.baseURL.absoluteString == "https://api.openai.com/v1")
    }

    @Test(arguments: [
        ("sora-2", 1920, 1080, "1280x720"), ("sora-2", 1080, 1920, "720x1280"), ("sora-2", 1080, 1080, "1280x720"),
        ("sora-2", 1792, 1024, "1280x720"), ("sora-2-pro", 1792, 1024, "1792x1024"), ("sora-2-pro", 1024, 1792, "1024x1792"),
        ("sora-2-pro", 1920, 1080, "1280x720"), ("sora-2-pro-2025-10-06", 2048, 1170, "1792x1024"),
    ])
    func soraAsksForTheNearestSizeTheModelRenders(model: String, width: Int, height: Int, size: String) async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        _ = try await sora(fake).create(Self.request(model, width: width, height: height))
        #expect(fake.requests.first?.json?["size"] as? String == size)
        #expect(fake.requests.first?.json?["model"] as? String == model)
    }

    @Test(arguments: [
        ("moderation_blocked", false), ("internal_error", true), ("video_generation_failed", false), (nil, false),
    ] as [(String?, Bool)])
    func aFailedSoraVideoIsAFailedJob(code: String?, retryable: Bool) async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        fake.failure = (code ?? "", "The video could not be generated.")
        let sora = try sora(fake)
        let id = try await sora.create(Self.request("sora-2"))
        var state = try await sora.status(of: id)
        while case .queued = state { state = try await sora.status(of: id) }
        while case .running = state { state = try await sora.status(of: id) }
        #expect(state == .failed(ProviderFailure(code: code ?? "", message: "The video could not be generated.", retryable: retryable)))
        let error = await providerError { try await sora.download(jobID: id, to: Scratch().path("x.mp4")) }
        #expect(error?.kind == "download")
    }

    static let goneAnswers: [(Int, String)] = [
        (410, #"{"error": {"message": "The Videos API has been shut down.", "type": "invalid_request_error", "code": "api_shutdown"}}"#),
        (404, #"{"error": {"message": "Invalid URL (POST /v1/videos)", "type": "invalid_request_error", "code": null}}"#),
        (400, #"{"error": {"message": "The model `sora-2` has been deprecated.", "type": "invalid_request_error", "code": "model_deprecated"}}"#),
    ]

    @Test(arguments: goneAnswers)
    func soraSaysDiscontinuedWithoutRetryingWhenTheAPIIsGone(status: Int, body: String) async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        fake.inject([.status(status, body: body)], on: "create")
        let error = await providerError { _ = try await sora(fake).create(Self.request("sora-2")) }
        #expect(error?.kind == "discontinued")
        #expect(fake.requests.count == 1)
        #expect(retries.isEmpty)
    }

    @Test func onTheRealEndpointModelNotFoundMeansGoneAndTheMessageSaysWhatToDo() throws {
        let public_ = try SoraProvider(apiKey: Self.soraKey, log: log)
        let gateway = try SoraProvider(apiKey: Self.soraKey, baseURL: "http://127.0.0.1:9/v1", log: log)
        let answer = HTTPResponse(status: 400, headers: [:], body: Data(
            #"{"error": {"message": "The model `sora-2` does not exist or you do not have access to it.", "code": "model_not_found"}}"#.utf8),
            received: 0)
        let onPublic = public_.failure(answer, request: "POST /v1/videos", creating: true, model: "sora-2")
        #expect(onPublic.kind == "discontinued")
        #expect(onPublic.message.contains("2026-09-24") && onPublic.message.contains("OPENAI_BASE_URL"))
        // A gateway that lacks the model is a configuration problem, not a shutdown.
        #expect(gateway.failure(answer, request: "POST /v1/videos", creating: true, model: "sora-2").kind == "rejected")
        // A 404 while polling is a missing job, not a missing API.
        let missing = HTTPResponse(status: 404, headers: [:], body: Data(#"{"error": {"message": "Video not found"}}"#.utf8), received: 0)
        #expect(gateway.failure(missing, request: "GET /v1/videos/v", creating: false, model: nil).kind == "rejected")
    }

    // MARK: - Runway

    @Test func runwayCreatesPollsThroughThrottlingAndDownloadsFromTheCDN() async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        let runway = try runway(fake)
        let scratch = Scratch()
        let states = try await render(runway, Self.request("gen4.5", seconds: 5, width: 1080, height: 1920), to: scratch.path("scene.mp4"))

        #expect(states == [.queued, .queued, .running(progress: 0.5), .succeeded], "THROTTLED is waiting, not failing")
        let info = try MediaProbe.inspect(scratch.path("scene.mp4"))
        #expect(info.video?.codec == "h264" && info.audio?.codec == "aac")

        let requests = fake.requests
        let taskPath = "GET /v1/tasks/1f2e3d4c-0000-4000-8000-000000000001"
        #expect(requests.map { "\($0.method) \($0.path)" } == ["POST /v1/text_to_video"] + Array(repeating: taskPath, count: 5))
        #expect(requests.allSatisfy { $0.header("x-runway-version") == "2024-11-06" })
        #expect(requests.allSatisfy { $0.header("authorization") == "Bearer \(Self.runwayKey)" })
        let body = try #require(requests[0].json)
        #expect(Set(body.keys) == ["model", "promptText", "ratio", "duration"])
        #expect(body["model"] as? String == "gen4.5")
        #expect(body["promptText"] as? String == "A lighthouse at dawn, waves rolling in")
        #expect(body["ratio"] as? String == "720:1280")
        #expect(body["duration"] as? Int == 5)
        #expect(String(decoding: requests[0].body, as: UTF8.self).contains(#""duration":5"#), "duration is a JSON integer")

        // The output comes from the CDN, without the key or Runway's headers.
        let downloads = fake.cdn.requests
        #expect(downloads.map(\.target) == ["/outputs/1f2e3d4c-0000-4000-8000-000000000001.mp4?_jwt=signed-token"])
        let download = try #require(downloads.first)
        #expect(download.header("authorization") == nil && download.header("x-runway-version") == nil)
        #expect(fake.jobsCreated == 1 && fake.maxJobsInFlight == 1)
    }

    @Test(arguments: [
        ("gen4.5", 1280, 720, "1280:720"), ("gen4.5", 1080, 1920, "720:1280"), ("gen4.5", 1080, 1080, "1280:720"),
        ("veo3.1_fast", 1920, 1080, "1280:720"), ("veo3.1", 720, 1280, "720:1280"),
    ])
    func runwayAsksForTheNearestRatio(model: String, width: Int, height: Int, ratio: String) async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        _ = try await runway(fake).create(Self.request(model, seconds: 8, width: width, height: height))
        #expect(fake.requests.first?.json?["ratio"] as? String == ratio)
        #expect(fake.requests.first?.json?["model"] as? String == model)
    }

    @Test func aLongPromptIsShortenedToRunwaysLimitBetweenCharacters() async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        let prompt = String(repeating: "a wide shot 🎬 of the harbour, ", count: 60)  // 1,860 UTF-16 units
        _ = try await runway(fake).create(Self.request("gen4.5", prompt: prompt))
        let sent = try #require(fake.requests.first?.json?["promptText"] as? String)
        #expect(sent.utf16.count <= 1000 && sent.utf16.count > 900)
        #expect(prompt.hasPrefix(sent))
        #expect(sent.unicodeScalars.last.map { $0.properties.isEmojiPresentation || $0.value < 0x80 } == true, "no half emoji")
        let warning = try #require(log.events.first { $0.tag == "MIA:WARN" })
        #expect(warning["kind"] == .string("prompt-shortened") && warning["to"] == .int(Int64(sent.utf16.count)))
    }

    @Test(arguments: [
        ("SAFETY.INPUT.TEXT", false), ("SAFETY.OUTPUT.VIDEO", false), ("INTERNAL.BAD_OUTPUT.CODE01", true), ("ASSET.INVALID", false),
    ])
    func aFailedRunwayTaskSaysWhetherANewOneCouldSucceed(code: String, retryable: Bool) async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        fake.outcome = .fail(code: code, message: "The task failed (\(code)).")
        let runway = try runway(fake)
        let scratch = Scratch()
        let error = await providerError { try await render(runway, Self.request("gen4.5"), to: scratch.path("scene.mp4")) }
        let expected = ProviderFailure(code: code, message: "The task failed (\(code)).", retryable: retryable)
        #expect(error == .jobFailed(expected))
        // Downloading a failed task says why, too.
        let id = "1f2e3d4c-0000-4000-8000-000000000001"
        #expect(await providerError { try await runway.download(jobID: id, to: scratch.path("scene.mp4")) } == .jobFailed(expected))
        #expect(scratch.contents.isEmpty)
    }

    @Test func aCancelledRunwayTaskIsFinal() async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        fake.outcome = .cancel
        let error = await providerError { try await render(runway(fake), Self.request("gen4.5"), to: Scratch().path("x.mp4")) }
        #expect(error == .jobFailed(ProviderFailure(code: "CANCELLED", message: "the task was cancelled", retryable: false)))
    }

    @Test func runwayPollsEverySixSecondsGiveOrTakeOneAndAHalf() throws {
        let schedule = RunwayProvider.Options().poll
        #expect(schedule.interval(after: 0, random: 0) == .milliseconds(4500))
        #expect(schedule.interval(after: 7, random: 0.5) == .seconds(6))
        #expect(schedule.interval(after: 30, random: 0.999_999) == .milliseconds(7500))
        let runway = try RunwayProvider(apiKey: Self.runwayKey, log: log)
        for attempt in 0..<20 {
            let wait = runway.pollInterval(after: attempt)
            #expect(wait >= .milliseconds(4500) && wait <= .milliseconds(7500))
        }
        #expect(runway.http.baseURL.absoluteString == "https://api.dev.runwayml.com")
    }

    // MARK: - Retries

    @Test func a429IsHonouredByItsRetryAfterMsThenTheCreateSucceeds() async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        fake.inject([.status(429, headers: ["retry-after-ms": "300", "Retry-After": "1"],
                             body: #"{"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}"#)], on: "create")
        let start = ContinuousClock.now
        let id = try await sora(fake).create(Self.request("sora-2"))
        let elapsed = ContinuousClock.now - start
        #expect(id == "video_1")
        // Waited the 300 ms of retry-after-ms, not Retry-After's seconds (checked by the request count, not a clock limit).
        #expect(elapsed >= .milliseconds(300), "retry-after-ms was not honoured")
        #expect(fake.requests.count == 2 && fake.jobsCreated == 1)
        let retry = try #require(retries.first)
        #expect(retries.count == 1)
        #expect(retry["wait"] == .seconds(0.3) && retry["request"] == .string("POST /v1/videos"))
    }

    @Test func a429IsHonouredByItsRetryAfterSeconds() async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        fake.inject([.status(429, headers: ["Retry-After": "1"], body: #"{"error": "Too many requests"}"#)], on: "create")
        let start = ContinuousClock.now
        _ = try await runway(fake).create(Self.request("gen4.5"))
        #expect(ContinuousClock.now - start >= .seconds(1))
        #expect(fake.requests.count == 2 && fake.jobsCreated == 1)
    }

    @Test func retryAfterIsReadAsMillisecondsThenSecondsThenAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_795_600_000)  // 2026-11-25 09:46:40 UTC
        #expect(HTTPClient.retryAfter(["retry-after-ms": "250", "retry-after": "7"], now: now) == 0.25)
        #expect(HTTPClient.retryAfter(["retry-after": "7"], now: now) == 7)
        #expect(HTTPClient.retryAfter(["retry-after": "1.5"], now: now) == 1.5)
        #expect(HTTPClient.retryAfter(["retry-after": "Wed, 25 Nov 2026 09:47:10 GMT"], now: now) == 30)
        #expect(HTTPClient.retryAfter(["retry-after": "soon"], now: now) == nil)
        #expect(HTTPClient.retryAfter([:], now: now) == nil)
        #expect(RetryPolicy.openAI.maxRetryAfter == 120 && RetryPolicy.runway.maxRetryAfter == 60)
    }

    @Test func backoffStartsAtHalfASecondDoublesToEightAndTakesUpToAQuarterOff() {
        let policy = RetryPolicy()
        #expect(policy.maxRetries == 2)
        #expect((0..<6).map { policy.backoff(retry: $0, random: 0) } == [0.5, 1, 2, 4, 8, 8])
        #expect(policy.backoff(retry: 0, random: 0.999_999) > 0.375 && policy.backoff(retry: 0, random: 0.999_999) < 0.376)
        for _ in 0..<100 { #expect((6.0...8.0).contains(policy.backoff(retry: 5))) }
    }

    @Test func aServerAskingToWaitLongerThanTheLimitIsGivenUpOnAtOnce() async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        fake.inject([.status(429, headers: ["Retry-After": "3600"])], on: "create")
        let error = await providerError { _ = try await sora(fake).create(Self.request("sora-2")) }
        #expect(error?.kind == "unavailable")
        #expect(error?.message.contains("3600 s") == true)
        #expect(fake.requests.count == 1 && fake.jobsCreated == 0)
    }

    @Test(arguments: [500, 502, 503, 504, 408, 409])
    func pollingRetriesServerErrorsThenSucceeds(status: Int) async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        let runway = try runway(fake)
        let id = try await runway.create(Self.request("gen4.5"))
        fake.inject([.status(status, body: #"{"error": "try later"}"#), .status(status)], on: "status")
        #expect(try await runway.status(of: id) == .queued)
        #expect(fake.requests.filter { $0.method == "GET" }.count == 3)
        #expect(retries.map { $0["reason"] } == [.string("HTTP \(status)"), .string("HTTP \(status)")])
    }

    @Test func tooManyServerErrorsMakeTheProviderUnavailable() async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        let runway = try runway(fake)
        let id = try await runway.create(Self.request("gen4.5"))
        fake.inject(Array(repeating: .status(500, body: #"{"error": "boom"}"#), count: 3), on: "status")
        let error = await providerError { _ = try await runway.status(of: id) }
        #expect(error?.kind == "unavailable")
        #expect(error?.message.contains("HTTP 500") == true)
        #expect(fake.requests.filter { $0.method == "GET" }.count == 3, "one request and two retries")
        #expect(retries.count == 2)
    }

    @Test func aCreateIsRetriedOnAServerErrorAnswer() async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        fake.inject([.status(503, body: #"{"error": {"message": "overloaded"}}"#)], on: "create")
        #expect(try await sora(fake).create(Self.request("sora-2")) == "video_1")
        #expect(fake.requests.count == 2 && fake.jobsCreated == 1)
    }

    @Test(arguments: [400, 408, 409, 422])
    func aCreateIsNotRetriedOnAnAnswerThatDoesNotProveNoJobWasMade(status: Int) async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        fake.inject([.status(status, body: #"{"error": "nope"}"#)], on: "create")
        let error = await providerError { _ = try await runway(fake).create(Self.request("gen4.5")) }
        #expect(error == .rejected(status: status, message: "nope"))
        #expect(fake.requests.count == 1)
    }

    @Test func aCreateThatTimesOutAfterTheServerGotItIsNotSentAgain() async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        fake.inject([.slow(8)], on: "create")  // far past the 0.5 s timeout, even on a loaded machine
        let error = await providerError { _ = try await sora(fake, http: Self.http(timeout: 0.5)).create(Self.request("sora-2")) }
        #expect(error?.kind == "unavailable")
        #expect(error?.message.contains("may have been created") == true)
        #expect(fake.jobsCreated == 1)
        #expect(fake.requests.filter { $0.method == "POST" }.count == 1)
        #expect(retries.isEmpty)
    }

    @Test func aPollThatTimesOutIsRetried() async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        let runway = try runway(fake, http: Self.http(timeout: 0.5))
        let id = try await runway.create(Self.request("gen4.5"))
        fake.inject([.slow(8)], on: "status")
        #expect(try await runway.status(of: id) == .queued)
        #expect(retries.map { $0["reason"] } == [.string("timed out")])
    }

    @Test func aRefusedConnectionIsRetriedEvenForACreateThenReported() async throws {
        let sora = try SoraProvider(apiKey: Self.soraKey, baseURL: "http://127.0.0.1:1/v1",
                                    options: SoraProvider.Options(http: Self.http()), log: log)
        let error = await providerError { _ = try await sora.create(Self.request("sora-2")) }
        #expect(error?.kind == "unavailable")
        #expect(error?.message.contains("connection refused") == true, "\(String(describing: error))")
        #expect(retries.map { $0["reason"] } == [.string("connection refused"), .string("connection refused")])
    }

    @Test func cancellingAPendingRequestStopsItPromptly() async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        let runway = try runway(fake, http: Self.http(timeout: 10))
        let id = try await runway.create(Self.request("gen4.5"))
        fake.inject([.slow(5)], on: "status")
        let poll = Task { try await runway.status(of: id) }
        try await Task.sleep(for: .milliseconds(200))
        poll.cancel()
        await #expect(throws: CancellationError.self) { try await poll.value }
    }

    // MARK: - Malformed answers

    @Test func malformedJSONIsAMalformedResponseAndNotRetried() async throws {
        let sora = try FakeSoraServer(key: Self.soraKey)
        sora.inject([.malformedJSON], on: "create")
        #expect(await providerError { _ = try await self.sora(sora).create(Self.request("sora-2")) }?.kind == "malformedResponse")
        #expect(sora.requests.count == 1)

        let runway = try FakeRunwayServer(key: Self.runwayKey)
        let adapter = try self.runway(runway)
        let id = try await adapter.create(Self.request("gen4.5"))
        runway.inject([.malformedJSON], on: "status")
        #expect(await providerError { _ = try await adapter.status(of: id) }?.kind == "malformedResponse")
        runway.inject([.status(200, body: #"{"id": "x", "status": "EXPLODED"}"#)], on: "status")
        let unknown = await providerError { _ = try await adapter.status(of: id) }
        #expect(unknown?.kind == "malformedResponse" && unknown?.message.contains("EXPLODED") == true)
        runway.inject([.status(200, body: #"{"id": "x", "status": "SUCCEEDED", "output": []}"#)], on: "status")
        #expect(await providerError { _ = try await adapter.status(of: id) }?.kind == "malformedResponse")
        runway.inject([.status(200, body: #"{"status": 3}"#)], on: "status")
        #expect(await providerError { _ = try await adapter.status(of: id) }?.kind == "malformedResponse")
    }

    // MARK: - Downloads

    @Test func aDownloadCutShortFailsAndLeavesNoFile() async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        let sora = try sora(fake)
        let scratch = Scratch()
        fake.inject(Array(repeating: .cutShort, count: 3), on: "content")
        let error = await providerError { try await render(sora, Self.request("sora-2"), to: scratch.path("scene.mp4")) }
        #expect(error?.kind == "download")
        #expect(error?.message.contains("cut short") == true)
        #expect(scratch.contents.isEmpty)
        #expect(fake.requests.filter { $0.path.hasSuffix("/content") }.count == 3)
    }

    @Test func aDownloadCutShortOnceIsFetchedAgainWhole() async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        fake.cdn.inject([.cutShort], on: "get")
        let scratch = Scratch()
        try await render(runway(fake), Self.request("gen4.5"), to: scratch.path("scene.mp4"))
        #expect(try Data(contentsOf: scratch.url.appendingPathComponent("scene.mp4")) == fake.cdn.clip)
        #expect(fake.cdn.requests.count == 2)
    }

    @Test func aDownloadOverTheSizeLimitFailsAtOnceAndLeavesNoFile() async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        let scratch = Scratch()
        let error = await providerError {
            try await render(sora(fake, http: Self.http(maxDownload: 10_000)), Self.request("sora-2"), to: scratch.path("scene.mp4"))
        }
        #expect(error?.kind == "download")
        #expect(error?.message.contains("10000") == true)
        #expect(scratch.contents.isEmpty)
        #expect(fake.requests.filter { $0.path.hasSuffix("/content") }.count == 1)
        #expect(HTTPSettings().maxDownloadBytes == 2_000_000_000)
    }

    @Test func aDownloadFromAPlainHTTPForeignHostIsRefused() async throws {
        let fake = try FakeRunwayServer(key: Self.runwayKey)
        fake.outputHost = "localhost"  // the same CDN server, but not the API's host and not https
        let scratch = Scratch()
        let error = await providerError { try await render(runway(fake), Self.request("gen4.5"), to: scratch.path("scene.mp4")) }
        #expect(error?.kind == "downloadRefused")
        #expect(error?.message.contains("http://localhost") == true)
        #expect(fake.cdn.requests.isEmpty)
        #expect(scratch.contents.isEmpty)
    }

    @Test func aRedirectKeepsTheKeyAtTheAPIsOriginAndForeignPlainHTTPTargetsAreRefused() async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        let sora = try sora(fake)
        let scratch = Scratch()
        // To the same host on another port (allowed for downloads): followed, but without the key.
        fake.inject([.redirect("http://127.0.0.1:\(fake.cdn.port)/files/clip.mp4")], on: "content")
        try await render(sora, Self.request("sora-2"), to: scratch.path("a.mp4"))
        #expect(try Data(contentsOf: scratch.url.appendingPathComponent("a.mp4")) == fake.clip)
        #expect(fake.cdn.requests.map(\.path) == ["/files/clip.mp4"])
        #expect(fake.cdn.requests.first?.header("authorization") == nil)

        // To a plain-http foreign host: refused, nothing fetched, no file.
        fake.inject([.redirect("http://localhost:\(fake.cdn.port)/files/clip.mp4")], on: "content")
        let error = await providerError { try await sora.download(jobID: "video_1", to: scratch.path("b.mp4")) }
        #expect(error?.kind == "downloadRefused" && error?.message.contains("redirect refused") == true)
        #expect(fake.cdn.requests.count == 1)
        #expect(scratch.contents == ["a.mp4"])
    }

    @Test func aClipNotReadyIsADownloadError() async throws {
        let fake = try FakeSoraServer(key: Self.soraKey)
        let sora = try sora(fake)
        let id = try await sora.create(Self.request("sora-2"))
        let scratch = Scratch()
        let error = await providerError { try await sora.download(jobID: id, to: scratch.path("scene.mp4")) }
        #expect(error?.kind == "download" && error?.message.contains("HTTP 404") == true)
        #expect(scratch.contents.isEmpty)
    }

    // MARK: - The key

    @Test func theKeyNeverAppearsInErrorsEventsOrURLs() async throws {
        let sora = try FakeSoraServer(key: Self.soraKey)
        let runway = try FakeRunwayServer(key: Self.runwayKey)
        let scratch = Scratch()
        var texts: [String] = []
        func note(_ error: ProviderError?) {
            guard let error else { return }
            texts += [error.message, String(describing: error), String(reflecting: error)]
        }
        let wrongSora = "sk-proj-WRONGKEY0123456789abcdefSECRET"
        let wrongRunway = "key_" + String(repeating: "fedcba9876543210", count: 8)

        // Servers that echo the key they were given.
        note(await providerError { _ = try await self.sora(sora, key: wrongSora).create(Self.request("sora-2")) })
        note(await providerError { _ = try await self.runway(runway, key: wrongRunway).create(Self.request("gen4.5")) })
        // Retries, timeouts, malformed answers, failed jobs, refused and cut-short downloads.
        sora.inject([.status(429, headers: ["retry-after-ms": "10"]), .status(500), .malformedJSON], on: "create")
        note(await providerError { _ = try await self.sora(sora).create(Self.request("sora-2")) })
        sora.inject([.slow(8)], on: "create")
        note(await providerError { _ = try await self.sora(sora, http: Self.http(timeout: 0.5)).create(Self.request("sora-2")) })
        sora.inject(Array(repeating: .cutShort, count: 3), on: "content")
        note(await providerError { try await render(self.sora(sora), Self.request("sora-2"), to: scratch.path("a.mp4")) })
        runway.outcome = .fail(code: "SAFETY.INPUT.TEXT", message: "The prompt was rejected.")
        note(await providerError { try await render(self.runway(runway), Self.request("gen4.5"), to: scratch.path("b.mp4")) })
        runway.outcome = .succeed
        runway.outputHost = "localhost"
        note(await providerError { try await render(self.runway(runway), Self.request("gen4.5"), to: scratch.path("c.mp4")) })
        runway.outputHost = "127.0.0.1"
        try await render(self.runway(runway), Self.request("gen4.5"), to: scratch.path("d.mp4"))
        let offline = try SoraProvider(apiKey: Self.soraKey, baseURL: "http://127.0.0.1:1/v1", options: .init(http: Self.http()), log: log)
        note(await providerError { _ = try await offline.create(Self.request("sora-2")) })

        #expect(texts.count >= 24)
        #expect(texts.contains { $0.contains("Incorrect API key provided") }, "the server's message is kept, the key is not")
        texts += log.events.flatMap { [$0.text, $0.json] }
        texts += (sora.requests + runway.requests + sora.cdn.requests + runway.cdn.requests).map(\.target)
        let adapter = try self.sora(sora)
        texts += [String(describing: adapter), String(reflecting: adapter), String(describing: adapter.http)]
        var dumped = ""
        dump(adapter, to: &dumped, maxDepth: 3)
        texts.append(dumped)
        for key in [Self.soraKey, Self.runwayKey, wrongSora, wrongRunway] {
            let leaks = texts.filter { $0.contains(key) }
            #expect(leaks.isEmpty, "the key leaked into: \(leaks.map { $0.replacingOccurrences(of: key, with: "<KEY>") })")
        }
        // The key did go where it belongs.
        #expect(sora.requests.contains { $0.header("authorization") == "Bearer \(Self.soraKey)" })
        #expect(APIKey("  \(Self.soraKey)\n").redact("got sk-proj-****CRET and \(Self.soraKey)") == "got [redacted] and [redacted]")
    }

    // MARK: - Registry

    @Test func theRegistryHoldsAdaptersOnlyForConnectedProviders() throws {
        let none = ProviderRegistry.live(environment: [:], log: log)
        #expect(none.connected.isEmpty)
        #expect(none.provider(.sora) == nil && none.provider(.runway) == nil && none.provider(.template) == nil)

        let blank = ProviderRegistry.live(environment: ["OPENAI_API_KEY": "", "RUNWAYML_API_SECRET": "  \n"], log: log)
        #expect(blank.connected.isEmpty)

        let both = ProviderRegistry.live(environment: ["OPENAI_API_KEY": Self.soraKey, "RUNWAYML_API_SECRET": Self.runwayKey], log: log)
        #expect(both.connected == [.sora, .runway])
        #expect(both.provider(.sora)?.id == .sora && both.provider(.runway)?.id == .runway)
        #expect(both.provider(.template) == nil, "the orchestrator renders templates itself")
        #expect((both.provider(.sora) as? SoraProvider)?.http.baseURL.absoluteString == "https://api.openai.com/v1")
        #expect((both.provider(.runway) as? RunwayProvider)?.http.baseURL.absoluteString == "https://api.dev.runwayml.com")
        #expect(log.events.isEmpty)
    }

    @Test func oneReaderTrimsTheVariablesAndTakesABlankKeyAsNotSet() throws {
        let environment = ["OPENAI_API_KEY": "  \(Self.soraKey)\n", "RUNWAYML_API_SECRET": " \n\t",
                           "OPENAI_BASE_URL": " https://gateway.example.com/v1/\n"]
        let variables = ProviderVariables(environment)
        #expect(variables.value("OPENAI_API_KEY") == Self.soraKey)
        #expect(variables.key(.sora)?.authorization == "Bearer \(Self.soraKey)")
        #expect(variables.key(.runway) == nil)
        #expect(try variables.baseURL(.sora)?.absoluteString == "https://gateway.example.com/v1")
        #expect(try variables.baseURL(.runway) == nil)
        // The analysis and the registry read through it, so they agree on what is connected.
        let seen = ProviderEnvironment.current(environment)
        #expect(seen.openAIKeySet && !seen.runwayKeySet && seen.soraGatewayConfigured)
        #expect(ProviderRegistry.live(environment: environment, log: log).connected == [.sora])
        // An empty key is not set either; a base URL that is not http(s) is refused by its variable's name.
        #expect(ProviderVariables(["OPENAI_API_KEY": ""]).key(.sora) == nil)
        #expect(!ProviderEnvironment.current(["OPENAI_API_KEY": "", "RUNWAYML_API_SECRET": "  \n"]).isConnected(.runway))
        let refused = #expect(throws: MiaError.self) { try ProviderVariables(["RUNWAYML_BASE_URL": "ftp://x.example.com"]).baseURL(.runway) }
        #expect(refused?.message == "RUNWAYML_BASE_URL is not an http(s) URL of the form https://host/path")
        #expect(log.events.isEmpty)
    }

    @Test func aBadBaseURLLeavesTheProviderOutAndSaysWhy() throws {
        let registry = ProviderRegistry.live(environment: [
            "OPENAI_API_KEY": Self.soraKey, "OPENAI_BASE_URL": "ftp://gateway.example.com/v1",
            "RUNWAYML_API_SECRET": Self.runwayKey, "RUNWAYML_BASE_URL": "http://runway-gateway.internal:8080",
        ], log: log)
        #expect(registry.connected == [.runway])
        let warnings = log.events.filter { $0.tag == "MIA:WARN" }
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0["provider"] == .string("sora") && $0.text.contains("OPENAI_BASE_URL") })
        #expect(warnings.contains { $0["provider"] == .string("runway") && $0.text.contains("unencrypted") })
        #expect(!log.events.contains { $0.text.contains(Self.soraKey) || $0.text.contains(Self.runwayKey) })
    }

    @Test func liveAdaptersTakeTheirKeyAndBaseURLFromTheEnvironment() async throws {
        let sora = try FakeSoraServer(key: Self.soraKey)
        let runway = try FakeRunwayServer(key: Self.runwayKey)
        let registry = ProviderRegistry.live(
            environment: ["OPENAI_API_KEY": Self.soraKey, "OPENAI_BASE_URL": sora.baseURL + "/",
                          "RUNWAYML_API_SECRET": Self.runwayKey, "RUNWAYML_BASE_URL": runway.baseURL],
            log: log, sora: SoraProvider.Options(http: Self.http()), runway: RunwayProvider.Options(http: Self.http()))
        #expect(try await registry.provider(.sora)?.create(Self.request("sora-2")) == "video_1")
        #expect(try await registry.provider(.runway)?.create(Self.request("gen4.5")) == "1f2e3d4c-0000-4000-8000-000000000001")
        #expect(sora.requests.map(\.path) == ["/v1/videos"])
        #expect(sora.requests.first?.header("authorization") == "Bearer \(Self.soraKey)")
        #expect(runway.requests.first?.header("authorization") == "Bearer \(Self.runwayKey)")
    }
}

extension ProviderError {
    /// The case's name, for tests that do not care about the message.
    var kind: String {
        switch self {
        case .notConnected: "notConnected"
        case .rejected: "rejected"
        case .discontinued: "discontinued"
        case .unavailable: "unavailable"
        case .malformedResponse: "malformedResponse"
        case .jobFailed: "jobFailed"
        case .deadlineExceeded: "deadlineExceeded"
        case .download: "download"
        case .downloadRefused: "downloadRefused"
        case .unsendableImage: "unsendableImage"
        }
    }
}

// MARK: - Proxies

extension ProviderTests {
    /// `https_proxy`, `http_proxy` and `no_proxy` are read as curl reads them; loopback is always direct.
    @Test func proxiesComeFromTheEnvironment() throws {
        let settings = try #require(ProxySettings.fromEnvironment([
            "HTTPS_PROXY": "http://farm%40user:s3cret@proxy.farm.internal:3128", "http_proxy": "plain.proxy:8080",
            "no_proxy": "storage.internal, .cdn.example ,localhost",
        ]))
        let secure = try #require(settings.server(for: URL(string: "https://api.dev.runwayml.com/v1/tasks")!))
        #expect(secure == ProxySettings.Server(host: "proxy.farm.internal", port: 3128, username: "farm@user", password: "s3cret"))
        #expect(settings.server(for: URL(string: "http://api.example.com/x")!)?.host == "plain.proxy")
        #expect(settings.server(for: URL(string: "https://storage.internal/clip.mp4")!) == nil)
        #expect(settings.server(for: URL(string: "https://eu.cdn.example/clip.mp4")!) == nil)
        #expect(settings.server(for: URL(string: "http://127.0.0.1:8080/v1")!) == nil)
        #expect(ProxySettings.fromEnvironment(["PATH": "/usr/bin", "https_proxy": ""]) == nil)
        #expect(ProxySettings.fromEnvironment(["https_proxy": "ftp://nope"]) == nil)
        #expect(ProxySettings.fromEnvironment(["https_proxy": "http://proxy:99999999999"]) == nil)
        #expect(ProxySettings.fromEnvironment(["https_proxy": "http://proxy:0"]) == nil)
        #expect(ProxySettings.fromEnvironment(["https_proxy": "http://proxy:3128", "no_proxy": "*"])?
            .server(for: URL(string: "https://api.runwayml.com")!) == nil)
    }

    /// A request to a host behind a proxy goes through its tunnel (`CONNECT`), with the API's headers inside.
    @Test func requestsGoThroughTheProxy() async throws {
        let seen = Mutex<[RecordedRequest]>([])
        let proxy = try LoopbackHTTPServer { request in
            seen.withLock { $0.append(request) }
            return FakeReply(status: 200, headers: ["Content-Type": "application/json"], body: Data(#"{"id":"task-1"}"#.utf8))
        }
        let client = HTTPClient(provider: .runway, baseURL: URL(string: "http://api.mia-proxy-test.invalid/v1")!, key: APIKey("k-123"),
                                settings: HTTPSettings(retry: RetryPolicy(maxRetries: 0),
                                                       proxy: ProxySettings(http: .init(host: "127.0.0.1", port: proxy.port))),
                                log: SilentLog())
        let answer = try await client.send("GET", client.url("tasks", "task-1"), mode: .idempotent)
        #expect(answer.status == 200)
        let requests = seen.withLock { $0 }
        #expect(requests.map(\.method) == ["CONNECT", "GET"])
        #expect(requests.first?.target == "api.mia-proxy-test.invalid:80")
        #expect(requests.last?.target == "/v1/tasks/task-1")
        #expect(requests.last?.header("Authorization") == "Bearer k-123")
        #expect(requests.first?.header("Authorization") == nil, "the key is not sent to the proxy itself")
    }
}
