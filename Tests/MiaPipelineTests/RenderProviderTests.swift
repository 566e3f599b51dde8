import Foundation
import Testing
@testable import MiaPipeline

/// `render` against the fake Runway server on loopback: jobs recorded before polling, the
/// concurrency guard, fallback, the budget guard, resume without paying twice, keys kept out.
@Suite struct RenderProviderTests {
    static let key = "key_" + String(repeating: "fedcba9876543210", count: 8)

    func script(_ scenes: Int) -> String {
        (1...scenes).map { "Scene \($0): Shot \($0)\nVISUAL: Animated illustration of paper boats, take \($0).\nVO: Boats drift across the pond.\n" }
            .joined(separator: "\n")
    }

    func setup(_ scratch: Scratch, fake: FakeRunwayServer, log: any EventSink) throws -> RenderOrchestrator {
        let runway = try RunwayProvider(apiKey: Self.key, baseURL: fake.baseURL, options: RunwayProvider.Options(
            http: HTTPSettings(requestTimeout: 5, downloadIdleTimeout: 5, downloadTimeout: 30, maxDownloadBytes: 50_000_000,
                               retry: RetryPolicy(maxRetries: 2, initialDelay: 0.01, maxDelay: 0.04, jitter: 0.25, maxRetryAfter: 2)),
            poll: PollSchedule(initial: 0.02, maximum: 0.02)), log: log)
        return RenderOrchestrator(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([runway]), log: log)
    }

    /// The fake serves a 2 s 320x180 clip, so plans here are 320x180 with 2 s scenes.
    func options(budget: Double? = nil, fallback: Bool = true, concurrency: Int = 2) throws -> RenderOptions {
        RenderOptions(plan: PlanOptions(provider: .runway, width: 320, height: 180, fps: 30, budget: budget,
                                        environment: ProviderEnvironment(runwayKeySet: true)),
                      concurrency: concurrency, fallback: fallback, theme: try Theme.named("midnight"))
    }

    @Test func scenesRenderThroughRunwayWithinTheConcurrencyGuard() async throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        fake.steps = [.pending, .throttled, .running(0.3), .running(0.7), .done]
        let log = CollectingLog()
        let render = try setup(scratch, fake: fake, log: log)
        let output = scratch.path("boats.mp4")
        let prepared = try await render.prepare(script: script(5), name: "boats.txt", output: output, options: try options())
        #expect(prepared.plan.scenes.allSatisfy { $0.provider == .runway && $0.seconds == 2 })
        let outcome = try await render.execute(prepared, output: output, options: try options())

