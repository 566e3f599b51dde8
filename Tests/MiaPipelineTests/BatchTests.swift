import Foundation
import Testing
@testable import MiaPipeline

/// `mia-stitch batch`: manifests checked before anything runs, failures isolated, reruns that redo nothing.
@Suite struct BatchTests {
    /// No provider keys and no scheduler index from the machine running the tests.
    static let cleanEnvironment = ["RUNWAYML_API_SECRET": "", "OPENAI_API_KEY": "", "ELEVENLABS_API_KEY": "", "GEMINI_API_KEY": "",
                                   "LUMAAI_API_KEY": "", "SLURM_ARRAY_TASK_ID": "",
                                   "JOB_COMPLETION_INDEX": "", "AWS_BATCH_JOB_ARRAY_INDEX": ""]

    static func script(_ name: String) -> String {
        """
        Scene 1: \(name)
        ON SCREEN: \(name) in two scenes

        Scene 2: The end
        ON SCREEN: Thanks for watching \(name)
        """
    }

    /// Five jobs in scripts/ and out/ beside the manifest; job 3's script is empty, so it fails when it runs
    /// (the manifest itself is valid).
    func writeFiveJobs(_ scratch: Scratch) throws -> String {
        try FileManager.default.createDirectory(atPath: scratch.path("scripts"), withIntermediateDirectories: true)
        for name in ["alpha", "bravo", "delta", "echo"] {
            try Self.script(name).write(toFile: scratch.path("scripts/\(name).txt"), atomically: true, encoding: .utf8)
        }
        try Data().write(to: URL(fileURLWithPath: scratch.path("scripts/charlie.txt")))
        let manifest = scratch.path("batch.yaml")
        try """
        # five scripts, one video each
        defaults:
          provider: template
          size: 320x180
          fps: 30
        jobs:
          - script: scripts/alpha.txt
            output: out/alpha.mp4
          - script: scripts/bravo.txt
            output: out/bravo.mp4
            theme: sunset
          - script: scripts/charlie.txt
            output: out/charlie.mp4
          - script: scripts/delta.txt
            output: out/delta.mp4
            aspect: 16:9
          - script: scripts/echo.txt
            output: out/echo.mp4
            theme: mono
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        return manifest
    }

    func readReport(_ path: String) throws -> BatchReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(BatchReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func modificationDates(_ folder: String) throws -> [String: Date] {
        var dates: [String: Date] = [:]
        for file in try FileManager.default.subpathsOfDirectory(atPath: folder) where file.hasSuffix(".mp4") {
            dates[file] = try FileManager.default.attributesOfItem(atPath: folder + "/" + file)[.modificationDate] as? Date
        }
        return dates
    }

    @Test func aBrokenJobFailsAloneAndARerunRedoesNothing() throws {
        let scratch = Scratch()
        let manifest = try writeFiveJobs(scratch)
        let database = scratch.path("jobs.sqlite")
        let environment = Self.cleanEnvironment.merging(["MIA_DB": database]) { $1 }
        let report = scratch.path("report.json")

        let first = try run(Repo.cli, ["batch", manifest, "--jobs", "2", "--report", report], environment: environment)
        #expect(first.status == 1, "\(first.stderr)")
        // One line per job as it finishes, then the summary table.
        #expect(first.stdout.split(separator: "\n").filter { $0.hasPrefix("[") && $0.contains("/5] ") }.count == 5)
        #expect(first.stdout.contains("5 jobs: 4 rendered, 0 already done, 1 failed"))
        #expect(first.stdout.contains("[3/5] \(scratch.path("out/charlie.mp4")): FAILED: "))

        let good = ["alpha", "bravo", "delta", "echo"].map { scratch.path("out/\($0).mp4") }
        let verified = Verifier(log: SilentLog()).verify(good, asStitchSet: false)
        #expect(verified.allSatisfy { $0.passed }, "\(verified.flatMap(\.problems))")
        #expect(verified.allSatisfy { abs(($0.duration ?? 0) - 6) < 0.1 })  // two 3 s scenes each
        #expect(!FileManager.default.fileExists(atPath: scratch.path("out/charlie.mp4")))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: scratch.url.path).filter { $0.hasSuffix(".partial") }.isEmpty)

        let written = try readReport(report)
        #expect(written.jobs.map(\.status) == [.rendered, .rendered, .failed, .rendered, .rendered])
        #expect((written.rendered, written.reused, written.failed) == (4, 0, 1))
        let failure = written.jobs[2]
        #expect(failure.script == scratch.path("scripts/charlie.txt") && failure.line == 12)
        #expect(failure.error == "\(scratch.path("scripts/charlie.txt")): the script is empty; there is nothing to analyze")
        #expect(written.jobs.filter { $0.status == .rendered }.allSatisfy { $0.scenes == 2 && $0.scenesRendered == 2 && $0.plan != nil })

        let store = try JobStore(path: database)
        let recorded = try store.batchJobs(manifest: manifest)
        #expect(recorded.map(\.status) == [.rendered, .rendered, .failed, .rendered, .rendered])
        #expect(recorded.map(\.renders) == [1, 1, 0, 1, 1])
        #expect(try store.plans().count == 4)

        // The rerun: every finished video is verified and left alone; no scene is rendered, nothing stitched.
        let before = try modificationDates(scratch.path("out"))
        #expect(before.count == 4 + 4 * 2)
        let again = try run(Repo.cli, ["batch", manifest, "--report", report], environment: environment)
        #expect(again.status == 1)
        #expect(!again.stderr.contains("MIA:SCENE:COMPLETE") && !again.stderr.contains("MIA:STITCH:START"), "\(again.stderr)")
        #expect(again.stdout.contains("5 jobs: 0 rendered, 4 already done, 1 failed"))
        #expect(try modificationDates(scratch.path("out")) == before)
        #expect(try readReport(report).jobs.map(\.status) == [.reused, .reused, .failed, .reused, .reused])
        #expect(try store.batchJobs(manifest: manifest).map(\.renders) == [1, 1, 0, 1, 1])

        // Resume: a lost video is stitched again from its clips, a lost clip alone is rendered again;
        // the fixed script renders; the rest is left alone.
        try FileManager.default.removeItem(atPath: scratch.path("out/alpha.mp4"))
        try FileManager.default.removeItem(atPath: scratch.path("out/alpha-scenes/scene-02.mp4"))
        try Self.script("charlie").write(toFile: scratch.path("scripts/charlie.txt"), atomically: true, encoding: .utf8)
        let fixed = try run(Repo.cli, ["batch", manifest, "--report", report], environment: environment)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        let resumed = try readReport(report)
        #expect(resumed.jobs.map(\.status) == [.rendered, .reused, .rendered, .reused, .reused])
        #expect(resumed.jobs[0].scenesRendered == 1 && resumed.jobs[2].scenesRendered == 2)
        let after = try modificationDates(scratch.path("out"))
        #expect(after["alpha-scenes/scene-01.mp4"] == before["alpha-scenes/scene-01.mp4"])
        #expect(after["bravo.mp4"] == before["bravo.mp4"])
        #expect(try store.batchJobs(manifest: manifest).map(\.renders) == [2, 1, 1, 1, 1])
        #expect(Verifier(log: SilentLog()).verify([scratch.path("out/alpha.mp4"), scratch.path("out/charlie.mp4")]).allSatisfy { $0.passed })
    }

    @Test func anOutputThatIsNotTheJobsVideoIsRefusedUnlessOverwriteIsSet() async throws {
        let scratch = Scratch()
        try Self.script("foxtrot").write(toFile: scratch.path("f.txt"), atomically: true, encoding: .utf8)
        try Data("not a video".utf8).write(to: URL(fileURLWithPath: scratch.path("f.mp4")))
        let text = """
        jobs:
          - {script: f.txt, output: f.mp4, provider: template, size: 320x180}
        """
        let runner = BatchRunner(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([]),
                                 log: SilentLog(), environment: ProviderEnvironment())
        let refused = await runner.run(try BatchManifest.parse(text, path: scratch.path("m.yaml")), parallelJobs: 1, concurrency: 2)
        #expect(refused.jobs[0].status == .failed)
        #expect(refused.jobs[0].error?.hasPrefix("\(scratch.path("f.mp4")): already exists and is not this job's finished video") == true)
        #expect(try String(contentsOfFile: scratch.path("f.mp4"), encoding: .utf8) == "not a video")

        let replaced = await runner.run(try BatchManifest.parse(text.replacingOccurrences(of: "size: 320x180", with: "size: 320x180, overwrite: true"),
                                                                path: scratch.path("m.yaml")), parallelJobs: 1, concurrency: 2)
        #expect(replaced.jobs[0].status == .rendered, "\(replaced.jobs[0].error ?? "")")
        #expect(Verifier(log: SilentLog()).verify([scratch.path("f.mp4")])[0].passed)
    }

    @Test func scenesOfAllJobsShareOneConcurrencyLimitPerProvider() async throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: RenderProviderTests.key)
        fake.steps = [.pending, .running(0.5), .done]
        let runway = try RunwayProvider(apiKey: RenderProviderTests.key, baseURL: fake.baseURL, options: RunwayProvider.Options(
            http: HTTPSettings(requestTimeout: 5, downloadIdleTimeout: 5, downloadTimeout: 30, maxDownloadBytes: 50_000_000,
                               retry: RetryPolicy(maxRetries: 2, initialDelay: 0.01, maxDelay: 0.04, jitter: 0.25, maxRetryAfter: 2)),
            poll: PollSchedule(initial: 0.02, maximum: 0.02)), log: SilentLog())
        var jobs = "defaults: {provider: runway, size: 320x180}\njobs:\n"
        for number in 1...3 {
            let scenes = (1...2).map { "Scene \($0): Shot \($0)\nVISUAL: Animated paper boats, job \(number) take \($0).\nVO: Boats drift.\n" }
            try scenes.joined(separator: "\n").write(toFile: scratch.path("boats\(number).txt"), atomically: true, encoding: .utf8)
            jobs += "  - {script: boats\(number).txt, output: boats\(number).mp4}\n"
        }
        let runner = BatchRunner(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([runway]),
                                 log: SilentLog(), environment: ProviderEnvironment(runwayKeySet: true))
        let report = await runner.run(try BatchManifest.parse(jobs, path: scratch.path("boats.yaml")), parallelJobs: 3, concurrency: 2)

        #expect(report.jobs.allSatisfy { $0.status == .rendered }, "\(report.jobs.compactMap(\.error))")
        #expect(fake.jobsCreated == 6)
        // Three jobs at once, two scenes each, but never more than two Runway jobs in flight in all.
        #expect(fake.maxJobsInFlight == 2)
        #expect(abs(report.cost - 6 * 2 * 0.12) < 1e-9)
    }

    // MARK: - Manifest errors

    struct BadManifest: CustomTestStringConvertible, Sendable {
        let name: String
        let file: String
        let text: String
        let expected: [String]
        var testDescription: String { name }
    }

    static let badManifests: [BadManifest] = [
        BadManifest(name: "unknown key", file: "m.yaml", text: """
            jobs:
              - script: a.txt
                output: a.mp4
                fsp: 24
            """, expected: [":4: job 1: unknown key \"fsp\"; did you mean \"fps\"?"]),
        BadManifest(name: "wrong types", file: "m.yaml", text: """
            defaults:
              fps: thirty
            jobs:
              - script: a.txt
                output: a.mp4
                budget: "5"
                no-fallback: 1
            """, expected: [":2: defaults.fps: must be a whole number, got the text \"thirty\"",
                            ":6: job 1, budget: must be a number, got the text \"5\"",
                            ":7: job 1, no-fallback: must be true or false, got the number 1"]),
        BadManifest(name: "missing script and missing key", file: "m.yaml", text: """
            jobs:
              - script: nowhere.txt
                output: a.mp4
              - output: b.mp4
            """, expected: [":2: job 1, script: SCRATCH/nowhere.txt not found", ":4: job 2: \"script\" is missing"]),
        BadManifest(name: "duplicate outputs", file: "m.yaml", text: """
            jobs:
              - script: a.txt
                output: out/a.mp4
              - script: a.txt
                output: out/../out/a.mp4
              - script: a.txt
                output: out/a.mkv
            """, expected: [":5: job 2, output: SCRATCH/out/a.mp4 is also the output of job 1 (line 3)",
                            ":7: job 3, output: SCRATCH/out/a.mkv would share its plan and scene folder (a.plan.json) with job 1's SCRATCH/out/a.mp4 (line 3)"]),
        BadManifest(name: "bad values", file: "m.yaml", text: """
            jobs:
              - script: a.txt
                output: a.avi
                size: 1920x1081
                provider: pika
                theme: neon
            """, expected: [":3: job 1, output: a.avi must end in .mp4, .m4v, .mov or .mkv",
                            ":4: job 1, size: must be WIDTHxHEIGHT, even numbers from 16 to 8192 (e.g. 1920x1080) (got \"1920x1081\")",
                            ":5: job 1, provider: must be auto, template, runway, veo, luma or sora (got \"pika\")",
                            ":6: job 1, theme: unknown theme \"neon\" (themes: midnight, daylight, sunset, mono)"]),
        BadManifest(name: "JSON with a wrong type", file: "m.json", text: """
            {
              "jobs": [
                {"script": "a.txt", "output": "a.mp4"},
                {"script": "a.txt", "output": "b.mp4", "fps": "30"}
              ]
            }
            """, expected: [":4: job 2, fps: must be a whole number, got the text \"30\""]),
        BadManifest(name: "YAML syntax", file: "m.yaml", text: "jobs:\n  - script: a.txt\n    output: [a.mp4\n",
                    expected: [":4: is not valid YAML or JSON: "]),
        BadManifest(name: "no jobs", file: "m.yaml", text: "defaults: {fps: 24}\njobs: []\n",
                    expected: [":2: jobs: must be a list with at least one job"]),
    ]

    @Test(arguments: badManifests)
    func manifestErrorsNameTheLineAndTheField(_ bad: BadManifest) throws {
        let scratch = Scratch()
        try Self.script("a").write(toFile: scratch.path("a.txt"), atomically: true, encoding: .utf8)
        let path = scratch.path(bad.file)
        try bad.text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try BatchManifest.load(path: path)
            Issue.record("\(bad.name): the manifest was accepted")
        } catch let error as BatchManifestError {
            let messages = error.problems.map(\.message)
            let expected = bad.expected.map { path + $0.replacingOccurrences(of: "SCRATCH", with: scratch.url.standardizedFileURL.path) }
            #expect(messages.count == expected.count, "\(messages)")
            for (message, wanted) in zip(messages, expected) {
                #expect(message.hasPrefix(wanted), "\(message)")
            }
        }
    }

    @Test func anInvalidManifestRunsNothingAndExits65() throws {
        let scratch = Scratch()
        _ = try writeFiveJobs(scratch)
        let manifest = scratch.path("batch.yaml")
        var text = try String(contentsOfFile: manifest, encoding: .utf8)
        text += "\n  - script: scripts/alpha.txt\n    output: out/alpha.mp4\n"
        try text.write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try run(Repo.cli, ["batch", manifest, "--report", scratch.path("r.json")],
                             environment: Self.cleanEnvironment.merging(["MIA_DB": scratch.path("jobs.sqlite")]) { $1 })
        #expect(result.status == 65)
        #expect(result.stderr == "mia-stitch: error: \(manifest):21: job 6, output: \(scratch.path("out/alpha.mp4")) is also the output of job 1 (line 8)\n")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("out")))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("r.json")))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("jobs.sqlite")))
    }

    @Test func aManifestJobCarriesRendersOptions() throws {
        let scratch = Scratch()
        try Self.script("a").write(toFile: scratch.path("a.txt"), atomically: true, encoding: .utf8)
        let manifest = try BatchManifest.parse("""
            defaults: {provider: template, fps: 25, theme: sunset}
            jobs:
              - script: a.txt
                output: videos/a.mov
                aspect: 9:16
                budget: 2.5
                duration: 30
                wpm: 170
                no-fallback: true
                fps: 24
            """, path: scratch.path("m.yaml"))
        let job = try #require(manifest.jobs.first)
        #expect(job.script == scratch.url.standardizedFileURL.path + "/a.txt")
        #expect(job.output == scratch.url.standardizedFileURL.path + "/videos/a.mov")
        #expect(job.line == 3)
        var expected = BatchJobSettings()
        expected.provider = .template
        expected.aspect = .portrait
        expected.fps = 24
        expected.budget = 2.5
        expected.duration = 30
        expected.wordsPerMinute = 170
        expected.theme = "sunset"
        expected.fallback = false
        #expect(job.settings == expected)

        // The same job written as JSON.
        try """
            {
              "defaults": {"provider": "template", "fps": 25, "theme": "sunset"},
              "jobs": [
                {"script": "a.txt", "output": "videos/a.mov", "aspect": "9:16", "budget": 2.5, "duration": 30,
                 "wpm": 170, "no-fallback": true, "fps": 24}
              ]
            }
            """.write(toFile: scratch.path("m.json"), atomically: true, encoding: .utf8)
        let json = try BatchManifest.load(path: scratch.path("m.json"))
        #expect(json.jobs.map(\.settings) == [expected])
        #expect(json.jobs.map(\.line) == [4])
    }
}
