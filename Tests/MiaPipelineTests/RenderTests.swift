import Foundation
import Testing
@testable import MiaPipeline

/// `render` end to end with the template generator, resume, render-scene and stitch --plan.
@Suite struct RenderTests {
    let script = """
    Scene 1: Welcome
    ON SCREEN: Welcome to the spring update
    VO: Here is everything new this spring.

    Scene 2: Faster search
    ON SCREEN: Search is twice as fast
    VO: Search now answers in half the time.

    Scene 3: Offline mode
    ON SCREEN: Works offline
    VO: Keep working on the train, on a plane, anywhere.

    Scene 4: Shared spaces
    ON SCREEN: Shared spaces for teams
    VO: Invite your team into shared spaces.

    Scene 5: Get it now
    ON SCREEN: Update today at example.com
    VO: Update today.
    """

    func orchestrator(_ scratch: Scratch, log: any EventSink = SilentLog()) throws -> RenderOrchestrator {
        RenderOrchestrator(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([]), log: log)
    }

    func options(overwrite: Bool = false) throws -> RenderOptions {
        RenderOptions(plan: PlanOptions(width: 640, height: 360, fps: 30), theme: try Theme.named("midnight"), overwrite: overwrite)
    }

    @Test func fiveTemplateScenesBecomeOneVerifiedVideoWithAChapterPerScene() async throws {
        let scratch = Scratch()
        let log = CollectingLog()
        let output = scratch.path("spring.mp4")
        let render = try orchestrator(scratch, log: log)
        let prepared = try await render.prepare(script: script, name: "spring.txt", output: output, options: try options())
        let outcome = try await render.execute(prepared, output: output, options: try options())

        #expect(outcome.scenes.count == 5)
        #expect(outcome.scenes.allSatisfy { $0.provider == .template && !$0.reused && $0.fallbackReason == nil })
        let planned = prepared.plan.scenes.reduce(0) { $0 + $1.seconds }
        #expect(abs(outcome.stitch.duration - planned) < 1.0 / 30)
        let report = Verifier(log: SilentLog()).verify([output])[0]
        #expect(report.passed, "\(report.problems)")
        #expect(abs((report.duration ?? 0) - planned) < 1.0 / 30)
        let chapters = try ffprobe(output, packets: false).chapters ?? []
        // One chapter a scene, named by its title (what a player's chapter list and `review` show).
        #expect(chapters.map(\.title) == prepared.plan.scenes.map(\.title))
        #expect(Set(chapters.compactMap(\.title)).count == 5)
        #expect(FileManager.default.fileExists(atPath: prepared.planPath))
        let scenesVerified = Verifier(log: SilentLog()).verify(outcome.scenes.map(\.clip), plan: prepared.plan)
        #expect(scenesVerified.filter { !$0.passed }.isEmpty, "\(scenesVerified.flatMap(\.problems))")

        let tags = log.events.map(\.tag)
        #expect(tags.first == "MIA:ANALYZE")
        #expect(tags.contains("MIA:ORCHESTRATE"))
        #expect(tags.filter { $0 == "MIA:SCENE:COMPLETE" }.count == 5)
        // The seed's lifecycle for template scenes too: each scene's CREATE comes before its COMPLETE.
        for scene in 1...5 {
            let ofScene = log.events.filter { $0["scene"] == .int(Int64(scene)) }.map(\.tag)
            let created = ofScene.firstIndex(of: "MIA:SCENE:CREATE"), completed = ofScene.firstIndex(of: "MIA:SCENE:COMPLETE")
            #expect(created != nil && completed != nil && created! < completed!, "scene \(scene): \(ofScene)")
        }
        #expect(tags.firstIndex(of: "MIA:ALL_SCENES_COMPLETE")! < tags.firstIndex(of: "MIA:STITCH:START")!)
        #expect(tags.last == "MIA:REVIEW")
        let stored = try #require(try JobStore(path: scratch.path("jobs.sqlite")).plan(id: prepared.plan.renderPlanId))
        #expect(stored.scenes.allSatisfy { $0.status == .complete })
    }