        #expect(fake.jobsCreated == 5)
        #expect(fake.maxJobsInFlight == 2)
        #expect(outcome.scenes.allSatisfy { $0.provider == .runway && $0.fallbackReason == nil })
        #expect(abs(outcome.spent - 5 * 2 * 0.12) < 1e-9)
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)
        let stored = try #require(try JobStore(path: scratch.path("jobs.sqlite")).plan(id: prepared.plan.renderPlanId))
        #expect(stored.scenes.allSatisfy { $0.status == .complete && $0.providerJobId != nil && $0.attempts == 1 })
        #expect(log.events.filter { $0.tag == "MIA:SCENE:CREATE" }.count == 5)

        // The key never reaches a log line, the plan file or the job store.
        #expect(!log.events.contains { $0.text.contains(Self.key) })
        #expect(!(try String(contentsOfFile: prepared.planPath, encoding: .utf8)).contains(Self.key))
        for file in scratch.contents where file.hasPrefix("jobs.sqlite") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.path(file)))
            #expect(bytes.range(of: Data(Self.key.utf8)) == nil, "the key is in \(file)")
        }
    }

    @Test func aRefusedSceneFallsBackToTemplateAndSaysWhy() async throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        fake.outcome = .fail(code: "SAFETY.INPUT.TEXT", message: "The prompt was flagged")
        let log = CollectingLog()
        let render = try setup(scratch, fake: fake, log: log)
        let output = scratch.path("boats.mp4")
        let prepared = try await render.prepare(script: script(2), name: "boats.txt", output: output, options: try options())
        let outcome = try await render.execute(prepared, output: output, options: try options())
        #expect(outcome.scenes.allSatisfy { $0.provider == .template })
        #expect(outcome.scenes.allSatisfy { $0.fallbackReason?.contains("SAFETY.INPUT.TEXT") == true })
        #expect(log.events.filter { $0.tag == "MIA:RENDER_SCENE:ERROR" }.count == 2)
        #expect(log.events.contains { $0.tag == "MIA:WARN" && $0["kind"] == .string("fallback") })
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)
        #expect(fake.jobsCreated == 2)  // a safety refusal is final: no second job
    }

    @Test func withoutFallbackAFailedSceneFailsTheRenderAndWritesNoVideo() async throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        fake.outcome = .fail(code: "SAFETY.OUTPUT.VIDEO", message: "Output flagged")
        let log = CollectingLog()
        let render = try setup(scratch, fake: fake, log: log)
        let output = scratch.path("boats.mp4")
        let prepared = try await render.prepare(script: script(1), name: "boats.txt", output: output, options: try options(fallback: false))
        await #expect(throws: MiaError.self) { _ = try await render.execute(prepared, output: output, options: try options(fallback: false)) }
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(log.events.contains { $0.tag == "MIA:RENDER:ERROR" })
        let stored = try #require(try JobStore(path: scratch.path("jobs.sqlite")).plan(id: prepared.plan.renderPlanId))
        #expect(stored.scenes[0].status == .failed)
        #expect(stored.scenes[0].error?.contains("SAFETY.OUTPUT.VIDEO") == true)
    }

    @Test func theBudgetGuardNeverCreatesAJobPastTheBudget() async throws {
        let guardian = BudgetGuard(budget: 1.0, alreadyCommitted: 0.2)
        #expect(await guardian.commit(0.48))
        #expect(!(await guardian.commit(0.48)))
        #expect(abs(await guardian.committed - 0.68) < 1e-9)

        // A plan whose budget no longer covers both scenes (spend recorded elsewhere): one job only.
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        let render = try setup(scratch, fake: fake, log: SilentLog())
        let output = scratch.path("boats.mp4")
        var prepared = try await render.prepare(script: script(2), name: "boats.txt", output: output, options: try options())
        prepared = PreparedRender(files: try PlanFiles(plan: { var p = prepared.plan; p.budget = 0.3; return p }(), path: prepared.planPath),
                                  analysis: prepared.analysis)
        // The second scene falls back to Template; its clip differs from Runway's, so the stitch
        // normalizes the two to the plan's format.
        let outcome = try await render.execute(prepared, output: output, options: try options())
        #expect(fake.jobsCreated == 1)
        #expect(outcome.scenes.map(\.provider) == [.runway, .template])
        #expect(outcome.stitch.mode == "normalize")
        #expect(outcome.stitch.target.map { "\($0.width)x\($0.height)" } == prepared.plan.target.size)
        let report = try #require(Verifier(log: SilentLog()).verify([output]).first)
        #expect(report.passed, "\(report.problems)")
    }

    @Test func aRerunAfterACrashPollsTheRecordedJobInsteadOfPayingAgain() async throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        let log = CollectingLog()
        let render = try setup(scratch, fake: fake, log: log)
        let output = scratch.path("boats.mp4")
        let prepared = try await render.prepare(script: script(2), name: "boats.txt", output: output, options: try options())
        // The crash: scene 1's job was created and recorded, then the process died before polling.
        let runway = try #require(render.registry.provider(.runway))
        let job = prepared.plan.scenes[0]
        let jobID = try await runway.create(RenderRequest(sceneNumber: 1, prompt: job.prompt, model: job.model, seconds: 2,
                                                          width: 320, height: 180))
        try render.store.updateScene(planId: prepared.plan.renderPlanId, sceneNumber: 1, status: .submitted,
                                     providerJobId: jobID, attempts: 1)
        #expect(fake.jobsCreated == 1)

        let outcome = try await render.execute(prepared, output: output, options: try options())
        #expect(fake.jobsCreated == 2)  // scene 2's job only
        #expect(outcome.scenes.allSatisfy { $0.provider == .runway })
        #expect(log.events.contains { $0.tag == "MIA:SCENE:CREATE" && $0["resumed"] == .bool(true) && $0["job"] == .string(jobID) })
        let stored = try #require(try render.store.plan(id: prepared.plan.renderPlanId))
        #expect(stored.scenes[0].providerJobId == jobID)
        #expect(stored.scenes[0].attempts == 1)

        // And once finished, a third run reuses both clips: no request creates anything.
        let again = try await render.execute(prepared, output: scratch.path("again.mp4"), options: try options())
        #expect(again.scenes.filter { !$0.reused }.isEmpty)
        #expect(fake.jobsCreated == 2)
    }
}
