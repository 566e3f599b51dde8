import Foundation
import Testing
@testable import MiaPipeline

/// Issue 17's metrics: the event → metric mapping, the `/metrics` endpoint over real loopback HTTP
/// (hostile requests included), and a `mia-stitch worker` process scraped while it renders a plan.
@Suite struct MetricsTests {
    /// Events as the pipeline writes them, through a sink, and the samples the registry then holds.
    func recorded(_ events: [MiaEvent]) -> (samples: [String: Double], passedOn: [MiaEvent]) {
        let log = CollectingLog()
        let sink = MetricsSink(wrapping: log)
        events.forEach(sink.emit)
        return (samples(sink.exposition()), log.events)
    }

    @Test func eventsBecomeMetricsAndStillReachTheLog() {
        let events = [
            MiaEvent("MIA:WORKER:START", [("worker", "w1")]),
            MiaEvent("MIA:WORKER:CLAIM", [("worker", "w1"), ("provider", "runway"), ("waited", .seconds(3.5)), ("taken_from", "w0")]),
            MiaEvent("MIA:SCENE:COMPLETE", [("provider", "runway"), ("dollars", .number(0.125)), ("elapsed", .seconds(42))]),
            MiaEvent("MIA:SCENE:COMPLETE", [("provider", "template"), ("reused", .bool(true))]),
            // Veo fails, Template stands in: one scene, counted once, as Veo's fallback; what was spent went to Veo.
            MiaEvent("MIA:RENDER_SCENE:ERROR", [("provider", "veo"), ("reason", "x"), ("fallback", .bool(true))]),
            MiaEvent("MIA:SCENE:COMPLETE", [("provider", "template"), ("dollars", .number(0.5)), ("elapsed", .seconds(1)),
                                            ("fallback_from", "veo")]),
            MiaEvent("MIA:RENDER_SCENE:ERROR", [("provider", "luma"), ("reason", "x"), ("fallback", .bool(false))]),
            MiaEvent("MIA:WORKER:SCENE", [("worker", "w1"), ("result", "complete")]),
            MiaEvent("MIA:ALL_SCENES_COMPLETE", [("plan", "p"), ("worker", "w1")]),
            // A narrated stitch: the picture's COMPLETE is not the video; the soundtrack's event is.
            MiaEvent("MIA:STITCH:COMPLETE", [("bytes", .int(100)), ("elapsed", .seconds(1)), ("final", .bool(false))]),
            MiaEvent("MIA:SOUNDTRACK", [("bytes", .int(250)), ("elapsed", .seconds(2))]),
            MiaEvent("MIA:STITCH:COMPLETE", [("bytes", .int(1000)), ("elapsed", .seconds(0.3))]),
            MiaEvent("MIA:STITCH:ERROR", [("reason", "x")]),
        ]
        let (s, passedOn) = recorded(events)
        #expect(passedOn == events)
        #expect(s[#"mia_scenes_total{provider="runway",result="rendered"}"#] == 1)
        #expect(s[#"mia_scenes_total{provider="template",result="reused"}"#] == 1)
        #expect(s[#"mia_scenes_total{provider="veo",result="fallback"}"#] == 1)
        #expect(s[#"mia_scenes_total{provider="template",result="rendered"}"#] == 0)
        #expect(s[#"mia_scenes_total{provider="veo",result="failed"}"#] == 0)
        #expect(s[#"mia_scenes_total{provider="luma",result="failed"}"#] == 1)
        #expect(s[#"mia_spend_dollars_total{provider="runway"}"#] == 0.125)
        #expect(s[#"mia_spend_dollars_total{provider="veo"}"#] == 0.5)
        #expect(s[#"mia_spend_dollars_total{provider="template"}"#] == 0)
        #expect(s[#"mia_provider_job_seconds_count{provider="runway"}"#] == 1)
        #expect(s[#"mia_provider_job_seconds_sum{provider="runway"}"#] == 42)
        #expect(s[#"mia_provider_job_seconds_bucket{provider="runway",le="30.0"}"#] == 0)
        #expect(s[#"mia_provider_job_seconds_bucket{provider="runway",le="60.0"}"#] == 1)
        #expect(s[#"mia_provider_job_seconds_count{provider="template"}"#] == 0)
        #expect(s["mia_lease_takeovers_total"] == 1)
        #expect(s["mia_scene_queue_wait_seconds_count"] == 1)
        #expect(s["mia_scene_queue_wait_seconds_sum"] == 3.5)
        #expect(s[#"mia_stitches_total{result="complete"}"#] == 2)
        #expect(s[#"mia_stitches_total{result="failed"}"#] == 1)
        #expect(s["mia_stitch_bytes_total"] == 1250)
        #expect(s["mia_stitch_seconds_count"] == 2)
        #expect(s["mia_stitch_seconds_sum"] == 2.3)
        // The last worker event was the stitch starting.
        #expect(s[#"mia_worker_state{state="stitching"}"#] == 1)
        #expect(["idle", "rendering", "stopped"].map { s[#"mia_worker_state{state="\#($0)"}"#] } == [0, 0, 0])
    }

