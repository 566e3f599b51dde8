import Foundation
import Testing
@testable import MiaPipeline

/// `mia-stitch submit` and `worker` processes (the built binary) on one throwaway PostgreSQL: the farm of
/// issue 7, a worker killed mid-scene, a worker stopped by SIGTERM, and an unreachable database.
///
/// The tests are synchronous and watch the farm with `Thread.sleep`: an async test's wake-ups can wait
/// seconds for a free thread while the rest of the suite runs, and would miss the moment to kill a worker.
@Suite struct WorkerFarmTests {
    static let key = "key_" + String(repeating: "0123456789abcdef", count: 8)

    /// Five Template cards (on-screen text only, so about two seconds each).
    func templateScript(_ plan: Int) -> String {
        (1...5).map { "Scene \($0): Card \($0)\nON SCREEN: Plan \(plan), card \($0)\n" }.joined(separator: "\n")
    }

    /// Three described-motion scenes that Runway renders as 2 s clips (the fake serves a 2 s 320x180 clip).
    func runwayScript() -> String {
        (1...3).map { "Scene \($0): Shot \($0)\nVISUAL: Animated illustration of paper boats, take \($0).\nVO: Boats drift across the pond.\n" }
            .joined(separator: "\n")
    }

    func submit(_ script: String, name: String, provider: String, in scratch: Scratch, environment: [String: String]) throws -> String {
        let scriptPath = scratch.path("\(name).txt")
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let output = scratch.path("\(name).mp4")
        let result = try run(Repo.cli, ["submit", scriptPath, "-o", output, "--provider", provider, "--size", "320x180", "--fps", "30"],
                             environment: environment)
        #expect(result.status == 0, "submit failed: \(result.stderr)")
        return output
    }

