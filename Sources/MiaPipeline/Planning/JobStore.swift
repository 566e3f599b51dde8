import Foundation
import GRDB

/// The audit trail of plans and scene jobs: a SQLite database (WAL mode, so readers never block
/// the writer). Schema changes go through `JobStore.migrator`.
public final class JobStore: Sendable {
    public let path: String
    private let database: DatabasePool

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    /// - Throws: `MiaError` naming the file when it cannot be opened or is not a job store.
    public init(path: String) throws {
        self.path = path
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)  // other processes (render farms) may be writing
            database = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch let error as DatabaseError {
            throw MiaError(file: path, "cannot open the job store: \(error.message ?? "\(error.resultCode)")")
        } catch {
            throw MiaError(file: path, "cannot open the job store: \(error.localizedDescription)")
        }
    }

    /// `MIA_DB` if set, else the user's data folder (`$XDG_DATA_HOME` or `~/.local/share`).
    public static func defaultPath(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let chosen = environment["MIA_DB"], !chosen.isEmpty { return chosen }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share").path
        return URL(fileURLWithPath: data).appendingPathComponent("mia-stitch/jobs.sqlite").path
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: plans and scene jobs") { db in
            try db.create(table: "plans") { t in
                t.primaryKey("id", .text)
                t.column("script_hash", .text).notNull()
                t.column("script", .text).notNull()
                t.column("plan_path", .text).notNull()
                t.column("scene_count", .integer).notNull()
                t.column("total_seconds", .double).notNull()
                t.column("estimated_cost", .double).notNull()
                t.column("width", .integer).notNull()
                t.column("height", .integer).notNull()
                t.column("fps", .integer).notNull()
                t.column("plan_json", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
            }
            try db.create(table: "scene_jobs") { t in
                t.column("plan_id", .text).notNull().references("plans", onDelete: .cascade)
                t.column("scene_number", .integer).notNull()
                t.column("title", .text).notNull()
                t.column("provider", .text).notNull()
                t.column("model", .text).notNull()
                t.column("status", .text).notNull()
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
        migrator.registerMigration("v2: batch jobs") { db in
            // One row per manifest job (keyed by the manifest and the job's output), so a rerun knows what
            // it finished and how many times each job was rendered.
            try db.create(table: "batch_jobs") { t in
                t.column("manifest", .text).notNull()
                t.column("output", .text).notNull()
                t.column("job_number", .integer).notNull()
                t.column("script", .text).notNull()
                t.column("plan_id", .text)
                t.column("status", .text).notNull()
                t.column("renders", .integer).notNull().defaults(to: 0)
                t.column("cost", .double)
                t.column("elapsed", .double)
                t.column("error", .text)
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.primaryKey(["manifest", "output"])
            }
        }
        return migrator
    }

    /// Records a plan and its scene jobs. Recording the same plan again refreshes the plan row
    /// and keeps every scene job's progress (status, provider job id, attempts, cost).
    /// - Parameter planPath: where the plan file was written.
    public func record(_ plan: RenderPlan, planPath: String, now: Date = Date()) throws {
        let json = String(decoding: try plan.json(), as: UTF8.self)
        try write { db in
            let existing = try PlanRecord.fetchOne(db, key: plan.renderPlanId)
            try PlanRecord(id: plan.renderPlanId, scriptHash: plan.scriptHash, script: plan.script, planPath: planPath,
                           sceneCount: plan.scenes.count, totalSeconds: plan.totalSeconds, estimatedCost: plan.estimatedCost,
                           width: plan.target.width, height: plan.target.height, fps: plan.target.fps, planJson: json,
                           createdAt: existing?.createdAt ?? now, updatedAt: now).save(db)
            for job in plan.scenes {
                try SceneJobRecord(planId: plan.renderPlanId, sceneNumber: job.sceneNumber, title: job.title,
                                   provider: job.provider.rawValue, model: job.model, status: job.status.rawValue,
                                   providerJobId: nil, attempts: 0, seconds: job.seconds, estimatedCost: job.estimatedCost,
                                   cost: nil, outputPath: job.output, error: nil, createdAt: now, updatedAt: now)
                    .insert(db, onConflict: .ignore)
            }
        }
    }

    /// Records progress of one scene job. Fields left nil keep their stored value.
    /// - Throws: `MiaError` when the scene job is not in the store.
    public func updateScene(planId: String, sceneNumber: Int, status: JobStatus, providerJobId: String? = nil,
                            attempts: Int? = nil, cost: Double? = nil, error: String? = nil, now: Date = Date()) throws {
        try write { db in
            guard var job = try SceneJobRecord.fetchOne(db, key: ["plan_id": planId, "scene_number": sceneNumber]) else {
                throw MiaError(file: path, "no scene \(sceneNumber) in plan \(planId)")
            }
            job.status = status.rawValue
            if let providerJobId { job.providerJobId = providerJobId }
            if let attempts { job.attempts = attempts }
            if let cost { job.cost = cost }
            job.error = error ?? (status == .failed ? job.error : nil)
            job.updatedAt = now
            try job.update(db)
            try db.execute(sql: "UPDATE plans SET updated_at = ? WHERE id = ?", arguments: [now, planId])
        }
    }

    /// Records a batch job's state. `rendered` counts one more render of it (not a reuse of its finished video).
    /// Fields left nil keep their stored value.
    public func recordBatchJob(manifest: String, job: BatchJob, status: BatchJobStatus, planId: String? = nil,
                               rendered: Bool = false, cost: Double? = nil, elapsed: Double? = nil, error: String? = nil,
                               now: Date = Date()) throws {
        try write { db in
            let existing = try BatchJobRecord.fetchOne(db, key: ["manifest": manifest, "output": job.output])
            try BatchJobRecord(manifest: manifest, output: job.output, jobNumber: job.number, script: job.script,
                               planId: planId ?? existing?.planId, status: status.rawValue,
                               renders: (existing?.renders ?? 0) + (rendered ? 1 : 0), cost: cost ?? existing?.cost,
                               elapsed: elapsed ?? existing?.elapsed, error: error,
                               createdAt: existing?.createdAt ?? now, updatedAt: now).save(db)
        }
    }

    /// The jobs recorded for a manifest (its absolute path), in manifest order.
    public func batchJobs(manifest: String) throws -> [BatchJobRecord] {
        try read { db in
            try BatchJobRecord.filter(Column("manifest") == manifest).order(Column("job_number")).fetchAll(db)
        }
    }

    /// Every recorded plan, newest first.
    public func plans() throws -> [StoredPlan] {
        try read { db in
            let plans = try PlanRecord.order(Column("updated_at").desc, Column("id")).fetchAll(db)
            return try plans.map { try StoredPlan(plan: $0, scenes: Self.scenes(of: $0.id, db)) }
        }
    }

    /// One plan by id, or by a unique prefix of it.
    public func plan(id: String) throws -> StoredPlan? {
        try read { db in
            let matches = try PlanRecord.filter(Column("id").like(id.replacingOccurrences(of: "%", with: "") + "%"))
                .limit(2).fetchAll(db)
            guard let plan = matches.first(where: { $0.id == id }) ?? (matches.count == 1 ? matches[0] : nil) else {
                if matches.count > 1 { throw MiaError("plan id \(id) is ambiguous; give more of it") }
                return nil
            }
            return try StoredPlan(plan: plan, scenes: Self.scenes(of: plan.id, db))
        }
    }

    private static func scenes(of planId: String, _ db: Database) throws -> [SceneJobRecord] {
        try SceneJobRecord.filter(Column("plan_id") == planId).order(Column("scene_number")).fetchAll(db)
    }

    /// The schema migrations applied to this store, in order.
    public func appliedMigrations() throws -> [String] {
        try read { db in try Self.migrator.appliedMigrations(db) }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch let error as DatabaseError { throw storeError(error) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch let error as DatabaseError { throw storeError(error) }
    }

    private func storeError(_ error: DatabaseError) -> MiaError {
        // Another process holding the database too long is worth another try; anything else is not.
        MiaError(file: path, "job store error: \(error.message ?? "\(error.resultCode)")",
                 retryable: [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode))
    }
}

/// A recorded plan with its scene jobs' progress.
public struct StoredPlan: Sendable {
    public let plan: PlanRecord
    public let scenes: [SceneJobRecord]

    public var completedScenes: Int { scenes.filter { $0.status == JobStatus.complete.rawValue }.count }
}

/// A row of `plans`.
public struct PlanRecord: Sendable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "plans"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: String
    public var scriptHash: String
    public var script: String
    public var planPath: String
    public var sceneCount: Int
    public var totalSeconds: Double
    public var estimatedCost: Double
    public var width: Int
    public var height: Int
    public var fps: Int
    public var planJson: String
    public var createdAt: Date
    public var updatedAt: Date
}

/// A row of `scene_jobs`: one scene's render and what it cost.
public struct SceneJobRecord: Sendable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "scene_jobs"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var planId: String
    public var sceneNumber: Int
    public var title: String
    public var provider: String
    public var model: String
    public var status: String
    public var providerJobId: String?
    public var attempts: Int
    public var seconds: Double
    public var estimatedCost: Double
    public var cost: Double?
    public var outputPath: String
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date
}

/// A row of `batch_jobs`: one manifest job, its plan, and how it last ended.
public struct BatchJobRecord: Sendable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "batch_jobs"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    /// The manifest's absolute path.
    public var manifest: String
    /// The job's video, absolute.
    public var output: String
    public var jobNumber: Int
    public var script: String
    public var planId: String?
    /// A `BatchJobStatus`.
    public var status: String
    /// How many times the job was rendered (a rerun that reuses its verified video does not count).
    public var renders: Int
    public var cost: Double?
    public var elapsed: Double?
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date
}
