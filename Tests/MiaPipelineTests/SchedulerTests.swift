import Foundation
import Testing
import Yams
@testable import MiaPipeline

/// `render-scene` as render farms run it: the index from each scheduler's variable, idempotent tasks,
/// exit statuses that tell a scheduler whether to retry, and the shipped Slurm and Kubernetes examples.
@Suite struct SchedulerTests {
    static let script = """
    Scene 1: Kickoff
    ON SCREEN: The season starts

    Scene 2: Fixtures
    ON SCREEN: Twelve home games

    Scene 3: Tickets
    ON SCREEN: On sale Friday
    """

    /// A three-scene template plan at 320x180 in a fresh folder.
    func plan(_ scratch: Scratch, environment: [String: String]) throws -> String {
        try Self.script.write(toFile: scratch.path("season.txt"), atomically: true, encoding: .utf8)
        let plan = scratch.path("season.json")
        let made = try run(Repo.cli, ["plan", scratch.path("season.txt"), "-o", plan, "--size", "320x180", "--provider", "template"],
                           environment: environment)
        #expect(made.status == 0, "\(made.stderr)")
        return plan
    }

    /// A plan edited to point a scene anywhere (plans sit on shared volumes) is refused before
    /// anything is written: exit 65, the plan and the field named, the other file untouched.
    @Test(arguments: [
        ("../victim/app.conf", "scenes[1].output \"../victim/app.conf\" is outside the plan's folder"),
        ("/tmp/app.mp4", "scenes[1].output \"/tmp/app.mp4\" must be a path relative to the plan's folder"),
        ("season-scenes/../../victim/app.mp4", "scenes[1].output \"season-scenes/../../victim/app.mp4\" is outside the plan's folder"),
        ("elsewhere/scene-02.mp4", "scenes[1].output \"elsewhere/scene-02.mp4\" is outside the plan's scene folder \"season-scenes\""),
        ("season-scenes/scene-02.conf", "scenes[1].output \"season-scenes/scene-02.conf\" is not a video file name (use .m4v, .mkv, .mov, .mp4)"),
        ("season-scenes/o\u{0}.mp4", "scenes[1].output: the path contains a NUL byte"),
        ("season-scenes/\u{1B}[2Jo.mp4", "scenes[1].output: the path contains the control character U+001B"),
    ])
    func aSceneOutputOutsideThePlansSceneFolderIsRefused(output: String, message: String) throws {
        let scratch = Scratch()
        let environment = BatchTests.cleanEnvironment.merging(["MIA_DB": scratch.path("jobs.sqlite")]) { $1 }
        let plan = try plan(scratch, environment: environment)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: plan))) as! [String: Any]
        var scenes = json["scenes"] as! [[String: Any]]
        scenes[1]["output"] = output
        json["scenes"] = scenes
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: plan))
        let victim = scratch.path("victim/app.conf")
        try FileManager.default.createDirectory(atPath: scratch.path("victim"), withIntermediateDirectories: true)
        try "keep me".write(toFile: victim, atomically: true, encoding: .utf8)

        for command in [["render-scene", "--plan", plan, "--scene", "2"], ["render-scene", "--plan", plan, "--scene", "1"]] {
            let task = try run(Repo.cli, command, environment: environment)
            #expect(task.status == 65, "\(task.stderr)")
            #expect(task.stderr == "mia-stitch: error: \(plan): \(message)\n")
        }
        for command in [["stitch", "--plan", plan, "-o", scratch.path("out.mp4")], ["verify", "--plan", plan]] {
            let refused = try run(Repo.cli, command, environment: environment)
            #expect(refused.status == 1 && refused.stderr.contains("\(plan): \(message)"), "\(refused.stderr)")
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me")
        // Planning spoke the narration into season-scenes/speech/; nothing else may be there.
        let made = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path("season-scenes"))) ?? []
        #expect(made.allSatisfy { $0 == "speech" }, "\(made)")
    }

    struct IndexVariable: Sendable, CustomTestStringConvertible {
        let name: String
        let value: String
        let scene: Int
        var testDescription: String { "\(name)=\(value)" }
    }

    @Test(arguments: [
        IndexVariable(name: "SLURM_ARRAY_TASK_ID", value: "3", scene: 3),  // 1-based: --array=1-N
        IndexVariable(name: "JOB_COMPLETION_INDEX", value: "1", scene: 2),  // 0-based
        IndexVariable(name: "AWS_BATCH_JOB_ARRAY_INDEX", value: "0", scene: 1),  // 0-based
    ])
    func renderSceneTakesItsSceneFromTheSchedulersVariable(_ variable: IndexVariable) throws {
        let scratch = Scratch()
        var environment = BatchTests.cleanEnvironment.merging(["MIA_DB": scratch.path("jobs.sqlite")]) { $1 }
        let plan = try plan(scratch, environment: environment)
        environment[variable.name] = variable.value
        let task = try run(Repo.cli, ["render-scene", "--plan", plan], environment: environment)
        #expect(task.status == 0, "\(task.stderr)")
        #expect(task.stderr.contains("[MIA:SCENE:COMPLETE] scene=\(variable.scene) provider=template"), "\(task.stderr)")
        let clips = (1...3).map { scratch.path(String(format: "season-scenes/scene-%02d.mp4", $0)) }
        #expect(clips.map { FileManager.default.fileExists(atPath: $0) } == (1...3).map { $0 == variable.scene })
        let clip = clips[variable.scene - 1]
        let report = Verifier(log: SilentLog()).verify([clip], plan: try RenderPlan.load(plan))[0]
        #expect(report.passed, "\(report.problems)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path("season-scenes")).filter { $0.hasSuffix(".partial") }.isEmpty)

        // The same task again, even on another machine with its own job store: verified, left as it is.
        let written = try FileManager.default.attributesOfItem(atPath: clip)[.modificationDate] as? Date
        environment["MIA_DB"] = scratch.path("another-node.sqlite")
        let again = try run(Repo.cli, ["render-scene", "--plan", plan], environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("[MIA:SCENE:COMPLETE] scene=\(variable.scene) provider=template reused=true"), "\(again.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: clip)[.modificationDate] as? Date == written)
        let stored = try #require(try JobStore(path: scratch.path("another-node.sqlite")).plans().first)
        #expect(stored.scenes.map(\.status) == (1...3).map { $0 == variable.scene ? .complete : .pending })
    }

    @Test func badInputExits65() throws {
        let scratch = Scratch()
        let environment = BatchTests.cleanEnvironment.merging(["MIA_DB": scratch.path("jobs.sqlite")]) { $1 }
        let plan = try plan(scratch, environment: environment)
        let outside = try run(Repo.cli, ["render-scene", "--plan", plan, "--scene", "4"], environment: environment)
        #expect(outside.status == 65)
        #expect(outside.stderr == "mia-stitch: error: scene 4 is not in the plan (it has scenes 1 to 3)\n")
        let noIndex = try run(Repo.cli, ["render-scene", "--plan", plan], environment: environment)
        #expect(noIndex.status == 65)
        let missing = try run(Repo.cli, ["render-scene", "--plan", scratch.path("nope.json"), "--scene", "1"], environment: environment)
        #expect(missing.status == 65)
        #expect(missing.stderr == "mia-stitch: error: \(scratch.path("nope.json")): file not found\n")
    }

    /// A Runway plan at the fake's clip format, for the exit-status tests.
    func runwayPlan(_ scratch: Scratch, fake: FakeRunwayServer, key: String = RenderProviderTests.key)
        throws -> (plan: String, environment: [String: String]) {
        let environment = BatchTests.cleanEnvironment.merging([
            "MIA_DB": scratch.path("jobs.sqlite"), "RUNWAYML_API_SECRET": key, "RUNWAYML_BASE_URL": fake.baseURL,
        ]) { $1 }
        try "Scene 1: Boats\nVISUAL: Animated illustration of paper boats on a pond.\nVO: Boats drift across the pond.\n"
            .write(toFile: scratch.path("boats.txt"), atomically: true, encoding: .utf8)
        let plan = scratch.path("boats.json")
        let made = try run(Repo.cli, ["plan", scratch.path("boats.txt"), "-o", plan, "--size", "320x180", "--provider", "runway"],
                           environment: environment)
        #expect(made.status == 0, "\(made.stderr)")
        return (plan, environment)
    }

    @Test func aThrottledProviderExits75AndTheRetriedTaskSucceeds() throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: RenderProviderTests.key)
        fake.steps = [.done]
        let (plan, environment) = try runwayPlan(scratch, fake: fake)
        // 429 on the first try and on both of the client's own retries.
        fake.inject([.status(429), .status(429), .status(429)], on: "create")
        let throttled = try run(Repo.cli, ["render-scene", "--plan", plan, "--scene", "1", "--no-fallback"], environment: environment)
        #expect(throttled.status == 75, "\(throttled.stderr)")
        #expect(throttled.stderr.contains("mia-stitch: error: scene 1: Runway could not render it: unavailable after retries"))
        #expect(fake.jobsCreated == 0)

        let retried = try run(Repo.cli, ["render-scene", "--plan", plan, "--scene", "1", "--no-fallback"], environment: environment)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(fake.jobsCreated == 1)
        #expect(Verifier(log: SilentLog()).verify([scratch.path("boats-scenes/scene-01.mp4")])[0].passed)
    }

    @Test func aSafetyRefusalExits65() throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: RenderProviderTests.key)
        fake.steps = [.done]
        fake.outcome = .fail(code: "SAFETY.INPUT.TEXT", message: "The prompt was flagged")
        let (plan, environment) = try runwayPlan(scratch, fake: fake)
        let refused = try run(Repo.cli, ["render-scene", "--plan", plan, "--scene", "1", "--no-fallback"], environment: environment)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("SAFETY.INPUT.TEXT"))
    }

    @Test func aProviderJobPastItsDeadlineIsRetryableAndTheRetryPollsItInsteadOfPayingAgain() async throws {
        let scratch = Scratch()
        let fake = try FakeRunwayServer(key: RenderProviderTests.key)
        fake.steps = [.running(0.4)]
        let runway = try RunwayProvider(apiKey: RenderProviderTests.key, baseURL: fake.baseURL, options: RunwayProvider.Options(
            poll: PollSchedule(initial: 0.02, maximum: 0.02)), log: SilentLog())
        let renderer = SceneRenderer(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([runway]),
                                     log: SilentLog())
        let (plan, _) = try RenderPlanner(log: SilentLog()).plan(
            "Scene 1: Boats\nVISUAL: Animated illustration of paper boats.\nVO: Boats drift across the pond.\n",
            scriptName: "boats.txt", planFileName: "boats", options: PlanOptions(
                provider: .runway, width: 320, height: 180, environment: ProviderEnvironment(runwayKeySet: true)))
        try renderer.store.record(plan, planPath: scratch.path("boats.plan.json"))
        let job = plan.scenes[0]
        var context = SceneContext(files: try PlanFiles(plan: plan, path: scratch.path("boats.plan.json")),
                                   theme: try Theme.named("midnight"), fallback: false, deadline: .milliseconds(100))
        do {
            _ = try await renderer.render(job, context: context)
            Issue.record("a job still running past the deadline counted as rendered")
        } catch let error as MiaError {
            #expect(error.retryable, "\(error)")
            #expect(error.message.contains("no result within"))
        }
        let open = try #require(try renderer.store.plan(id: plan.renderPlanId)?.scenes.first)
        #expect(open.status == .submitted && open.providerJobId != nil)

        // The task is retried once the job has finished: the same job is polled and downloaded.
        fake.steps = [.done]
        context.deadline = .seconds(30)
        let outcome = try await renderer.render(job, context: context)
        #expect(outcome.provider == .runway && !outcome.reused)
        #expect(fake.jobsCreated == 1)
        #expect(try renderer.store.plan(id: plan.renderPlanId)?.scenes.first?.providerJobId == open.providerJobId)
    }

    // MARK: - The shipped examples

    static let examples = Repo.root.appendingPathComponent("examples")

    /// A folder holding `mia-stitch` (the built binary) for PATH, as an install would.
    func binFolder(_ scratch: Scratch) throws -> String {
        let bin = scratch.path("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/mia-stitch", withDestinationPath: Repo.cli)
        return bin
    }

    @Test func theSlurmExampleRendersAndStitchesAPlan() throws {
        let scratch = Scratch()
        let bin = try binFolder(scratch)
        // Runs each submitted job at once, in order: array tasks with SLURM_ARRAY_TASK_ID 1…N, as Slurm
        // would on its nodes; records each submission. Job ids count from 100.
        try """
        #!/bin/bash
        echo "$*" >> "\(scratch.path("sbatch.log"))"
        id=$((100 + $(wc -l < "\(scratch.path("sbatch.log"))")))
        array=""
        while [[ "$1" == --* ]]; do
            case "$1" in --array=*) array="${1#--array=}" ;; esac
            shift
        done
        if [ -n "$array" ]; then
            for task in $(seq "${array%-*}" "${array#*-}"); do
                SLURM_ARRAY_JOB_ID=$id SLURM_ARRAY_TASK_ID=$task bash "$1" >&2 || exit 1
            done
        else
            SLURM_JOB_ID=$id bash "$1" >&2 || exit 1
        fi
        echo "$id"
        """.write(toFile: bin + "/sbatch", atomically: true, encoding: .utf8)
        chmod(bin + "/sbatch", 0o755)
        try Self.script.write(toFile: scratch.path("season.txt"), atomically: true, encoding: .utf8)
        let environment = BatchTests.cleanEnvironment.merging([
            "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "MIA_DB": "", "XDG_DATA_HOME": scratch.path("data"), "TMPDIR": scratch.url.path,
        ]) { $1 }
        let submitted = try run("/bin/bash", [Self.examples.appendingPathComponent("slurm/submit.sh").path, scratch.path("season.txt"),
                                              scratch.path("season.mp4"), "--provider", "template", "--size", "320x180"],
                                environment: environment)
        #expect(submitted.status == 0, "\(submitted.stdout)\(submitted.stderr)")
        let submissions = try String(contentsOfFile: scratch.path("sbatch.log"), encoding: .utf8).split(separator: "\n")
        #expect(submissions.count == 2)
        #expect(submissions.first?.hasPrefix("--parsable --array=1-3 ") == true)
        #expect(submissions.last?.hasPrefix("--parsable --dependency=afterok:101 ") == true)
        #expect(submitted.stderr.contains("PASS \(scratch.path("season.mp4"))"))
        let report = Verifier(log: SilentLog()).verify([scratch.path("season.mp4")])[0]
        #expect(report.passed && abs((report.duration ?? 0) - 9) < 0.1, "\(report.problems)")
        // The plan went into the default store; the scene tasks used the node-local one scene.sbatch sets up.
        #expect(try JobStore(path: scratch.path("data/mia-stitch/jobs.sqlite")).plans().count == 1)
        #expect(try JobStore(path: scratch.path("mia-stitch-jobs.sqlite")).plans().first?.completedScenes == 3)
    }

    @Test func theKubernetesExampleRunsItsJobsCommands() throws {
        let scratch = Scratch()
        let bin = try binFolder(scratch)
        try Self.script.write(toFile: scratch.path("script.txt"), atomically: true, encoding: .utf8)
        let folder = Self.examples.appendingPathComponent("kubernetes")

        /// A Job manifest as run.sh applies it, parsed; its one container's shell command and environment,
        /// with the volume's /shared and the pod's /tmp mapped into the scratch folder.
        func job(_ file: String, scenes: Int) throws -> (spec: Node, command: String, environment: [String: String]) {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                .replacingOccurrences(of: "${IMAGE}", with: "mia-stitch:test").replacingOccurrences(of: "${SCENES}", with: "\(scenes)")
            let root = try #require(try Yams.compose(yaml: text))
            #expect(root["kind"]?.string == "Job")
            let spec = try #require(root["spec"])
            let container = try #require(spec["template"]?["spec"]?["containers"]?.array().first)
            #expect(container["command"]?.array().compactMap(\.string) == ["/bin/sh", "-c"])
            #expect(container["volumeMounts"]?.array().first?["mountPath"]?.string == "/shared")
            var environment: [String: String] = [:]
            for variable in container["env"]?.array() ?? [] {
                if let name = variable["name"]?.string, let value = variable["value"]?.string { environment[name] = value }
            }
            let map = { (text: String) in
                text.replacingOccurrences(of: "/tmp/", with: scratch.path("pod-")).replacingOccurrences(of: "/shared/", with: scratch.path("") + "/")
            }
            let command = try #require(container["args"]?.array().first?.string)
            return (spec, map(command), environment.mapValues(map))
        }
        let path = ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]

        let planJob = try job("plan-job.yaml", scenes: 0)
        let planned = try run("/bin/sh", ["-c", planJob.command],
                              environment: BatchTests.cleanEnvironment.merging(path.merging(planJob.environment) { $1 }) { $1 })
        #expect(planned.status == 0, "\(planned.stderr)")
        let scenes = try #require(Int(planned.stdout.split(separator: "\n").last ?? ""))
        #expect(scenes == 3)

        let scenesJob = try job("scenes-job.yaml", scenes: scenes)
        #expect(scenesJob.spec["completionMode"]?.string == "Indexed")
        #expect(scenesJob.spec["completions"]?.int == 3)
        let failIndex = scenesJob.spec["podFailurePolicy"]?["rules"]?.array().first
        #expect(failIndex?["action"]?.string == "FailIndex")
        #expect(failIndex?["onExitCodes"]?["values"]?.array().compactMap(\.int) == [64, 65])  // 75 is retried
        for index in 0..<scenes {
            let pod = try run("/bin/sh", ["-c", scenesJob.command], environment: BatchTests.cleanEnvironment.merging(
                path.merging(scenesJob.environment) { $1 }.merging(["JOB_COMPLETION_INDEX": "\(index)"]) { $1 }) { $1 })
            #expect(pod.status == 0, "\(pod.stderr)")
            #expect(pod.stderr.contains("[MIA:SCENE:COMPLETE] scene=\(index + 1) "), "\(pod.stderr)")
        }

        let stitchJob = try job("stitch-job.yaml", scenes: scenes)
        let stitched = try run("/bin/sh", ["-c", stitchJob.command], environment: BatchTests.cleanEnvironment.merging(path) { $1 })
        #expect(stitched.status == 0, "\(stitched.stderr)")
        #expect(stitched.stdout.hasPrefix("PASS \(scratch.path("video.mp4"))"))
    }
}
