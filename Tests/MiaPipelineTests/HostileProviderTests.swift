import Foundation
import Testing
@testable import MiaPipeline

/// A provider (or a gateway in its place) that attacks the client: absurd numbers, the key echoed back,
/// bodies over the size limit, download hosts that can never be allowed. The CLI is driven as a
/// subprocess where a bug would crash it, so a trap shows as an exit status instead of killing the tests.
@Suite struct HostileProviderTests {
    // MARK: - Numbers from a server

    struct Wait: Sendable, CustomTestStringConvertible {
        let headers: [String: String]
        /// "create" or "status".
        let endpoint: String
        var testDescription: String { "\(endpoint): \(headers)" }
    }

    /// Waits no client may honour, on a create and on a poll: `render-scene` says so in one line and
    /// exits 75 (the same task later may succeed), never SIGILL (132).
    @Test(arguments: [
        Wait(headers: ["Retry-After": "1e19"], endpoint: "create"),
        Wait(headers: ["Retry-After": "99999999999999999999"], endpoint: "create"),
        Wait(headers: ["retry-after-ms": "1e300"], endpoint: "create"),
        Wait(headers: ["Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"], endpoint: "create"),
        Wait(headers: ["Retry-After": "1e19"], endpoint: "status"),
        Wait(headers: ["retry-after-ms": "1e300"], endpoint: "status"),
    ])
    func anAbsurdRetryAfterIsAClearErrorNotACrash(_ wait: Wait) throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: RenderProviderTests.key)
        fake.steps = [.done]
        let (plan, environment) = try SchedulerTests().runwayPlan(scratch, fake: fake)
        let status = wait.endpoint == "create" ? 429 : 503
        fake.inject([.status(status, headers: wait.headers)], on: wait.endpoint)
        let task = try run(Repo.cli, ["render-scene", "--plan", plan, "--scene", "1", "--no-fallback"], environment: environment)
        #expect(task.status == 75, "exit \(task.status): \(task.stderr)")
        let errors = task.stderr.split(separator: "\n").filter { $0.hasPrefix("mia-stitch: error:") }
        #expect(errors.count == 1, "\(task.stderr)")
        #expect(errors.first?.contains("the server asked to wait over 1000000000 s, more than the 60 s limit") == true, "\(task.stderr)")
        let scene = try #require(try JobStore(path: scratch.path("jobs.sqlite")).plans().first?.scenes.first)
        // A poll refused this way leaves the paid job open for the retried task; a refused create made none.
        #expect(scene.status == (wait.endpoint == "create" ? .failed : .submitted), "\(scene.status)")
        #expect(fake.jobsCreated == (wait.endpoint == "create" ? 0 : 1))
    }

    /// `render` falls back to Template with the same one-line reason instead of dying.
    @Test func renderFallsBackWhenAServerAsksForAnAbsurdWait() throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: RenderProviderTests.key)
        fake.steps = [.done]
        fake.inject([.status(429, headers: ["Retry-After": "99999999999999999999"])], on: "create")
        let environment = BatchTests.cleanEnvironment.merging([
            "MIA_DB": scratch.path("jobs.sqlite"), "RUNWAYML_API_SECRET": RenderProviderTests.key, "RUNWAYML_BASE_URL": fake.baseURL,
        ]) { $1 }
        try "Scene 1: Boats\nVISUAL: Animated illustration of paper boats on a pond.\nVO: Boats drift across the pond.\n"
            .write(toFile: scratch.path("boats.txt"), atomically: true, encoding: .utf8)
        let result = try run(Repo.cli, ["render", scratch.path("boats.txt"), "-o", scratch.path("boats.mp4"), "--provider", "runway",
                                        "--size", "320x180", "--autopilot", "--quiet"], environment: environment)
        #expect(result.status == 0, "exit \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("asked to wait over 1000000000 s"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path("boats.mp4")))
    }

    @Test func serverNumbersAreReadWithoutTrapping() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(HTTPClient.retryAfter(["retry-after": "1e19"], now: now) == 1e19)
        #expect(HTTPClient.retryAfter(["retry-after": "-5"], now: now) == nil)
        #expect(HTTPClient.retryAfter(["retry-after": "nan"], now: now) == nil)
        #expect(HTTPClient.retryAfter(["retry-after": "inf"], now: now) == nil)
        #expect(HTTPClient.retryAfter(["retry-after": "0x10"], now: now) == nil)
        #expect(HTTPClient.retryAfter(["retry-after-ms": "1e300"], now: now) == 1e297)
        #expect(HTTPClient.retryAfter(["retry-after-ms": "-1", "retry-after": "3"], now: now) == 3)
        #expect(HTTPClient.retryAfter(["retry-after": "Thu, 01 Jan 1970 00:00:00 GMT"], now: now) == 0)
        #expect(HTTPClient.seconds(1e300) == "over 1000000000 s")
        #expect(HTTPClient.seconds(.infinity) == "over 1000000000 s")
        #expect(HTTPClient.seconds(2.5) == "2.5 s" && HTTPClient.seconds(120) == "120 s")
        #expect(ExternalNumber.clamped(1e19, to: 100...60_000) == 60_000)
        #expect(ExternalNumber.clamped(-.infinity, to: 100...60_000) == 100)
        #expect(ExternalNumber.clamped(.nan, to: 0...1) == nil)
        #expect(ExternalNumber.fraction(.nan) == nil && ExternalNumber.fraction(7) == 1)
        #expect(ExternalNumber.duration(seconds: 1e300) == .seconds(1_000_000_000))
        #expect(ExternalNumber.duration(seconds: -3) == .zero)
    }

    /// Sora's poll hint and progress are server numbers too.
    @Test func soraPollHintsAndProgressOfAnyMagnitudeAreClamped() async throws {
        let fake = try FakeSoraServer(key: RenderProviderTests.key)
        fake.steps = [.running(40)]
        fake.pollAfterMs = nil
        let sora = try SoraProvider(apiKey: RenderProviderTests.key, baseURL: fake.baseURL, log: SilentLog())
        let id = try await sora.create(RenderRequest(sceneNumber: 1, prompt: "boats", model: "sora-2", seconds: 4, width: 1280, height: 720))
        fake.inject([.status(200, headers: ["openai-poll-after-ms": "1e300"],
                             body: "{\"id\": \"\(id)\", \"status\": \"in_progress\", \"progress\": 1e300}")], on: "status")
        #expect(try await sora.status(of: id) == .running(progress: 1))
        #expect(sora.pollInterval(after: 0) == .seconds(60))
    }

    // MARK: - The key echoed back

    /// A key of its own, not repetitive, so any 16 characters of it found anywhere are a leak.
    static let hostileKey = "key_" + (UUID().uuidString + UUID().uuidString).replacingOccurrences(of: "-", with: "").lowercased()

    enum Echo: String, CaseIterable, Sendable {
        /// The created task's id holds the key.
        case jobID
        /// The task's `status` holds it.
        case status
        /// `failureCode` and `failure` hold it (plain, percent-encoded, cut short).
        case failure
        /// An error answer's message holds it (with `Bearer`).
        case errorMessage
    }

    func hostile(_ echo: Echo) throws -> FakeRunwayServer {
        let key = Self.hostileKey
        let fake = try FakeRunwayServer(key: key)
        fake.steps = [.running(0.5), .done]
        switch echo {
        case .jobID:
            fake.idSuffix = "-" + key
        case .status:
            fake.steps = [.custom("RUNNING:" + key)]
        case .failure:
            let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!.replacingOccurrences(of: "_", with: "%5F")
            fake.outcome = .fail(code: "SAFETY.INPUT.\(key)", message: "flagged for \(encoded) and \(key.prefix(30))… (\(key))")
        case .errorMessage:
            fake.inject([.status(400, body: "{\"error\": \"Bad request for Authorization: Bearer \(key); key=\(key.dropFirst(6))\"}")],
                        on: "create")
        }
        return fake
    }

    /// Every 16-character run of the key: any of them in an output is a leak.
    func leaks(_ text: String) -> [String] {
        let key = Array(Self.hostileKey)
        return (0...(key.count - 16)).map { String(key[$0..<$0 + 16]) }.filter { text.contains($0) }
    }

    /// Everything under `folder`, as text (binary bytes read as Latin-1, so no byte is lost).
    func allFiles(_ folder: URL) -> [(String, String)] {
        let paths = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        return paths.compactMap { relative in
            let url = folder.appendingPathComponent(relative)
            guard let data = try? Data(contentsOf: url) else { return nil }
            return (relative, String(decoding: data.map { UInt16($0) }, as: UTF16.self))
        }
    }

    @Test(arguments: Echo.allCases)
    func aKeyEchoedByTheServerReachesNoOutputStoreOrLog(_ echo: Echo) throws {
        let scratch = Scratch()
        let fake = try hostile(echo)
        let (plan, environment) = try SchedulerTests().runwayPlan(scratch, fake: fake, key: Self.hostileKey)
        // render-scene without fallback (the error itself must be clean), then render with fallback
        // (the reason lands in receipts, the store and the summary).
        let task = try run(Repo.cli, ["render-scene", "--plan", plan, "--scene", "1", "--no-fallback", "--log-format", "json"],
                           environment: environment)
        #expect(task.status == 65, "exit \(task.status): \(task.stderr)")
        // Its own job store, as on another node: the failed task's creation claim is not this run's business.
        let render = try run(Repo.cli, ["render", scratch.path("boats.txt"), "-o", scratch.path("boats.mp4"), "--provider", "runway",
                                        "--size", "320x180", "--autopilot", "--quiet", "--log-format", "json"],
                             environment: environment.merging(["MIA_DB": scratch.path("render-jobs.sqlite")]) { $1 })
        #expect(render.status == 0, "exit \(render.status): \(render.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path("boats.mp4")))
        #expect(fake.requests.contains { $0.header("authorization") == "Bearer \(Self.hostileKey)" })

        for (name, text) in [("render-scene stderr", task.stderr), ("render-scene stdout", task.stdout),
                             ("render stderr", render.stderr), ("render stdout", render.stdout)] {
            #expect(leaks(text).isEmpty, "the key is in \(name): \(text)")
        }
        for (file, text) in allFiles(scratch.url) {
            #expect(leaks(text).isEmpty, "the key is in \(file)")
        }
        if echo == .jobID {
            #expect(task.stderr.contains("the job id in the answer contains the API key"), "\(task.stderr)")
        }
    }

    // MARK: - Bodies over the size limit

    func downloader(cap: Int64) -> HTTPClient {
        HTTPClient(provider: .runway, baseURL: URL(string: "http://127.0.0.1:1")!, key: APIKey("k"),
                   settings: HTTPSettings(downloadIdleTimeout: 60, downloadTimeout: 120, maxDownloadBytes: cap,
                                          retry: RetryPolicy(maxRetries: 0)), log: SilentLog())
    }

    /// A 50 GB `Content-Length` is refused from the headers: the client hangs up at once, writes nothing.
    @Test func aDeclaredLengthOverTheCapIsRefusedFromTheHeaders() async throws {
        let scratch = Scratch()
        let flood = Flood(declaredLength: 50_000_000_000, silent: true, maxSeconds: 30)
        let server = try LoopbackHTTPServer { _ in FakeReply(status: 200, headers: ["Content-Type": "video/mp4"], flood: flood) }
        let destination = scratch.path("clip.mp4")
        do {
            try await downloader(cap: 5_000_000).download(from: URL(string: "http://127.0.0.1:\(server.port)/clip.mp4")!,
                                                          to: destination, authorized: false)
            Issue.record("a 50 GB download was accepted")
        } catch let error as ProviderError {
            #expect(error.message.contains("50000000000 bytes") && error.message.contains("limit of 5000000 bytes"), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
        #expect(!FileManager.default.fileExists(atPath: destination))
        // How fast it gives up is measured, not asserted (tests take no wall-clock limits): under 0.15 s,
        // busy machine or not (URLSession's delegate queue lagged up to 19 s beside 50 other tests).
    }

    /// An error page bigger than the 64 KiB kept of it (a CDN's 70 KB 503) is still that error, with its
    /// status, not "over the limit".
    @Test func aLongErrorPageToADownloadIsItsStatus() async throws {
        let scratch = Scratch()
        let page = Data(("<html>" + String(repeating: "Service temporarily unavailable. ", count: 2_200) + "</html>").utf8)
        let server = try LoopbackHTTPServer { _ in FakeReply(status: 404, headers: ["Content-Type": "text/html"], body: page) }
        let destination = scratch.path("clip.mp4")
        do {
            try await downloader(cap: 5_000_000).download(from: URL(string: "http://127.0.0.1:\(server.port)/clip.mp4")!,
                                                          to: destination, authorized: false)
            Issue.record("an error page was accepted as a clip")
        } catch let error as ProviderError {
            #expect(page.count > 70_000)
            #expect(error.message.contains("HTTP 404"), "\(error.message)")
            #expect(!error.message.contains("limit"), "\(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: destination))
    }

    /// An endless body is cut off the moment it passes the cap: the server manages to send little more
    /// than the cap (socket buffers), not gigabytes.
    @Test func anEndlessBodyIsCutOffAtTheCap() async throws {
        let scratch = Scratch()
        let flood = Flood(declaredLength: nil, maxBytes: 3_000_000_000, maxSeconds: 30)
        let server = try LoopbackHTTPServer { _ in FakeReply(status: 200, headers: ["Content-Type": "video/mp4"], flood: flood) }
        let destination = scratch.path("clip.mp4")
        let cap: Int64 = 5_000_000
        do {
            try await downloader(cap: cap).download(from: URL(string: "http://127.0.0.1:\(server.port)/clip.mp4")!,
                                                    to: destination, authorized: false)
            Issue.record("an endless download was accepted")
        } catch let error as ProviderError {
            #expect(error.message.contains("limit of 5000000 bytes"), "\(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: destination))
        for _ in 0..<200 where flood.connectedSeconds == nil { try await Task.sleep(for: .milliseconds(50)) }
        #expect(flood.connectedSeconds != nil, "the client never hung up")
        // The client hangs up after 8-9 MB at loopback speed, within 0.2 s even with the CPUs busy (URLSession:
        // 45-245 MB alone, and until the flood ended on a loaded machine). The bound is asserted below.
    }

    /// Whatever the machine's load, a flood gets little past the cap before the client hangs up: the cap,
    /// plus what the socket buffers and a chunk in flight hold. The transport reads only as fast as the
    /// client counts, so the count cannot fall behind the network (measured: 1.6-5.4 MB get out; URLSession's
    /// delegate queue let 45 MB through alone, and 15.7 GB past a 2 GB cap on a busy machine). No clock is
    /// involved: the server counts what the client took, and the flood ends by itself if the client never
    /// hangs up.
    @Test(arguments: [nil, 50_000_000_000] as [Int64?])
    func aFloodGetsNoFurtherThanTheCapPlusSocketBuffers(declaredLength: Int64?) async throws {
        let scratch = Scratch()
        let flood = Flood(declaredLength: declaredLength, maxBytes: 2_000_000_000, maxSeconds: 120)
        let server = try LoopbackHTTPServer { _ in FakeReply(status: 200, headers: ["Content-Type": "video/mp4"], flood: flood) }
        let destination = scratch.path("clip.mp4")
        let cap: Int64 = 1 << 20
        do {
            try await downloader(cap: cap).download(from: URL(string: "http://127.0.0.1:\(server.port)/clip.mp4")!,
                                                    to: destination, authorized: false)
            Issue.record("a flood was accepted")
        } catch let error as ProviderError {
            #expect(error.message.contains("limit of \(cap) bytes"), "\(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: destination))
        while flood.connectedSeconds == nil { try await Task.sleep(for: .milliseconds(20)) }
        #expect(flood.sent <= cap + 32 << 20, "the server sent \(flood.sent) bytes against a cap of \(cap)")
    }

    // MARK: - A download host that can never be allowed

    /// The host policy (https, or the API's own host) will refuse the same URL on every retry: exit 65,
    /// naming the host, not 75.
    @Test func aRefusedDownloadHostIsFinal() throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: RenderProviderTests.key)
        fake.steps = [.done]
        fake.outputHost = "localhost"
        let (plan, environment) = try SchedulerTests().runwayPlan(scratch, fake: fake)
        let task = try run(Repo.cli, ["render-scene", "--plan", plan, "--scene", "1", "--no-fallback"], environment: environment)
        #expect(task.status == 65, "exit \(task.status): \(task.stderr)")
        #expect(task.stderr.contains("http://localhost"), "\(task.stderr)")
        #expect(fake.jobsCreated == 1)
    }
}
