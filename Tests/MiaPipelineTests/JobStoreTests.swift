import Foundation
import Crypto
import Testing
import GRDB
@testable import MiaPipeline

/// The job store's contract, on both backends (a SQLite file and a throwaway PostgreSQL cluster):
/// migrations, reopen, progress kept across re-recording, prefixes, concurrent readers. Then what is
/// particular to each: SQLite files written before this schema, PostgreSQL URLs and their errors.
@Suite struct JobStoreTests {
    @Test(arguments: StoreKind.allCases)
    func recordsPlansAndSceneJobsAndReadsThemBackAfterReopening(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        #expect(try test.store.appliedMigrations() == ["v1: plans and scene jobs", "v2: batch jobs", "workers: queue, leases, workers",
                                                       "speech: synthesized narration", "webhooks: queued URL and deliveries"])
        try test.store.record(samplePlan(), planPath: "/tmp/launch.json")
        let reopened = try test.open()
        #expect(try reopened.appliedMigrations() == JobStoreMigration.all.map(\.name))
        let plans = try reopened.plans()
        #expect(plans.count == 1)
        #expect(plans[0].plan.id == "plan-0123456789abcdef")
        #expect(plans[0].plan.planPath == "/tmp/launch.json")
        #expect(plans[0].plan.width == 1280 && plans[0].plan.fps == 30 && plans[0].plan.estimatedCost == 1.2)
        #expect(plans[0].scenes.map(\.sceneNumber) == [1, 2, 3])
        #expect(plans[0].scenes.map(\.status) == [.pending, .pending, .pending])
        #expect(plans[0].scenes[0].provider == .runway)
        #expect(plans[0].scenes[0].estimatedCost == 0.48)
        #expect(plans[0].scenes[0].outputPath == "launch-scenes/scene-01.mp4")
        #expect(plans[0].scenes[0].leaseOwner == nil)
        let decoded = try JSONDecoder().decode(RenderPlan.self, from: Data(plans[0].plan.planJson.utf8))
        #expect(decoded == samplePlan())
    }

    @Test(arguments: StoreKind.allCases)
    func recordingAgainKeepsSceneProgress(_ kind: StoreKind) throws {
        let test = try TestStore(kind)  // keeps the folder or cluster alive
        let store = test.store
        try store.record(samplePlan(), planPath: "a.json", now: Date(timeIntervalSince1970: 1_000))
        try store.updateScene(planId: "plan-0123456789abcdef", sceneNumber: 1, status: .submitted,
                              providerJobId: "task_42", attempts: 1)
        try store.updateScene(planId: "plan-0123456789abcdef", sceneNumber: 2, status: .complete, cost: 0)
        try store.record(samplePlan(), planPath: "b.json", now: Date(timeIntervalSince1970: 2_000))

        let stored = try #require(try store.plan(id: "plan-0123"))
        #expect(stored.plan.planPath == "b.json")
        #expect(stored.plan.createdAt == Date(timeIntervalSince1970: 1_000))
        #expect(stored.plan.updatedAt == Date(timeIntervalSince1970: 2_000))
        #expect(stored.scenes[0].status == .submitted)
        #expect(stored.scenes[0].providerJobId == "task_42")
        #expect(stored.scenes[0].attempts == 1)
        #expect(stored.scenes[1].status == .complete)
        #expect(stored.scenes[1].cost == 0)
        #expect(stored.completedScenes == 1)
        #expect(throws: MiaError.self) { try store.updateScene(planId: "plan-0123456789abcdef", sceneNumber: 9, status: .failed) }
    }

    @Test(arguments: StoreKind.allCases)
    func anErrorStaysWithAFailureAndClearsOnProgress(_ kind: StoreKind) throws {
        let test = try TestStore(kind)  // keeps the folder or cluster alive
        let store = test.store
        try store.record(samplePlan(), planPath: "a.json")
        let id = "plan-0123456789abcdef"
        try store.updateScene(planId: id, sceneNumber: 1, status: .failed, error: "SAFETY.INPUT.TEXT")
        try store.updateScene(planId: id, sceneNumber: 1, status: .failed)
        #expect(try store.plan(id: id)?.scenes[0].error == "SAFETY.INPUT.TEXT")
        try store.updateScene(planId: id, sceneNumber: 1, status: .rendering)
        #expect(try store.plan(id: id)?.scenes[0].error == nil)
        try store.updateScene(planId: id, sceneNumber: 1, status: .complete, cost: 0.48, error: "fell back to Template")
        let scene = try #require(try store.plan(id: id)?.scenes[0])
        #expect(scene.status == .complete && scene.error == "fell back to Template" && scene.cost == 0.48)
    }

    @Test(arguments: StoreKind.allCases)
    func findsPlansByUniquePrefixAndRefusesAmbiguousOnes(_ kind: StoreKind) throws {
        let test = try TestStore(kind)  // keeps the folder or cluster alive
        let store = test.store
        try store.record(samplePlan(id: "plan-aaaa1111"), planPath: "1.json")
        try store.record(samplePlan(id: "plan-aaaa2222"), planPath: "2.json")
        #expect(try store.plan(id: "plan-aaaa2")?.plan.id == "plan-aaaa2222")
        #expect(try store.plan(id: "plan-aaaa1111")?.scenes.count == 3)
        #expect(try store.plan(id: "plan-zzz") == nil)
        #expect(throws: MiaError("plan id plan-aaaa is ambiguous; give more of it")) { try store.plan(id: "plan-aaaa") }
        // Newest first.
        try store.updateScene(planId: "plan-aaaa1111", sceneNumber: 2, status: .complete, now: Date().addingTimeInterval(60))
        #expect(try store.plans().map(\.plan.id) == ["plan-aaaa1111", "plan-aaaa2222"])
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentReadersSeeConsistentPlansWhileAWriterRecords(_ kind: StoreKind) async throws {
        let test = try TestStore(kind)
        let writer = test.store
        let readers = try (0..<4).map { _ in try test.open() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<40 { try writer.record(samplePlan(id: "plan-\(i)", scenes: 5), planPath: "\(i).json") }
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

    /// A store made by the first release (GRDB's schema builder, migration "v1" only) opens, keeps its
    /// rows, and gains the workers' tables.
    @Test func aSQLiteStoreFromTheFirstReleaseIsUpgradedInPlace() throws {
        let scratch = Scratch()
        let path = scratch.path("jobs.sqlite")
        do {
            let database = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1: plans and scene jobs") { db in
                try db.create(table: "plans") { t in
                    t.primaryKey("id", .text)
                    for column in ["script_hash", "script", "plan_path"] { t.column(column, .text).notNull() }
                    t.column("scene_count", .integer).notNull()
                    t.column("total_seconds", .double).notNull()
                    t.column("estimated_cost", .double).notNull()
                    for column in ["width", "height", "fps"] { t.column(column, .integer).notNull() }
                    t.column("plan_json", .text).notNull()
                    t.column("created_at", .datetime).notNull()
                    t.column("updated_at", .datetime).notNull()
                }
                try db.create(table: "scene_jobs") { t in
                    t.column("plan_id", .text).notNull().references("plans", onDelete: .cascade)
                    t.column("scene_number", .integer).notNull()
                    for column in ["title", "provider", "model", "status"] { t.column(column, .text).notNull() }
                    t.column("provider_job_id", .text)
                    t.column("attempts", .integer).notNull().defaults(to: 0)
                    t.column("seconds", .double).notNull()
                    t.column("estimated_cost", .double).notNull()
                    t.column("cost", .double)
                    t.column("output_path", .text).notNull()
                    t.column("error", .text)
                    t.column("created_at", .datetime).notNull()
                    t.column("updated_at", .datetime).notNull()
                    t.primaryKey(["plan_id", "scene_number"])
                }
                try db.create(index: "scene_jobs_by_status", on: "scene_jobs", columns: ["status"])
            }
            try migrator.migrate(database)
            let json = String(decoding: try samplePlan().json(), as: UTF8.self)
            try database.write { db in
                try db.execute(sql: """
                    INSERT INTO plans VALUES ('plan-0123456789abcdef', 'h', 'launch.txt', 'old.json', 3, 12, 1.2, 1280, 720, 30, ?, ?, ?)
                    """, arguments: [json, Date(timeIntervalSince1970: 1_000), Date(timeIntervalSince1970: 1_000)])
                try db.execute(sql: """
                    INSERT INTO scene_jobs VALUES ('plan-0123456789abcdef', 1, 'Scene 1', 'runway', 'gen4.5', 'submitted', 'task_7', 1,
                                                   4, 0.48, NULL, 'launch-scenes/scene-01.mp4', NULL, ?, ?)
                    """, arguments: [Date(timeIntervalSince1970: 1_000), Date(timeIntervalSince1970: 1_000)])
            }
        }
        let store = try JobStore(path: path)
        #expect(try store.appliedMigrations() == JobStoreMigration.all.map(\.name))
        let stored = try #require(try store.plan(id: "plan-0123456789abcdef"))
        #expect(stored.plan.createdAt == Date(timeIntervalSince1970: 1_000))
        #expect(stored.scenes.map(\.providerJobId) == ["task_7"])
        try store.record(samplePlan(), planPath: "new.json")
        #expect(try store.plan(id: "plan-0123456789abcdef")?.scenes.map(\.status) == [.submitted, .pending, .pending])
    }

    @Test(arguments: StoreKind.allCases)
    func batchJobsAreRecordedKeepingWhatARerunDoesNotSay(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = test.store
        try store.record(samplePlan(), planPath: "a.json")
        let job = BatchJob(number: 1, line: 2, script: "/m/a.txt", output: "/m/a.mp4", settings: BatchJobSettings())
        try store.recordBatchJob(manifest: "/m/batch.yaml", job: job, status: .rendered, planId: "plan-0123456789abcdef",
                                 rendered: true, cost: 0.48, elapsed: 3)
        try store.recordBatchJob(manifest: "/m/batch.yaml", job: job, status: .reused, elapsed: 0.1)
        let recorded = try test.open().batchJobs(manifest: "/m/batch.yaml")
        #expect(recorded.count == 1)
        #expect(recorded[0].status == .reused && recorded[0].renders == 1 && recorded[0].cost == 0.48 && recorded[0].elapsed == 0.1)
        #expect(recorded[0].planId == "plan-0123456789abcdef" && recorded[0].jobNumber == 1 && recorded[0].script == "/m/a.txt")
        #expect(try store.batchJobs(manifest: "/m/other.yaml").isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func aStatusOrProviderThisVersionDoesNotKnowIsAClearErrorNotACrash(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = test.store
        try store.record(samplePlan(), planPath: "a.json")
        let job = BatchJob(number: 1, line: 2, script: "/m/a.txt", output: "/m/a.mp4", settings: BatchJobSettings())
        try store.recordBatchJob(manifest: "/m/batch.yaml", job: job, status: .rendered)
        func unknown(_ column: String, _ value: String) -> MiaError {
            MiaError("job store error: \(column) holds \"\(value)\", which this version of mia-stitch does not know "
                     + "(a newer version may have written it)")
        }
        // A newer mia-stitch sharing the store may write values this one has no case for.
        try store.backend.transaction { try $0.execute("UPDATE scene_jobs SET status = 'paused' WHERE scene_number = 2", []) }
        #expect(throws: unknown("scene_jobs.status", "paused")) { try store.plans() }
        #expect(throws: unknown("scene_jobs.status", "paused")) { try store.plan(id: "plan-0123456789abcdef") }
        try store.backend.transaction {
            try $0.execute("UPDATE scene_jobs SET status = 'pending', provider = 'pika' WHERE scene_number = 2", [])
        }
        #expect(throws: unknown("scene_jobs.provider", "pika")) { try store.plans() }
        try store.backend.transaction { try $0.execute("UPDATE batch_jobs SET status = 'paused'", []) }
        #expect(throws: unknown("batch_jobs.status", "paused")) { try store.batchJobs(manifest: "/m/batch.yaml") }
    }

    @Test func aPostgresURLIsReadAndNeverShownWithItsPassword() throws {
        let url = try PostgresURL("postgresql://mia:s3cret@db.example:6543/farm?sslmode=require", environment: [:])
        #expect(url.user == "mia" && url.password == "s3cret" && url.host == "db.example" && url.port == 6543)
        #expect(url.database == "farm" && url.sslMode == "require")
        #expect(url.redacted == "postgres://mia@db.example:6543/farm?sslmode=require")
        let defaults = try PostgresURL("postgres://localhost", environment: ["PGUSER": "render", "PGPASSWORD": "pw"])
        #expect(defaults.user == "render" && defaults.password == "pw" && defaults.port == 5432 && defaults.database == "render")
        #expect(throws: MiaError(file: "postgres://mia@h/db?sslmode=allow", "sslmode allow is not supported (disable, prefer, require or verify-full)")) {
            try PostgresURL("postgres://mia:pw@h/db?sslmode=allow")
        }
        #expect(PostgresBackend.numberedPlaceholders("SELECT ? WHERE a = '?' AND b IN (?, ?)") == "SELECT $1 WHERE a = '?' AND b IN ($2, $3)")
    }

    @Test func anUnreachablePostgresIsOneLineNamingTheURLWithoutItsPassword() throws {
        // Port 1 on loopback: nothing listens there.
        #expect(throws: MiaError(file: "postgres://mia@127.0.0.1:1/jobs", "cannot open the job store: connection refused", retryable: true)) {
            try JobStore(path: "postgres://mia:hunter2@127.0.0.1:1/jobs")
        }
    }

    @Test func aMissingPostgresDatabaseIsNamedByTheServer() throws {
        let cluster = try PostgresCluster()
        let missing = cluster.url.replacingOccurrences(of: "/postgres", with: "/nosuchdb")
        #expect(throws: MiaError(file: missing, "cannot open the job store: database \"nosuchdb\" does not exist")) {
            try JobStore(path: missing)
        }
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
        // A plan id is the first 16 hex digits of its identity's digest (RenderPlanner): pinned, so a change
        // of hashing library can never renumber the plans already in users' stores.
        #expect("plan-" + SHA256.hex("script-hash|1280x720|30|template|-|-|150.0|16:9").prefix(16) == "plan-cd26f8776e76281e")
    }
}
