import Foundation
import Testing
@testable import MiaPipeline

/// A `mia-stitch worker --metrics-port 0` process (the built binary) on a SQLite job store, scraped over
/// loopback HTTP before, during and after it renders and stitches a plan of Template scenes.
///
/// The worker is started first and the plan submitted afterwards, so there is always a running worker to
/// scrape, however fast the scenes render; it is stopped with SIGTERM once the scrapes have what they wait for.
@Suite struct MetricsWorkerTests {
    let scenes = 4

    /// The `listening=` address of the worker's `[MIA:METRICS]` event, once it is logged.
    func metricsPort(inLog log: String, of worker: Process) throws -> Int {
        while true {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.hasPrefix("{") {
                guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      event["tag"] as? String == "MIA:METRICS", let address = event["listening"] as? String,
                      let port = address.split(separator: ":").last.flatMap({ Int($0) }) else { continue }
                return port
            }
            guard worker.isRunning else { throw MiaError("the worker exited before serving metrics: \(text)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    @Test func scrapesDuringAWorkerRunMatchWhatItDid() throws {
        let scratch = Scratch()
        let db = scratch.path("jobs.sqlite")
        let environment = ["MIA_DB": db, "OPENAI_API_KEY": "", "RUNWAYML_API_SECRET": ""]
        let log = scratch.path("worker.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: Repo.cli)
        worker.arguments = ["worker", "--poll-interval", "0.2", "--log-format", "json", "--quiet",
                            "--metrics-port", "0", "--metrics-host", "127.0.0.1"]
        worker.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        worker.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        worker.standardOutput = FileHandle.nullDevice
        try worker.run()
        defer { if worker.isRunning { worker.terminate() } }
        let port = try metricsPort(inLog: log, of: worker)

        // Before any work: every series there, at zero. The endpoint is up before the worker starts (a port in
        // use must stop it first), so its state turns idle a moment after the first scrape.
        let idle = try #require(scrape(port: port))
        #expect(idle.status == 200)
        #expect(idle.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        var before = samples(idle.body)
        #expect(before[#"mia_scenes_total{provider="template",result="rendered"}"#] == 0)
        while worker.isRunning && before[#"mia_worker_state{state="idle"}"#] != 1 {
            Thread.sleep(forTimeInterval: 0.05)
            before = samples(scrape(port: port)?.body ?? "")
        }
        #expect(before[#"mia_worker_state{state="idle"}"#] == 1)

        let script = scratch.path("cards.txt")
        try (1...scenes).map { "Scene \($0): Card \($0)\nON SCREEN: Card \($0)\n" }.joined(separator: "\n")
            .write(toFile: script, atomically: true, encoding: .utf8)
        let output = scratch.path("cards.mp4")
        let submitted = try run(Repo.cli, ["submit", script, "-o", output, "--provider", "template", "--size", "320x180", "--fps", "30"],
                                environment: environment)
        #expect(submitted.status == 0, "submit failed: \(submitted.stderr)")

        // Scrape while it works, until its one stitch is counted (or something failed, or it died).
        var rendered: [Double] = []
        var last: [String: Double] = [:]
        while worker.isRunning {
            defer { Thread.sleep(forTimeInterval: 0.05) }
            guard let answer = scrape(port: port), answer.status == 200 else { continue }
            last = samples(answer.body)
            rendered.append(last[#"mia_scenes_total{provider="template",result="rendered"}"#] ?? -1)
            let failed = last.filter { $0.key.hasPrefix("mia_scenes_total") && $0.key.contains(#"result="failed""#) }.values.reduce(0, +)
            if last[#"mia_stitches_total{result="complete"}"#] == 1 || last[#"mia_stitches_total{result="failed"}"#] == 1 || failed > 0 {
                break
            }
        }
        #expect(worker.isRunning, "the worker exited: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(rendered == rendered.sorted(), "a counter went down: \(rendered)")

        // The stitch is counted once the video is in place; the worker turns idle right after.
        var after = last
        while worker.isRunning && after[#"mia_worker_state{state="idle"}"#] != 1 {
            Thread.sleep(forTimeInterval: 0.05)
            after = samples(scrape(port: port)?.body ?? "")
        }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int)
        #expect(after[#"mia_scenes_total{provider="template",result="rendered"}"#] == Double(scenes))
        let otherScenes = after.filter { $0.key.hasPrefix("mia_scenes_total{") && !$0.key.contains(#"provider="template",result="rendered""#) }
        #expect(otherScenes.values.allSatisfy { $0 == 0 }, "\(otherScenes)")
        #expect(after[#"mia_stitches_total{result="complete"}"#] == 1)
        #expect(after["mia_stitch_seconds_count"] == 1)
        #expect(after["mia_stitch_bytes_total"] == Double(size))
        #expect(after[#"mia_provider_job_seconds_count{provider="template"}"#] == Double(scenes))
        #expect(after["mia_scene_queue_wait_seconds_count"] == Double(scenes))
        #expect(after.filter { $0.key.hasPrefix("mia_spend_dollars_total") }.values.allSatisfy { $0 == 0 })
        #expect(after["mia_lease_takeovers_total"] == 0)

        // SIGTERM: the worker stops cleanly, and its log holds what the metrics said.
        worker.terminate()
        worker.waitUntilExit()
        #expect(worker.terminationStatus == 0)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let completes = text.split(separator: "\n").filter { $0.contains(#""tag":"MIA:SCENE:COMPLETE""#) }
        #expect(completes.count == scenes)
        #expect(completes.allSatisfy { $0.contains(#""dollars":0"#) && $0.contains(#""elapsed":"#) })
    }
}