    @Test func workerStateFollowsTheWorkersEvents() {
        let steps: [(MiaEvent, String)] = [
            (MiaEvent("MIA:WORKER:START", [("worker", "w")]), "idle"),
            (MiaEvent("MIA:WORKER:CLAIM", [("worker", "w"), ("waited", .seconds(0))]), "rendering"),
            (MiaEvent("MIA:WORKER:SCENE", [("worker", "w")]), "idle"),
            (MiaEvent("MIA:ALL_SCENES_COMPLETE", [("plan", "p"), ("worker", "w")]), "stitching"),
            (MiaEvent("MIA:WORKER:STITCH", [("worker", "w")]), "idle"),
            (MiaEvent("MIA:ALL_SCENES_COMPLETE", [("plan", "p")]), "idle"),  // the render command's: no worker
            (MiaEvent("MIA:WORKER:STOP", [("worker", "w")]), "stopped"),
        ]
        let sink = MetricsSink(wrapping: SilentLog())
        for (event, state) in steps {
            sink.emit(event)
            let s = samples(sink.exposition())
            let ones = MiaMetrics.workerStates.filter { s[#"mia_worker_state{state="\#($0)"}"#] == 1 }
            #expect(ones == [state], "after \(event.tag)")
        }
    }

    @Test func hostileValuesAreNotCountedAndDoNotTrap() {
        let (s, _) = recorded([
            MiaEvent("MIA:SCENE:COMPLETE", [("provider", "runway"), ("dollars", .number(-3)), ("elapsed", .number(.nan))]),
            MiaEvent("MIA:SCENE:COMPLETE", [("provider", "sora"), ("dollars", .number(.infinity)), ("elapsed", .seconds(-1))]),
            MiaEvent("MIA:SCENE:COMPLETE", [("provider", #"x"} 9"#), ("dollars", .string("$5.00"))]),
            MiaEvent("MIA:STITCH:COMPLETE", [("bytes", .int(-7)), ("elapsed", .seconds(-1))]),
            MiaEvent("MIA:WORKER:CLAIM", [("waited", .seconds(-2))]),
        ])
        #expect(s[#"mia_scenes_total{provider="runway",result="rendered"}"#] == 1)
        #expect(s[#"mia_scenes_total{provider="sora",result="rendered"}"#] == 1)
        // An unknown provider name is not made a label: the series stay a fixed set.
        #expect(s[#"mia_scenes_total{provider="other",result="rendered"}"#] == 1)
        #expect(s.values.allSatisfy { $0 >= 0 && $0.isFinite })
        #expect(s[#"mia_spend_dollars_total{provider="runway"}"#] == 0)
        #expect(s[#"mia_provider_job_seconds_count{provider="runway"}"#] == 0)
        #expect(s[#"mia_provider_job_seconds_count{provider="sora"}"#] == 0)
        #expect(s["mia_stitch_bytes_total"] == 0)
        #expect(s["mia_stitch_seconds_count"] == 0)
        #expect(s["mia_scene_queue_wait_seconds_count"] == 0)
    }

    @Test func endpointAnswersMetricsAndRefusesEverythingElse() async throws {
        let sink = MetricsSink(wrapping: SilentLog())
        sink.emit(MiaEvent("MIA:SCENE:COMPLETE", [("provider", "luma"), ("dollars", .number(1.5))]))
        let server = try await MetricsServer.start(host: "127.0.0.1", port: 0, registry: sink.registry)
        defer { server.close() }
        #expect(server.port > 0)

        let ok = try #require(scrape(port: server.port, path: "/metrics?format=text"))
        #expect(ok.status == 200)
        #expect(ok.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(ok.header("Content-Length") == String(ok.body.utf8.count))
        #expect(samples(ok.body)[#"mia_spend_dollars_total{provider="luma"}"#] == 1.5)
        #expect(ok.body.contains("# TYPE mia_provider_job_seconds histogram"))

        #expect(scrape(port: server.port, path: "/")?.status == 404)
        #expect(scrape(port: server.port, path: "/metricsx")?.status == 404)
        let post = try #require(scrape(port: server.port, method: "POST"))
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET")
        #expect(scrape(port: server.port, method: "DELETE")?.status == 405)

        // Garbage, a huge header, a huge body: refused, and the server goes on answering.
        #expect(rawHTTP(port: server.port, Array("\u{0}\u{1}\u{2} nonsense\r\n\r\n".utf8))?.status == 400)
        let bigHeader = "GET /metrics HTTP/1.1\r\nX-Junk: " + String(repeating: "a", count: 200_000) + "\r\n\r\n"
        let refusedHeader = rawHTTP(port: server.port, Array(bigHeader.utf8))
        #expect(refusedHeader == nil || refusedHeader?.status == 400)
        let body = String(repeating: "b", count: 100_000)
        let bigBody = "GET /metrics HTTP/1.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        #expect(rawHTTP(port: server.port, Array(bigBody.utf8))?.status == 413)
        #expect(scrape(port: server.port)?.status == 200)

        // Two requests on one connection: both answered (keep-alive), the second closes it.
        let twice = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        let both = try #require(rawHTTP(port: server.port, Array(twice.utf8)))
        #expect(both.status == 200)
        #expect(both.body.contains("HTTP/1.1 404"))
    }

    @Test func aPortInUseIsRefusedInOneLineBeforeAnyWork() async throws {
        let holder = try await MetricsServer.start(host: "127.0.0.1", port: 0, registry: MetricsSink(wrapping: SilentLog()).registry)
        defer { holder.close() }
        // The library says so itself…
        await #expect(throws: MiaError.self) {
            try await MetricsServer.start(host: "127.0.0.1", port: holder.port, registry: MetricsSink(wrapping: SilentLog()).registry)
        }
        // …and the worker stops on it before it opens its job store.
        let scratch = Scratch()
        let db = scratch.path("jobs.sqlite")
        let result = try run(Repo.cli, ["worker", "--db", db, "--exit-when-idle", "--metrics-host", "127.0.0.1",
                                        "--metrics-port", String(holder.port)])
        #expect(result.status != 0)
        #expect(result.stderr == "mia-stitch: error: cannot serve metrics on 127.0.0.1:\(holder.port): the port is already in use\n")
        #expect(!FileManager.default.fileExists(atPath: db))
        let bad = try run(Repo.cli, ["worker", "--db", db, "--metrics-port", "70000"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--metrics-port must be between 0 and 65535"))
    }
}
