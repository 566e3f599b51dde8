import Crypto
import Foundation
import Testing
@testable import MiaPipeline

/// Webhooks against a real receiver on loopback: signed, retried, bounded, recorded, and never the
/// reason a render fails.
@Suite struct WebhookTests {
    static let secret = "whsec_" + String(repeating: "5eC7e7", count: 8)

    /// Two Template cards (on-screen text only: a quick render).
    let script = "Scene 1: Hello\nON SCREEN: Hello\n\nScene 2: Bye\nON SCREEN: Goodbye\n"

    func options(webhook: WebhookURL?) throws -> RenderOptions {
        RenderOptions(plan: PlanOptions(provider: .template, width: 320, height: 180, fps: 30), theme: try Theme.named("midnight"),
                      webhook: webhook)
    }

    /// Short bounds: a failing receiver costs this test a second or two, not the default two minutes.
    func settings(secret: String? = Self.secret, deadline: Double = 20, requestTimeout: Double = 5) -> WebhookSettings {
        WebhookSettings(secret: secret.map(WebhookSecret.init), deadline: deadline, requestTimeout: requestTimeout,
                        retry: RetryPolicy(initialDelay: 0.01, maxDelay: 0.05), proxy: nil)
    }

    func orchestrator(_ scratch: Scratch, log: CollectingLog, settings: WebhookSettings) throws -> RenderOrchestrator {
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        var render = RenderOrchestrator(store: store, registry: ProviderRegistry([]), log: log)
        render.webhooks = WebhookNotifier(store: store, log: log, settings: settings)
        return render
    }

