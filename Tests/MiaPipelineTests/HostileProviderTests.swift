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
}
