import Foundation
import Testing
@testable import MiaPipeline

/// Two processes at the same work: nothing paid twice, no output silently replaced (issue 12, items 2 and 4).
@Suite struct RaceTests {
    static let key = "key_" + String(repeating: "fedcba9876543210", count: 8)

    /// Starts the built CLI without waiting for it.
    func start(_ arguments: [String], environment: [String: String]) throws -> (process: Process, stderr: Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repo.cli)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, stderr)
    }

    func finish(_ started: (process: Process, stderr: Pipe)) -> (status: Int32, stderr: String) {
        let text = String(decoding: started.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        started.process.waitUntilExit()
        return (started.process.terminationStatus, text)
    }

    /// Two `render-scene` tasks for one Runway scene at once (a scheduler's retry while the first still
    /// runs): one creates the provider job, the other waits for its id and polls it.
    @Test func twoTasksForOneProviderSceneCreateOneJob() throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        fake.steps = [.pending, .running(0.5), .done]
        let (plan, environment) = try SchedulerTests().runwayPlan(scratch, fake: fake, key: Self.key)

        let tasks = try (0..<3).map { _ in try start(["render-scene", "--plan", plan, "--scene", "1"], environment: environment) }
        let results = tasks.map(finish)
        for result in results { #expect(result.status == 0, "\(result.stderr)") }
        #expect(fake.jobsCreated == 1)
        #expect(fake.requests.filter { $0.method == "POST" }.count == 1)
        let scene = try #require(try JobStore(path: scratch.path("jobs.sqlite")).plans().first?.scenes.first)
        #expect(scene.attempts == 1 && scene.providerJobId != nil && scene.leaseOwner == nil)
    }

    /// Two `render` runs of one script into one output: the second is refused at once (before it plans,
    /// pays or writes anything); the first finishes; one provider job per scene.
    @Test func aSecondRenderIntoTheSameOutputIsRefusedAtOnce() throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        fake.steps = [.pending, .running(0.3), .running(0.6), .done]
        let environment = BatchTests.cleanEnvironment.merging([
            "MIA_DB": scratch.path("jobs.sqlite"), "RUNWAYML_API_SECRET": Self.key, "RUNWAYML_BASE_URL": fake.baseURL,
        ]) { $1 }
        let script = scratch.path("boats.txt")
        try "Scene 1: Boats\nVISUAL: Animated illustration of paper boats.\nVO: Boats drift across the pond.\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let output = scratch.path("boats.mp4")
        let arguments = ["render", script, "-o", output, "--provider", "runway", "--size", "320x180", "--autopilot", "--quiet"]
        let first = try start(arguments, environment: environment)
        // Wait until the first holds the output (its lock file appears), then race it.
        let lock = scratch.path(".boats.mp4.lock")
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: lock) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let second = try run(Repo.cli, arguments, environment: environment)
        #expect(second.status == 1)
        #expect(second.stderr == "mia-stitch: error: \(output): another mia-stitch run is rendering it right now (it holds \(lock))\n")
        let firstResult = finish(first)
        #expect(firstResult.status == 0, "\(firstResult.stderr)")
        #expect(fake.jobsCreated == 1)
        #expect(!FileManager.default.fileExists(atPath: lock))
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)
    }

    /// An output that can never be written is refused before anything is paid for (issue 12, item 8).
    @Test func anOutputThatIsADirectoryIsRefusedBeforeAnyProviderJob() throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: Self.key)
        let environment = BatchTests.cleanEnvironment.merging([
            "MIA_DB": scratch.path("jobs.sqlite"), "RUNWAYML_API_SECRET": Self.key, "RUNWAYML_BASE_URL": fake.baseURL,
        ]) { $1 }
        let script = scratch.path("boats.txt")
        try "Scene 1: Boats\nVISUAL: Animated illustration of paper boats.\n".write(toFile: script, atomically: true, encoding: .utf8)
        let output = scratch.path("taken.mp4")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: false)
        let result = try run(Repo.cli, ["render", script, "-o", output, "--provider", "runway", "--autopilot", "--overwrite"],
                             environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr.hasSuffix("mia-stitch: error: \(output): is a directory\n"), "\(result.stderr)")
        #expect(fake.jobsCreated == 0 && fake.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.path("taken.plan.json")))
    }

    /// `--overwrite` replaces the file but keeps its permissions (a private 0600 file stays private).
    @Test func overwriteKeepsTheReplacedFilesMode() throws {
        let scratch = Scratch()
        let output = scratch.path("private.mp4")
        try Data("old".utf8).write(to: URL(fileURLWithPath: output))
        chmod(output, 0o600)
        let result = try run(Repo.cli, ["stitch", Repo.media("h264-aac-a.mp4"), "-o", output, "--overwrite", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: output)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(try ffprobe(output, packets: false).stream("video") != nil)
    }

    /// Two stitches racing to one new output: exactly one publishes, the other says "already exists"
    /// (the check before the work cannot see the other's result; the publish can).
    @Test func twoStitchesToOneNewOutputPublishOnce() throws {
        let scratch = Scratch()
        let output = scratch.path("race.mp4")
        let a = Repo.media("h264-aac-a.mp4"), b = Repo.media("h264-aac-b.mp4")
        for round in 0..<3 {
            unlink(output)
            let clips = Array(repeating: [a, b], count: 20).flatMap { $0 }
            let runs = try (0..<2).map { _ in try start(["stitch"] + clips + ["-o", output, "--quiet"], environment: [:]) }
            let results = runs.map(finish)
            let won = results.filter { $0.status == 0 }
            #expect(won.count == 1, "round \(round): \(results)")
            #expect(results.filter { $0.status == 1 && $0.stderr.contains("\(output): already exists (use --overwrite to replace it)") }.count == 1,
                    "round \(round): \(results)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["race.mp4"])
    }
}
