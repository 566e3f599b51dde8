import Foundation

/// The audit trail of plans and scene jobs, and the queue workers take scenes from: a SQLite file
/// (WAL mode, so readers never block the writer) or a PostgreSQL database shared by many machines,
/// chosen by the location given. Both run the same SQL and the same migrations (`JobStoreMigration`).
public final class JobStore: Sendable {
    /// The location as messages show it: the file path, or the URL without its password.
    public let path: String
    let backend: any JobStoreBackend

    /// Opens (creating if needed) the store and brings its schema up to date.
    /// - Parameter path: a SQLite file, or a `postgres://USER@HOST:PORT/DATABASE` (or `postgresql://`) URL.
    /// - Throws: `MiaError` naming the file or URL when it cannot be opened or is not a job store.
    public init(path: String) throws {
        backend = PostgresBackend.isURL(path) ? try PostgresBackend(url: PostgresURL(path)) : try SQLiteBackend(path: path)
        self.path = backend.displayName
    }

    /// `MIA_DB` if set, else the user's data folder (`$XDG_DATA_HOME` or `$HOME/.local/share`).
    public static func defaultPath(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let chosen = environment["MIA_DB"], !chosen.isEmpty { return chosen }
        return URL(fileURLWithPath: UserFolders.data(environment)).appendingPathComponent("mia-stitch/jobs.sqlite").path
    }

    /// Now, by the database's clock (a worker machine's clock may be off; leases must agree).
    public func now() -> Date { backend.now() }

    /// Records a plan and its scene jobs. Recording the same plan again refreshes the plan row
    /// and keeps every scene job's progress (status, provider job id, attempts, cost).
    /// - Parameter planPath: where the plan file was written.
    public func record(_ plan: RenderPlan, planPath: String, now: Date = Date()) throws {
        let json = String(decoding: try plan.json(), as: UTF8.self)
        try backend.transaction { session in
            try session.execute("""
                INSERT INTO plans (id, script_hash, script, plan_path, scene_count, total_seconds, estimated_cost,
                                   width, height, fps, plan_json, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET script_hash = excluded.script_hash, script = excluded.script,
                  plan_path = excluded.plan_path, scene_count = excluded.scene_count, total_seconds = excluded.total_seconds,
                  estimated_cost = excluded.estimated_cost, width = excluded.width, height = excluded.height,
                  fps = excluded.fps, plan_json = excluded.plan_json, updated_at = excluded.updated_at
                """, [.text(plan.renderPlanId), .text(plan.scriptHash), .text(plan.script), .text(planPath),
                      .int(plan.scenes.count), .double(plan.totalSeconds), .double(plan.estimatedCost),
                      .int(plan.target.width), .int(plan.target.height), .int(plan.target.fps), .text(json), .date(now), .date(now)])
            for job in plan.scenes {
                try session.execute("""
                    INSERT INTO scene_jobs (plan_id, scene_number, title, provider, model, status, attempts, seconds,
                                            estimated_cost, output_path, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
                    ON CONFLICT (plan_id, scene_number) DO NOTHING
                    """, [.text(plan.renderPlanId), .int(job.sceneNumber), .text(job.title), .text(job.provider.rawValue),
                          .text(job.model), .text(job.status.rawValue), .double(job.seconds), .double(job.estimatedCost),
                          .text(job.output), .date(now), .date(now)])
            }
        }
    }

    /// Records progress of one scene job. Fields left nil keep their stored value.
    /// - Throws: `MiaError` when the scene job is not in the store.
    public func updateScene(planId: String, sceneNumber: Int, status: JobStatus, providerJobId: String? = nil,
                            attempts: Int? = nil, cost: Double? = nil, error: String? = nil, now: Date = Date()) throws {
        var assignments = ["status = ?", "updated_at = ?"]
        var binds: [SQLValue] = [.text(status.rawValue), .date(now)]
        if let providerJobId { assignments.append("provider_job_id = ?"); binds.append(.text(providerJobId)) }
        if let attempts { assignments.append("attempts = ?"); binds.append(.int(attempts)) }
        if let cost { assignments.append("cost = ?"); binds.append(.double(cost)) }
        // A new error replaces the old; a failure without one keeps it; any other progress clears it.
        if let error {
            assignments.append("error = ?")
            binds.append(.text(error))
        } else if status != .failed {
            assignments.append("error = NULL")
        }
        try backend.transaction { session in
            let changed = try session.execute("UPDATE scene_jobs SET \(assignments.joined(separator: ", ")) WHERE plan_id = ? AND scene_number = ?",
                                              binds + [.text(planId), .int(sceneNumber)])
            guard changed == 1 else { throw MiaError(.jobStore(path), "no scene \(sceneNumber) in plan \(planId)") }
            try session.execute("UPDATE plans SET updated_at = ? WHERE id = ?", [.date(now), .text(planId)])
        }
    }

    /// Every recorded plan, newest first.
    public func plans() throws -> [StoredPlan] {
        try backend.read { session in
            let plans = try session.rows("SELECT * FROM plans ORDER BY updated_at DESC, id", []).map(PlanRecord.init)
            let scenes = Dictionary(grouping: try session.rows("SELECT * FROM scene_jobs ORDER BY plan_id, scene_number", [])
                .map(SceneJobRecord.init), by: \.planId)
            return plans.map { StoredPlan(plan: $0, scenes: scenes[$0.id] ?? []) }
        }
    }

    /// One plan by id, or by a unique prefix of it.
    public func plan(id: String) throws -> StoredPlan? {
        try backend.read { session in
            let matches = try session.rows("SELECT * FROM plans WHERE id LIKE ? ORDER BY id LIMIT 2",
                                           [.text(id.replacingOccurrences(of: "%", with: "") + "%")]).map(PlanRecord.init)
            guard let plan = matches.first(where: { $0.id == id }) ?? (matches.count == 1 ? matches[0] : nil) else {
                if matches.count > 1 { throw MiaError("plan id \(id) is ambiguous; give more of it") }
                return nil
            }
            let scenes = try session.rows("SELECT * FROM scene_jobs WHERE plan_id = ? ORDER BY scene_number", [.text(plan.id)])
            return StoredPlan(plan: plan, scenes: try scenes.map(SceneJobRecord.init))
        }
    }

    /// The schema migrations applied to this store, in order.
    public func appliedMigrations() throws -> [String] { try backend.appliedMigrations() }
}
