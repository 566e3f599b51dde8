import Foundation
import Testing
@testable import MiaPipeline

/// The work queue on both backends: claims under leases, renewal, takeover after expiry with the
/// provider job kept, exactly one stitcher per plan, and many concurrent claimers never sharing a scene.
/// Tests that wait for a lease are synchronous (`Thread.sleep`): an async test's wake-ups can be late by
/// more than a lease while the rest of the suite keeps every thread busy.
@Suite struct WorkQueueTests {
    static let render = QueuedRender(output: "/farm/launch.mp4", theme: "midnight", fallback: true, overwrite: false)

    func queued(_ kind: StoreKind, plans: [String] = ["plan-a"], scenes: Int = 3) throws -> TestStore {
        let test = try TestStore(kind)
        for id in plans {
            try test.store.record(samplePlan(id: id, scenes: scenes), planPath: "/farm/\(id).plan.json")
            try test.store.enqueue(planId: id, render: Self.render)
        }
        return test
    }

    /// Claims until one is handed out, however long the lease takes to run out.
    func claimWhenFree(_ store: JobStore, worker: String) throws -> ClaimedScene {
        while true {
            if let claim = try store.claimScene(worker: worker, leaseSeconds: 30) { return claim }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func eachSceneIsHandedOutOnceWhileItsLeaseLives(_ kind: StoreKind) throws {
        let test = try queued(kind)
        let store = test.store
        // Plans recorded but not submitted are never handed to workers.
        try store.record(samplePlan(id: "plan-local", scenes: 2), planPath: "/farm/local.json")

        let claims = try (0..<3).map { _ in try #require(try store.claimScene(worker: "host:1:a", leaseSeconds: 30)) }
        #expect(claims.map(\.job.sceneNumber) == [1, 2, 3])
        #expect(claims.allSatisfy { $0.plan.renderPlanId == "plan-a" && $0.planPath == "/farm/plan-a.plan.json" && $0.render == Self.render })
        #expect(claims.allSatisfy { $0.previousOwner == nil })
        #expect(try store.claimScene(worker: "host:2:b", leaseSeconds: 30) == nil)
        let stored = try #require(try store.plan(id: "plan-a"))
        #expect(stored.scenes.allSatisfy { $0.status == .queued && $0.leaseOwner == "host:1:a" })
        #expect(try store.plan(id: "plan-local")?.scenes.map(\.status) == [.pending, .pending])

        // Given back, a scene is free again.
        try store.releaseScene(planId: "plan-a", sceneNumber: 2, worker: "host:1:a")
        #expect(try store.claimScene(worker: "host:2:b", leaseSeconds: 30)?.job.sceneNumber == 2)
        // Only the holder can give a lease back.
        try store.releaseScene(planId: "plan-a", sceneNumber: 3, worker: "host:2:b")
        #expect(try store.plan(id: "plan-a")?.scenes[2].leaseOwner == "host:1:a")
        // Complete scenes are not handed out again.
        try store.updateScene(planId: "plan-a", sceneNumber: 1, status: .complete)
        try store.releaseScene(planId: "plan-a", sceneNumber: 1, worker: "host:1:a")
        #expect(try store.claimScene(worker: "host:2:b", leaseSeconds: 30) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func anExpiredLeaseIsTakenOverWithTheRecordedProviderJob(_ kind: StoreKind) throws {
        let test = try queued(kind, scenes: 1)
        let store = test.store
        let dead = try #require(try store.claimScene(worker: "host:1:dead", leaseSeconds: 2))
        #expect(dead.providerJobId == nil)
        try store.updateScene(planId: "plan-a", sceneNumber: 1, status: .submitted, providerJobId: "task_1", attempts: 1)
        // Still leased: nobody else gets it.
        let other = try test.open()
        #expect(try other.claimScene(worker: "host:2:live", leaseSeconds: 30) == nil)

        // The first worker stops renewing (it died); once the lease runs out the scene moves, job id and all.
        let takeover = try claimWhenFree(other, worker: "host:2:live")
        #expect(takeover.job.sceneNumber == 1)
        #expect(takeover.previousOwner == "host:1:dead")
        #expect(takeover.providerJobId == "task_1")
        #expect(try store.plan(id: "plan-a")?.scenes[0].leaseOwner == "host:2:live")
        // The old holder, if it was only stalled, learns it holds nothing any more.
        #expect(try store.renewLeases(worker: "host:1:dead", leaseSeconds: 30) == 0)
        #expect(try store.renewLeases(worker: "host:2:live", leaseSeconds: 30) == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func renewingKeepsTheLeaseAndStoppingLetsItGo(_ kind: StoreKind) throws {
        let test = try queued(kind, scenes: 1)
        let holder = test.store
        let other = try test.open()
        _ = try #require(try holder.claimScene(worker: "host:1:a", leaseSeconds: 2))
        // Renewed every eighth of the lease for three lease lengths: never free meanwhile.
        for _ in 0..<24 {
            Thread.sleep(forTimeInterval: 0.25)
            #expect(try holder.renewLeases(worker: "host:1:a", leaseSeconds: 2) == 1)
            #expect(try other.claimScene(worker: "host:2:b", leaseSeconds: 30) == nil)
        }
        let taken = try claimWhenFree(other, worker: "host:2:b")
        #expect(taken.previousOwner == "host:1:a")
    }

    @Test(arguments: StoreKind.allCases)
    func exactlyOneWorkerStitchesAPlanOnceItsScenesAreComplete(_ kind: StoreKind) async throws {
        let test = try queued(kind, plans: ["plan-a", "plan-b"], scenes: 2)
        let store = test.store
        #expect(try store.claimStitch(worker: "host:1:a", leaseSeconds: 30) == nil)
        for scene in 1...2 { try store.updateScene(planId: "plan-a", sceneNumber: scene, status: .complete) }
        try store.updateScene(planId: "plan-b", sceneNumber: 1, status: .complete)

        // Eight workers, each with its own connection, race for the stitch.
        let workers = try (0..<8).map { _ in try test.open() }
        let winners = try await withThrowingTaskGroup(of: String?.self) { group in
            for (index, worker) in workers.enumerated() {
                group.addTask { try worker.claimStitch(worker: "host:\(index):w", leaseSeconds: 30)?.plan.renderPlanId }
            }
            return try await group.reduce(into: [String]()) { if let plan = $1 { $0.append(plan) } }
        }
        #expect(winners == ["plan-a"])
        var snapshot = try store.queueSnapshot()
        #expect(snapshot.plans.first { $0.id == "plan-a" }?.status == .stitching)
        let stitcher = try #require(snapshot.plans.first { $0.id == "plan-a" }?.stitchOwner)

        try store.finishStitch(planId: "plan-a", worker: stitcher, error: nil)
        snapshot = try store.queueSnapshot()
        let planA = try #require(snapshot.plans.first { $0.id == "plan-a" })
        #expect(planA.status == .stitched && planA.stitchOwner == nil && planA.stitchedAt != nil && planA.completeScenes == 2)
        #expect(try store.claimStitch(worker: "host:9:z", leaseSeconds: 30) == nil)
        #expect(try store.hasUnfinishedQueuedWork())  // plan-b still has a scene to render
    }

    @Test(arguments: StoreKind.allCases)
    func aStitcherThatDiesIsReplacedAndTheRetakeMayReplaceItsOutput(_ kind: StoreKind) throws {
        let test = try queued(kind, scenes: 1)
        let store = test.store
        try store.updateScene(planId: "plan-a", sceneNumber: 1, status: .complete)
        let first = try #require(try store.claimStitch(worker: "host:1:dead", leaseSeconds: 1))
        #expect(!first.isRetake)
        var retake: ClaimedStitch?
        while retake == nil {
            Thread.sleep(forTimeInterval: 0.1)
            retake = try store.claimStitch(worker: "host:2:live", leaseSeconds: 30)
        }
        #expect(retake?.isRetake == true)
        // The dead stitcher cannot record an outcome any more; the live one can.
        try store.finishStitch(planId: "plan-a", worker: "host:1:dead", error: "late")
        #expect(try store.queueSnapshot().plans[0].status == .stitching)
        try store.finishStitch(planId: "plan-a", worker: "host:2:live", error: nil)
        #expect(try store.queueSnapshot().plans[0].status == .stitched)
        #expect(!(try store.hasUnfinishedQueuedWork()))
    }

    @Test(arguments: StoreKind.allCases)
    func manyConcurrentClaimersNeverShareAScene(_ kind: StoreKind) async throws {
        let test = try queued(kind, plans: ["plan-a", "plan-b", "plan-c"], scenes: 10)
        let claimers = try (0..<6).map { _ in try test.open() }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for (index, claimer) in claimers.enumerated() {
                group.addTask {
                    var mine: [String] = []
                    while let claim = try claimer.claimScene(worker: "host:\(index):c", leaseSeconds: 30) {
                        mine.append("\(claim.plan.renderPlanId)/\(claim.job.sceneNumber)")
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claimed.count == 30)
        #expect(Set(claimed).count == 30)
    }

    @Test(arguments: StoreKind.allCases)
    func aFailedSceneTakesItsPlanOutOfTheQueueAndResubmittingRetriesIt(_ kind: StoreKind) throws {
        let test = try queued(kind, scenes: 2)
        let store = test.store
        try store.updateScene(planId: "plan-a", sceneNumber: 1, status: .failed, error: "SAFETY")
        try store.failQueuedPlan(planId: "plan-a", error: "scene 1: SAFETY")
        #expect(try store.claimScene(worker: "host:1:a", leaseSeconds: 30) == nil)
        #expect(try store.queueSnapshot().plans[0].error == "scene 1: SAFETY")
        #expect(!(try store.hasUnfinishedQueuedWork()))

        try store.enqueue(planId: "plan-a", render: Self.render)
        #expect(try store.queueSnapshot().plans[0].status == .queued)
        #expect(try store.plan(id: "plan-a")?.scenes.map(\.status) == [.queued, .queued])
        #expect(try store.claimScene(worker: "host:1:a", leaseSeconds: 30)?.job.sceneNumber == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func workersAreListedWithTheirHeartbeats(_ kind: StoreKind) throws {
        let test = try queued(kind, scenes: 1)
        let store = test.store
        try store.registerWorker(id: "host:1:a", host: "host", pid: 1)
        _ = try store.claimScene(worker: "host:1:a", leaseSeconds: 30)
        try store.updateWorker(id: "host:1:a", state: "rendering", current: "plan-a scene 1")
        var snapshot = try store.queueSnapshot()
        #expect(snapshot.workers.map(\.id) == ["host:1:a"])
        #expect(snapshot.workers[0].state == "rendering" && snapshot.workers[0].current == "plan-a scene 1")
        #expect(snapshot.leases.map(\.owner) == ["host:1:a"])
        #expect(snapshot.leases[0].expiresAt > snapshot.takenAt)
        try store.updateScene(planId: "plan-a", sceneNumber: 1, status: .complete)
        try store.releaseScene(planId: "plan-a", sceneNumber: 1, worker: "host:1:a")
        try store.updateWorker(id: "host:1:a", state: "idle", current: nil, scenesRendered: 1)
        snapshot = try store.queueSnapshot()
        #expect(snapshot.leases.isEmpty)
        #expect(snapshot.workers[0].scenesRendered == 1 && snapshot.workers[0].current == nil)
    }
}