    @Test func aSignedDeliveryIsRetriedAfterTwo500sAndRecordedWithoutTheSecretOrTheQuery() async throws {
        let scratch = Scratch()
        let receiver = try WebhookReceiver(replies: [FakeReply(status: 500), FakeReply(status: 500), FakeReply(status: 200)])
        let log = CollectingLog()
        let render = try orchestrator(scratch, log: log, settings: settings())
        let output = scratch.path("hello.mp4")
        let webhook = try WebhookURL(parsing: "http://127.0.0.1:\(receiver.port)/hooks/mia?token=tok_query_123")
        let prepared = try await render.prepare(script: script, name: "hello.txt", output: output, options: try options(webhook: webhook))
        let outcome = try await render.execute(prepared, output: output, options: try options(webhook: webhook))

        let requests = receiver.requests
        #expect(requests.count == 3)
        let last = try #require(requests.last)
        #expect(last.method == "POST" && last.target == "/hooks/mia?token=tok_query_123")
        // Verified as a receiver would: t and v1 from the header, HMAC-SHA256 over "t.body" with the secret.
        let signature = try #require(last.header("mia-signature"))
        let parts = Dictionary(uniqueKeysWithValues: signature.split(separator: ",").map {
            let pair = $0.split(separator: "=", maxSplits: 1); return (String(pair[0]), String(pair[1]))
        })
        let stamp = try #require(parts["t"].flatMap { Int64($0) })
        let expected = HMAC<SHA256>.authenticationCode(for: Data("\(stamp).".utf8) + last.body,
                                                       using: SymmetricKey(data: Data(Self.secret.utf8)))
        #expect(parts["v1"] == expected.map { String(format: "%02x", $0) }.joined())
        #expect(abs(Double(stamp) - Date().timeIntervalSince1970) < 3600)
        let body = try #require(last.json)
        #expect(body["event"] as? String == "plan.stitched")
        #expect(body["plan_id"] as? String == prepared.plan.renderPlanId)
        #expect(body["output"] as? String == output)
        #expect(body["scene_count"] as? Int == 2)
        #expect(abs((body["duration_seconds"] as? Double ?? 0) - outcome.stitch.duration) < 1e-6)
        #expect(body["cost_dollars"] as? Double == 0)
        #expect(body["error"] == nil)
        let timestamp = try #require((body["timestamp"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(Int64(timestamp.timeIntervalSince1970) == stamp)

        let deliveries = try JobStore(path: scratch.path("jobs.sqlite")).webhookDeliveries(planId: prepared.plan.renderPlanId)
        #expect(deliveries.count == 1)
        #expect(deliveries.first?.attempts == 3 && deliveries.first?.status == 200 && deliveries.first?.succeeded == true)
        #expect(deliveries.first?.url == "http://127.0.0.1:\(receiver.port)/hooks/mia")
        let event = try #require(log.events.first { $0.tag == "MIA:WEBHOOK" })
        #expect(event.text.hasPrefix("[MIA:WEBHOOK] event=plan.stitched status=200 attempts=3 url=http://127.0.0.1:\(receiver.port)/hooks/mia"))
        #expect(!log.events.contains { $0.tag == "MIA:WARN" && $0["kind"] == .string("webhook-unsigned") })

        // Neither the secret nor the URL's query reaches a log line, the plan file or the job store.
        for secret in [Self.secret, "tok_query_123"] {
            #expect(!log.events.contains { $0.text.contains(secret) })
            #expect(!(try String(contentsOfFile: prepared.planPath, encoding: .utf8)).contains(secret))
            for file in scratch.contents where file.hasPrefix("jobs.sqlite") {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.path(file)))
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is in \(file)")
            }
        }
    }

    @Test func aReceiverThatNeverAnswersIsGivenUpAfterTheBoundAndTheRenderStillSucceeds() async throws {
        let scratch = Scratch()
        // Answers long after each attempt's timeout: as good as never.
        let receiver = try WebhookReceiver(replies: [FakeReply(status: 200, delay: 30)])
        let log = CollectingLog()
        let render = try orchestrator(scratch, log: log, settings: settings(secret: nil, deadline: 1.5, requestTimeout: 0.5))
        let output = scratch.path("hello.mp4")
        let webhook = try WebhookURL(parsing: "http://127.0.0.1:\(receiver.port)/hook")
        let prepared = try await render.prepare(script: script, name: "hello.txt", output: output, options: try options(webhook: webhook))
        _ = try await render.execute(prepared, output: output, options: try options(webhook: webhook))

        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)
        let delivery = try #require(try JobStore(path: scratch.path("jobs.sqlite")).webhookDeliveries(planId: prepared.plan.renderPlanId).first)
        #expect(!delivery.succeeded && delivery.status == nil && delivery.attempts >= 1)
        #expect(delivery.error?.contains("no answer") == true)
        #expect(log.events.contains { $0.tag == "MIA:WEBHOOK" && $0["result"] == .string("failed") })
        // No secret: sent unsigned, and said so once.
        #expect(receiver.requests.allSatisfy { $0.header("mia-signature") == nil })
        #expect(log.events.filter { $0.tag == "MIA:WARN" && $0["kind"] == .string("webhook-unsigned") }.count == 1)
    }

    @Test func aFailedRenderSendsPlanFailedWithTheReason() async throws {
        let scratch = Scratch()
        let receiver = try WebhookReceiver(replies: [FakeReply(status: 204)])
        let log = CollectingLog()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        var render = RenderOrchestrator(store: store, registry: ProviderRegistry([]), log: log)
        render.webhooks = WebhookNotifier(store: store, log: log, settings: settings())
        let webhook = try WebhookURL(parsing: "http://127.0.0.1:\(receiver.port)/hook")
        // Runway is not connected and fallback is off: the scene cannot be rendered.
        let options = RenderOptions(plan: PlanOptions(provider: .runway, width: 320, height: 180, fps: 30,
                                                      environment: ProviderEnvironment(runwayKeySet: true)),
                                    fallback: false, theme: try Theme.named("midnight"), webhook: webhook)
        let output = scratch.path("boats.mp4")
        let prepared = try await render.prepare(script: "Scene 1: Boats\nVISUAL: Paper boats drifting on a pond.\n", name: "boats.txt",
                                                output: output, options: options)
        await #expect(throws: MiaError.self) { _ = try await render.execute(prepared, output: output, options: options) }

        let body = try #require(receiver.requests.first?.json)
        #expect(body["event"] as? String == "plan.failed")
        #expect(body["plan_id"] as? String == prepared.plan.renderPlanId)
        #expect((body["error"] as? String)?.isEmpty == false)
        #expect(body["duration_seconds"] == nil)
        let delivery = try #require(try store.webhookDeliveries(planId: prepared.plan.renderPlanId).first)
        #expect(delivery.event == .failed && delivery.status == 204 && delivery.attempts == 1)
    }

    @Test func aWorkerSendsTheWebhookOfASubmittedPlan() async throws {
        let scratch = Scratch()
        let receiver = try WebhookReceiver(replies: [FakeReply(status: 200)])
        let log = CollectingLog()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        let output = scratch.path("hello.mp4")
        let webhook = try WebhookURL(parsing: "http://127.0.0.1:\(receiver.port)/farm")
        // As `submit` does: plan and record here, queue with the webhook; the worker stitches and sends it.
        let prepared = try await RenderOrchestrator(store: store, registry: ProviderRegistry([]), log: log)
            .prepare(script: script, name: "hello.txt", output: output, options: try options(webhook: nil))
        try store.enqueue(planId: prepared.plan.renderPlanId,
                          render: QueuedRender(output: output, theme: "midnight", fallback: true, overwrite: false, webhook: webhook))
        let worker = RenderWorker(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([]), log: log,
                                  options: WorkerOptions(pollInterval: 0.05, leaseSeconds: 10, exitWhenIdle: true),
                                  webhooks: WebhookNotifier(store: store, log: log, settings: settings()))
        let summary = try await worker.run()

        #expect(summary.plansStitched == 1)
        let body = try #require(receiver.requests.first?.json)
        #expect(body["event"] as? String == "plan.stitched" && body["plan_id"] as? String == prepared.plan.renderPlanId)
        #expect(receiver.requests.first?.header("mia-signature")?.hasPrefix("t=") == true)
        #expect(try store.webhookDeliveries(planId: prepared.plan.renderPlanId).map(\.status) == [200])
    }

    @Test func onlyHTTPAndHTTPSURLsWithAHostAreTakenAndLogsNeverShowTheirTokens() throws {
        #expect(WebhookURL.problem("https://hooks.example.com/mia") == nil)
        #expect(WebhookURL.problem("ftp://hooks.example.com/mia") == "must be an http:// or https:// URL (got ftp:)")
        #expect(WebhookURL.problem("hooks.example.com/mia") != nil)
        #expect(WebhookURL.problem("http:///mia") == "must name a host (http://HOST/PATH)")
        let url = try WebhookURL(parsing: "https://user:pa55@hooks.example.com:8443/in/mia?token=t0k#x")
        #expect(url.redacted == "https://hooks.example.com:8443/in/mia")
        #expect("\(WebhookSecret(Self.secret))" == "<redacted>")
    }
}

/// A webhook receiver on loopback: answers with `replies` in turn (the last one from then on) and
/// records every request.
final class WebhookReceiver: Sendable {
    private let record: Recorder
    private let server: LoopbackHTTPServer

    init(replies: [FakeReply]) throws {
        let record = Recorder()
        self.record = record
        server = try LoopbackHTTPServer { request in
            let count = record.add(request)
            return replies[min(count, replies.count) - 1]
        }
    }

    var port: Int { server.port }
    var requests: [RecordedRequest] { record.requests }

    private final class Recorder: @unchecked Sendable {
        // @unchecked: `received` is only touched under `lock`.
        private let lock = NSLock()
        private var received: [RecordedRequest] = []

        /// Records `request`; returns how many have come, this one included.
        func add(_ request: RecordedRequest) -> Int { lock.withLock { received.append(request); return received.count } }
        var requests: [RecordedRequest] { lock.withLock { received } }
    }
}