    /// A `mia-stitch worker` process logging JSON lines to `log`.
    func startWorker(_ arguments: [String], log: String, environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repo.cli)
        process.arguments = ["worker", "--poll-interval", "0.2", "--log-format", "json", "--quiet"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The `[MIA:*]` events in JSON-lines logs, as dictionaries.
    func events(_ logs: [String], tag: String) throws -> [[String: Any]] {
        try logs.flatMap { log in
            try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap { line -> [String: Any]? in
                guard line.hasPrefix("{"), let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      event["tag"] as? String == tag else { return nil }
                return event
            }
        }
    }

    /// The pid in a worker id (`host:pid:xxxx`).
    func pid(of worker: String) -> Int32? { worker.split(separator: ":").dropLast().last.flatMap { Int32($0) } }

    @Test func threeWorkersWithOneKilledMidSceneRenderEverySceneOnceAndStitchEveryPlanOnce() throws {
        let cluster = try PostgresCluster()
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        fake.steps = [.pending, .running(0.3), .running(0.6), .done]
        let environment = ["MIA_DB": cluster.url, "RUNWAYML_API_SECRET": Self.key, "RUNWAYML_BASE_URL": fake.baseURL,
                           "OPENAI_API_KEY": ""]
        // The paid plan first, so each worker starts on a Runway scene (about 18 s of polling each).
        var outputs = [try submit(runwayScript(), name: "boats", provider: "runway", in: scratch, environment: environment)]
        for plan in 1...4 {
            outputs.append(try submit(templateScript(plan), name: "cards-\(plan)", provider: "template", in: scratch, environment: environment))
        }
        let store = try JobStore(path: cluster.url)
        let plans = try store.queueSnapshot().plans
        #expect(plans.count == 5)
        #expect(plans.map(\.scenes).reduce(0, +) == 23)

        let logs = (1...3).map { scratch.path("worker-\($0).log") }
        let workers = try logs.map { try startWorker(["--exit-when-idle", "--lease-seconds", "3"], log: $0, environment: environment) }

        // Kill the worker holding a Runway scene whose provider job is recorded: mid-scene, money spent.
        var victim: (process: Process, id: String, plan: String, scene: Int)?
        while victim == nil && workers.contains(where: \.isRunning) {
            for lease in try store.queueSnapshot().leases where lease.provider == .runway && lease.providerJobId != nil {
                if let process = workers.first(where: { $0.processIdentifier == pid(of: lease.owner) }) {
                    victim = (process, lease.owner, lease.planId, lease.sceneNumber)
                    break
                }
            }
            if victim == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let killed = try #require(victim, "no worker was seen holding a Runway scene with its provider job recorded")
        kill(killed.process.processIdentifier, SIGKILL)
        for worker in workers { worker.waitUntilExit() }

        #expect(killed.process.terminationReason == .uncaughtSignal && killed.process.terminationStatus == SIGKILL)
        for worker in workers where worker !== killed.process {
            #expect(worker.terminationReason == .exit && worker.terminationStatus == 0)
        }

        // Every scene rendered to completion exactly once; the killed worker's scene once, by its successor.
        let completions = try events(logs, tag: "MIA:WORKER:SCENE").filter { $0["result"] as? String == "complete" }
        var perScene: [String: Int] = [:]
        for event in completions { perScene["\(event["plan"]!)/\(event["scene"]!)", default: 0] += 1 }
        #expect(perScene.count == 23)
        #expect(perScene.values.allSatisfy { $0 == 1 }, "\(perScene.filter { $0.value != 1 })")
        let takeover = try events(logs, tag: "MIA:WORKER:CLAIM").filter { $0["taken_from"] as? String == killed.id }
        #expect(takeover.count == 1)
        #expect(takeover.first?["plan"] as? String == killed.plan && takeover.first?["scene"] as? Int == killed.scene)
        #expect(takeover.first?["provider_job"] != nil)
        // One paid job per Runway scene: the taken-over scene resumed its recorded job.
        #expect(fake.jobsCreated == 3)
        #expect(fake.requests.filter { $0.method == "POST" }.count == 3)

        // Every plan stitched exactly once, into a video that verifies; no lease left behind.
        let stitches = try events(logs, tag: "MIA:WORKER:STITCH")
        #expect(stitches.count == 5)
        #expect(Set(stitches.compactMap { $0["plan"] as? String }).count == 5)
        #expect(stitches.allSatisfy { $0["result"] as? String == "stitched" })
        let snapshot = try store.queueSnapshot()
        #expect(snapshot.plans.allSatisfy { $0.status == .stitched && $0.completeScenes == $0.scenes && $0.stitchOwner == nil })
        #expect(snapshot.leases.isEmpty)
        for stored in try store.plans() {
            #expect(stored.scenes.allSatisfy { $0.status == .complete && $0.leaseOwner == nil && $0.leaseExpiresAt == nil })
            #expect(stored.scenes.filter { $0.provider == .runway }.allSatisfy { $0.attempts == 1 && $0.providerJobId != nil })
        }
        // Each on its own: the Runway plan's clips differ from the Template plans'.
        let verified = outputs.flatMap { Verifier(log: SilentLog()).verify([$0]) }
        let failed = verified.filter { !$0.passed }
        #expect(verified.count == 5 && failed.isEmpty, "\(failed)")
        // The survivors say they stopped because the queue was done.
        #expect(try events(logs, tag: "MIA:WORKER:STOP").map { $0["reason"] as? String } == ["idle", "idle"])
    }

    /// Issue 11: a worker stitched with no target, so a plan whose provider clips differ from its
    /// size came out at the clips' size. Runway serves 320x180 at 30 fps; the plan is 640x360 at 24.
    @Test func aWorkerStitchesAMixedProviderPlanAtThePlansSizeAndFrameRate() throws {
        let cluster = try PostgresCluster()
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        fake.steps = [.done]
        let environment = ["MIA_DB": cluster.url, "RUNWAYML_API_SECRET": Self.key, "RUNWAYML_BASE_URL": fake.baseURL,
                           "OPENAI_API_KEY": ""]
        let script = scratch.path("mixed.txt")
        try """
            Scene 1: Boats
            VISUAL: Animated illustration of paper boats.
            VO: Boats drift across the pond.

            Scene 2: Title
            ON SCREEN: The end
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let output = scratch.path("mixed.mp4")
        let submitted = try run(Repo.cli, ["submit", script, "-o", output, "--provider", "auto", "--size", "640x360", "--fps", "24"],
                                environment: environment)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let log = scratch.path("worker.log")
        let worker = try startWorker(["--exit-when-idle"], log: log, environment: environment)
        worker.waitUntilExit()
        #expect(worker.terminationStatus == 0)

        let scenes = try #require(try JobStore(path: cluster.url).plans().first?.scenes)
        #expect(scenes.map(\.provider) == [.runway, .template])
        let stitched = try #require(try events([log], tag: "MIA:WORKER:STITCH").first)
        #expect(stitched["result"] as? String == "stitched", "\(stitched)")
        let video = try #require(try ffprobe(output, packets: false).stream("video"))
        #expect(video.width == 640 && video.height == 360)
        #expect(video.frameRate == "24/1")
        #expect(fake.jobsCreated == 1)
    }

    @Test func sigtermFinishesTheSceneInHandReleasesNothingHalfDoneAndExitsZero() throws {
        let cluster = try PostgresCluster()
        let scratch = Scratch()
        let environment = ["MIA_DB": cluster.url]
        let longScript = (1...12).map { "Scene \($0): Card \($0)\nON SCREEN: Card number \($0)\n" }.joined(separator: "\n")
        let output = try submit(longScript, name: "cards", provider: "template", in: scratch, environment: environment)
        let store = try JobStore(path: cluster.url)
        let log = scratch.path("worker.log")
        let worker = try startWorker(["--lease-seconds", "30"], log: log, environment: environment)
        // Stop it once it has started working.
        while try store.plans()[0].scenes.allSatisfy({ $0.status == .queued && $0.leaseOwner == nil }) {
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(worker.processIdentifier, SIGTERM)
        worker.waitUntilExit()
        #expect(worker.terminationReason == .exit && worker.terminationStatus == 0)
        #expect(try events([log], tag: "MIA:WORKER:STOP").first?["reason"] as? String == "signal")
        // Nothing is left leased or half-rendered: each scene is done or still queued for the next worker.
        #expect(try store.queueSnapshot().leases.isEmpty)
        #expect(try store.queueSnapshot().workers.first?.state == "stopped")
        #expect(try store.plans()[0].scenes.allSatisfy { [.complete, .queued].contains($0.status) })

        // A second worker finishes the plan.
        let second = try startWorker(["--exit-when-idle"], log: scratch.path("second.log"), environment: environment)
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)
        #expect(try store.queueSnapshot().plans.first?.status == .stitched)
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)
    }

    @Test func aManifestQueuesEveryJobForWorkersAndAnInvalidOneQueuesNothing() throws {
        let cluster = try PostgresCluster()
        let scratch = Scratch()
        let environment = ["MIA_DB": cluster.url]
        for plan in 1...2 { try templateScript(plan).write(toFile: scratch.path("cards-\(plan).txt"), atomically: true, encoding: .utf8) }
        let broken = scratch.path("broken.yaml")
        try "jobs:\n  - script: cards-1.txt\n    output: out/one.mp4\n  - script: missing.txt\n    output: out/two.mp4\n"
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try run(Repo.cli, ["submit", broken], environment: environment)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("missing.txt"))
        #expect(try JobStore(path: cluster.url).queueSnapshot().plans.isEmpty)

        let manifest = scratch.path("night.yaml")
        try """
            defaults:
              provider: template
              size: 320x180
            jobs:
              - script: cards-1.txt
                output: out/one.mp4
              - script: cards-2.txt
                output: out/two.mp4
                theme: sunset
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let submitted = try run(Repo.cli, ["submit", manifest], environment: environment)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let store = try JobStore(path: cluster.url)
        let queued = try store.queueSnapshot().plans
        #expect(Set(queued.map(\.output)) == [scratch.path("out/one.mp4"), scratch.path("out/two.mp4")])
        #expect(queued.allSatisfy { $0.status == .queued && $0.scenes == 5 })

        let worker = try startWorker(["--exit-when-idle"], log: scratch.path("worker.log"), environment: environment)
        worker.waitUntilExit()
        #expect(worker.terminationStatus == 0)
        #expect(try store.queueSnapshot().plans.allSatisfy { $0.status == .stitched })
        #expect(Verifier(log: SilentLog()).verify([scratch.path("out/one.mp4"), scratch.path("out/two.mp4")]).allSatisfy { $0.passed })
    }

    @Test func statusShowsPlansLeasesAndWorkers() throws {
        let cluster = try PostgresCluster()
        let scratch = Scratch()
        _ = try submit(templateScript(1), name: "cards", provider: "template", in: scratch, environment: ["MIA_DB": cluster.url])
        let store = try JobStore(path: cluster.url)
        try store.registerWorker(id: "farm-7:4242:beef", host: "farm-7", pid: 4242)
        let claim = try #require(try store.claimScene(worker: "farm-7:4242:beef", leaseSeconds: 60))
        let table = try run(Repo.cli, ["status", "--db", cluster.url])
        #expect(table.status == 0)
        #expect(table.stdout.contains(claim.plan.renderPlanId))
        #expect(table.stdout.contains("queued"))
        #expect(table.stdout.contains("0/5"))
        #expect(table.stdout.contains("farm-7:4242:beef"))
        let json = try run(Repo.cli, ["status", "--db", cluster.url, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["leases"] as? [[String: Any]])?.first?["owner"] as? String == "farm-7:4242:beef")
        #expect((object["workers"] as? [[String: Any]])?.count == 1)
        #expect((object["plans"] as? [[String: Any]])?.first?["status"] as? String == "queued")
    }

    @Test func aPasswordInTheURLIsNeverPrinted() throws {
        let cluster = try PostgresCluster()  // trust authentication: any password is accepted, and must not be shown
        let withPassword = cluster.url.replacingOccurrences(of: "postgres://mia@", with: "postgres://mia:s3cr3t-pw@")
        let shown = cluster.url
        let empty = try run(Repo.cli, ["plans", "--db", withPassword])
        #expect(empty.status == 0 && empty.stdout == "No plans recorded yet in \(shown).\n")
        let missing = try run(Repo.cli, ["plan", "show", "plan-nope", "--db", withPassword])
        #expect(missing.stderr == "mia-stitch: error: no plan plan-nope in the job store (\(shown)); `mia-stitch plans` lists them\n")
        let scratch = Scratch()
        try templateScript(1).write(toFile: scratch.path("cards.txt"), atomically: true, encoding: .utf8)
        let submitted = try run(Repo.cli, ["submit", scratch.path("cards.txt"), "-o", scratch.path("cards.mp4"), "--db", withPassword])
        #expect(submitted.status == 0)
        let worker = try run(Repo.cli, ["worker", "--exit-when-idle", "--db", withPassword])
        #expect(worker.status == 0)
        for output in [empty, missing, submitted, worker] {
            #expect(!(output.stdout + output.stderr).contains("s3cr3t-pw"))
        }
        #expect(submitted.stdout.contains(shown) && worker.stderr.contains(shown))
    }

    @Test func anUnreachableDatabaseIsOneLineWithoutThePasswordAndExitsNonZero() throws {
        for command in [["status"], ["worker", "--exit-when-idle"], ["plans"]] {
            let result = try run(Repo.cli, command + ["--db", "postgres://farm:hunter2@127.0.0.1:1/jobs"])
            #expect(result.status == 1)
            #expect(result.stderr == "mia-stitch: error: postgres://farm@127.0.0.1:1/jobs: cannot open the job store: connection refused\n")
        }
    }
}