    @Test func aRerunReusesFinishedScenesAndRendersOnlyWhatIsMissing() async throws {
        let scratch = Scratch()
        let output = scratch.path("spring.mp4")
        let render = try orchestrator(scratch)
        // The first run ends (and lets go of its output) before the second starts, as two runs of the CLI do.
        let first: (folder: String, plan: RenderPlan) = try await {
            let prepared = try await render.prepare(script: script, name: "spring.txt", output: output, options: try options())
            _ = try await render.execute(prepared, output: output, options: try options())
            return (prepared.folder, prepared.plan)
        }()
        // A lost clip is rendered again; the others are reused as they are.
        let lost = first.folder + "/" + first.plan.scenes[2].output
        try FileManager.default.removeItem(atPath: lost)
        let before = try FileManager.default.attributesOfItem(atPath: first.folder + "/" + first.plan.scenes[0].output)[.modificationDate] as? Date

        let again = try await render.prepare(script: script, name: "spring.txt", output: output, options: try options(overwrite: true))
        #expect(again.plan == first.plan)
        let outcome = try await render.execute(again, output: output, options: try options(overwrite: true))
        #expect(outcome.scenes.map(\.reused) == [true, true, false, true, true])
        let after = try FileManager.default.attributesOfItem(atPath: first.folder + "/" + first.plan.scenes[0].output)[.modificationDate] as? Date
        #expect(before == after)
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)
    }

    @Test func anExistingOutputIsRefusedBeforeAnythingIsPlannedOrSpent() async throws {
        let scratch = Scratch()
        let output = scratch.path("taken.mp4")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: output))
        await #expect(throws: MiaError(file: output, "already exists (use --overwrite to replace it)")) {
            _ = try await orchestrator(scratch).prepare(script: script, name: "s.txt", output: output, options: try options())
        }
        #expect(scratch.contents == ["jobs.sqlite", "jobs.sqlite-shm", "jobs.sqlite-wal", "taken.mp4"].filter { scratch.contents.contains($0) })
        #expect(!scratch.contents.contains { $0.hasSuffix(".plan.json") })
    }

    @Test func renderSceneTakesItsIndexFromTheScheduler() throws {
        #expect(try SceneIndexResolution.resolve(explicit: 3, environment: [:], sceneCount: 5) == 3)
        #expect(try SceneIndexResolution.resolve(explicit: nil, environment: ["SLURM_ARRAY_TASK_ID": "2"], sceneCount: 5) == 2)
        #expect(try SceneIndexResolution.resolve(explicit: nil, environment: ["JOB_COMPLETION_INDEX": "0"], sceneCount: 5) == 1)
        #expect(try SceneIndexResolution.resolve(explicit: nil, environment: ["AWS_BATCH_JOB_ARRAY_INDEX": "4"], sceneCount: 5) == 5)
        #expect(throws: MiaError("scene 6 is not in the plan (it has scenes 1 to 5)")) {
            try SceneIndexResolution.resolve(explicit: nil, environment: ["AWS_BATCH_JOB_ARRAY_INDEX": "5"], sceneCount: 5)
        }
        #expect(throws: MiaError.self) { try SceneIndexResolution.resolve(explicit: nil, environment: [:], sceneCount: 5) }
        // An empty variable is not set; a variable that is not a number is an error, not a silent "no index".
        #expect(try SceneIndexResolution.resolve(explicit: nil, environment: ["JOB_COMPLETION_INDEX": "", "AWS_BATCH_JOB_ARRAY_INDEX": "2"],
                                                 sceneCount: 5) == 3)
        #expect(throws: MiaError("SLURM_ARRAY_TASK_ID is \"4_7\", not a whole number")) {
            try SceneIndexResolution.resolve(explicit: nil, environment: ["SLURM_ARRAY_TASK_ID": "4_7"], sceneCount: 5)
        }
    }

    @Test func planRenderSceneAndStitchPlanFromTheCommandLine() throws {
        let scratch = Scratch()
        let scriptFile = scratch.path("spring.txt")
        try script.write(toFile: scriptFile, atomically: true, encoding: .utf8)
        let environment = ["MIA_DB": scratch.path("jobs.sqlite"), "RUNWAYML_API_SECRET": "", "OPENAI_API_KEY": ""]
        let plan = scratch.path("spring.json")
        #expect(try run(Repo.cli, ["plan", scriptFile, "-o", plan, "--size", "320x180"], environment: environment).status == 0)
        // Render the scenes as a Kubernetes Indexed Job would: JOB_COMPLETION_INDEX 0…4.
        for index in 0..<5 {
            var taskEnvironment = environment
            taskEnvironment["JOB_COMPLETION_INDEX"] = String(index)
            let task = try run(Repo.cli, ["render-scene", "--plan", plan], environment: taskEnvironment)
            #expect(task.status == 0, "\(task.stderr)")
        }
        // A finished scene run again is a no-op.
        let again = try run(Repo.cli, ["render-scene", "--plan", plan, "--scene", "1"], environment: environment)
        #expect(again.stderr.contains("reused=true"))
        let output = scratch.path("spring.mp4")
        let stitched = try run(Repo.cli, ["stitch", "--plan", plan, "-o", output], environment: environment)
        #expect(stitched.status == 0, "\(stitched.stderr)")
        #expect(try run(Repo.cli, ["verify", "--plan", plan], environment: environment).status == 0)
        #expect(try run(Repo.cli, ["verify", output], environment: environment).status == 0)
    }
}
