import Foundation
import Testing
import GRDB
@testable import MiaPipeline

/// The SQLite job store: a real database file, migrations, reopen, concurrent readers.
@Suite struct JobStoreTests {
    func samplePlan(id: String = "plan-0123456789abcdef", scenes: Int = 3) -> RenderPlan {
        RenderPlan(renderPlanId: id, scriptHash: SHA256.hex("script"), script: "launch.txt", format: .headings,
                   target: TargetFormat(width: 1280, height: 720, fps: 30), budget: 5, targetDuration: nil,
                   estimatedCost: 1.2, totalSeconds: 12, outputDirectory: "launch-scenes", warnings: [],
                   scenes: (1...scenes).map { n in
                       SceneJob(sceneNumber: n, title: "Scene \(n)", provider: n == 1 ? .runway : .template,
                                model: n == 1 ? "gen4.5" : "template", seconds: 4, prompt: "p\(n)", narration: "", onScreenText: "",
                                output: "launch-scenes/scene-0\(n).mp4", status: .pending, estimatedCost: n == 1 ? 0.48 : 0,
                                reason: "r")
                   })
    }

    @Test func recordsPlansAndSceneJobsAndReadsThemBackAfterReopening() throws {
        let scratch = Scratch()
        let path = scratch.path("nested/folder/jobs.sqlite")
        do {
            let store = try JobStore(path: path)
            #expect(try store.appliedMigrations() == ["v1: plans and scene jobs", "v2: batch jobs"])
            try store.record(samplePlan(), planPath: "/tmp/launch.json")
        }
        let reopened = try JobStore(path: path)
        let plans = try reopened.plans()
        #expect(plans.count == 1)
        #expect(plans[0].plan.id == "plan-0123456789abcdef")
        #expect(plans[0].plan.planPath == "/tmp/launch.json")
        #expect(plans[0].scenes.map(\.sceneNumber) == [1, 2, 3])
        #expect(plans[0].scenes.map(\.status) == ["pending", "pending", "pending"])
        #expect(plans[0].scenes[0].provider == "runway")
        #expect(plans[0].scenes[0].outputPath == "launch-scenes/scene-01.mp4")
        let decoded = try JSONDecoder().decode(RenderPlan.self, from: Data(plans[0].plan.planJson.utf8))
        #expect(decoded == samplePlan())
    }

    @Test func aStoreFromBeforeBatchesIsUpgradedKeepingItsPlans() throws {
        let scratch = Scratch()
        let path = scratch.path("jobs.sqlite")
        do {
            // The store as the first release made it: v1 only, with a plan in it.
            let old = try DatabaseQueue(path: path)
            try JobStore.migrator.migrate(old, upTo: "v1: plans and scene jobs")
        }
        do {
            let store = try JobStore(path: path)
            try store.record(samplePlan(), planPath: "a.json")
        }
        let upgraded = try JobStore(path: path)
        #expect(try upgraded.appliedMigrations() == ["v1: plans and scene jobs", "v2: batch jobs"])
        #expect(try upgraded.plans().map(\.plan.id) == ["plan-0123456789abcdef"])
        let job = BatchJob(number: 1, line: 2, script: "/m/a.txt", output: "/m/a.mp4", settings: BatchJobSettings())
        try upgraded.recordBatchJob(manifest: "/m/batch.yaml", job: job, status: .rendered, planId: "plan-0123456789abcdef",
                                    rendered: true, cost: 0.48, elapsed: 3)
        try upgraded.recordBatchJob(manifest: "/m/batch.yaml", job: job, status: .reused, elapsed: 0.1)
        let recorded = try upgraded.batchJobs(manifest: "/m/batch.yaml")
        #expect(recorded.count == 1)
        #expect(recorded[0].status == "reused" && recorded[0].renders == 1 && recorded[0].cost == 0.48)
        #expect(recorded[0].planId == "plan-0123456789abcdef")
    }

    @Test func recordingAgainKeepsSceneProgress() throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        try store.record(samplePlan(), planPath: "a.json", now: Date(timeIntervalSince1970: 1_000))
        try store.updateScene(planId: "plan-0123456789abcdef", sceneNumber: 1, status: .submitted,
                              providerJobId: "task_42", attempts: 1)
        try store.updateScene(planId: "plan-0123456789abcdef", sceneNumber: 2, status: .complete, cost: 0)
        try store.record(samplePlan(), planPath: "b.json", now: Date(timeIntervalSince1970: 2_000))

        let stored = try #require(try store.plan(id: "plan-0123"))
        #expect(stored.plan.planPath == "b.json")
        #expect(stored.plan.createdAt == Date(timeIntervalSince1970: 1_000))
        #expect(stored.scenes[0].status == "submitted")
        #expect(stored.scenes[0].providerJobId == "task_42")
        #expect(stored.scenes[0].attempts == 1)
        #expect(stored.scenes[1].status == "complete")
        #expect(stored.completedScenes == 1)
        #expect(throws: MiaError.self) { try store.updateScene(planId: "plan-0123456789abcdef", sceneNumber: 9, status: .failed) }
    }

    @Test func findsPlansByUniquePrefixAndRefusesAmbiguousOnes() throws {
        let scratch = Scratch()
        let store = try JobStore(path: scratch.path("jobs.sqlite"))
        try store.record(samplePlan(id: "plan-aaaa1111"), planPath: "1.json")
        try store.record(samplePlan(id: "plan-aaaa2222"), planPath: "2.json")
        #expect(try store.plan(id: "plan-aaaa2")?.plan.id == "plan-aaaa2222")
        #expect(try store.plan(id: "plan-zzz") == nil)
        #expect(throws: MiaError("plan id plan-aaaa is ambiguous; give more of it")) { try store.plan(id: "plan-aaaa") }
    }

    @Test func concurrentReadersSeeConsistentPlansWhileAWriterRecords() async throws {
        let scratch = Scratch()
        let path = scratch.path("jobs.sqlite")
        let writer = try JobStore(path: path)
        let readers = try (0..<4).map { _ in try JobStore(path: path) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<40 { try writer.record(self.samplePlan(id: "plan-\(i)", scenes: 5), planPath: "\(i).json") }
            }
            for reader in readers {
                group.addTask {
                    for _ in 0..<40 {
                        // Every plan a reader sees is whole: a plan row and all five of its scene jobs.
                        for stored in try reader.plans() { #expect(stored.scenes.count == 5) }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try writer.plans().count == 40)
    }

    @Test func aFileThatIsNotADatabaseGetsAClearError() throws {
        let scratch = Scratch()
        let path = scratch.path("jobs.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: MiaError(file: path, "cannot open the job store: file is not a database")) { try JobStore(path: path) }
    }

    @Test func defaultPathFollowsMiaDBThenXDG() {
        #expect(JobStore.defaultPath(["MIA_DB": "/x/jobs.db"]) == "/x/jobs.db")
        #expect(JobStore.defaultPath(["XDG_DATA_HOME": "/data"]) == "/data/mia-stitch/jobs.sqlite")
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
