import Foundation

/// How workers render and stitch a submitted plan.
public struct QueuedRender: Sendable, Equatable {
    /// The finished video (absolute: workers on other machines read the same shared path).
    public var output: String
    public var theme: String
    public var fallback: Bool
    public var overwrite: Bool
    /// Told by the worker that stitches (or fails) the plan.
    public var webhook: WebhookURL?

    public init(output: String, theme: String, fallback: Bool, overwrite: Bool, webhook: WebhookURL? = nil) {
        self.webhook = webhook
        self.output = output
        self.theme = theme
        self.fallback = fallback
        self.overwrite = overwrite
    }
}

/// A submitted plan's place in the queue.
public enum QueueStatus: String, Sendable, Codable {
    /// Scenes are waiting for or being rendered by workers.
    case queued
    /// Every scene is done; one worker holds the stitch.
    case stitching
    case stitched
    case failed
}

/// A scene a worker holds the lease on.
public struct ClaimedScene: Sendable {
    public let plan: RenderPlan
    public let planPath: String
    public let job: SceneJob
    public let render: QueuedRender
    /// The provider job recorded by an earlier holder, which this one resumes.
    public let providerJobId: String?
    /// The worker whose lease ran out before this claim, if the scene was taken over.
    public let previousOwner: String?
    /// Seconds from the plan's submission to this claim: how long the scene waited for a worker.
    public let queueWait: Double
}

/// A plan whose stitch a worker holds.
public struct ClaimedStitch: Sendable {
    public let plan: RenderPlan
    public let planPath: String
    public let render: QueuedRender
    /// An earlier holder's lease ran out: its output may already be in place, complete, and is replaced.
    public let isRetake: Bool
}

/// Plans, leases and workers as `mia-stitch status` shows them.
public struct QueueSnapshot: Sendable, Codable {
    public struct Plan: Sendable, Codable {
        public let id: String
        public let script: String
        public let status: QueueStatus
        public let scenes: Int
        public let completeScenes: Int
        public let output: String
        public let queuedAt: Date
        public let stitchOwner: String?
        public let stitchedAt: Date?
        public let error: String?
    }

    public struct Lease: Sendable, Codable {
        public let planId: String
        public let sceneNumber: Int
        public let provider: ProviderID
        public let status: JobStatus
        public let owner: String
        public let expiresAt: Date
        public let providerJobId: String?
    }

    public struct Worker: Sendable, Codable {
        public let id: String
        public let host: String
        public let pid: Int
        public let state: String
        public let current: String?
        public let scenesRendered: Int
        public let plansStitched: Int
        public let startedAt: Date
        public let heartbeatAt: Date
    }

    /// The database's time when the snapshot was taken (lease expiries are compared with it).
    public let takenAt: Date
    public let plans: [Plan]
    public let leases: [Lease]
    public let workers: [Worker]
}

/// The work queue: plans submitted to workers, scene and stitch leases, and the workers themselves.
///
/// A lease is an owner and an expiry on a row. Claims pick a row whose lease is absent or expired
/// (PostgreSQL locks the row with `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the
/// same one), and a worker renews what it holds well before expiry. A worker that dies simply stops
/// renewing: once its lease expires the next claim takes the scene over, and `SceneRenderer` resumes
/// the provider job recorded on it instead of creating another.
extension JobStore {
    /// Hands a recorded plan to workers: unfinished scene jobs become `queued`. Submitting again is
    /// harmless (a failed plan is retried; progress is kept).
    public func enqueue(planId: String, render: QueuedRender) throws {
        let now = backend.now()
        try backend.transaction { session in
            try session.execute("UPDATE scene_jobs SET status = ?, error = NULL, updated_at = ? WHERE plan_id = ? AND status IN (?, ?)",
                                [.text(JobStatus.queued.rawValue), .date(now), .text(planId),
                                 .text(JobStatus.pending.rawValue), .text(JobStatus.failed.rawValue)])
            try session.execute("""
                INSERT INTO plan_queue (plan_id, status, output_path, theme, fallback, overwrite, queued_at, webhook_url)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (plan_id) DO UPDATE SET
                  status = CASE WHEN plan_queue.status = 'stitching' THEN plan_queue.status ELSE excluded.status END,
                  output_path = excluded.output_path, theme = excluded.theme, fallback = excluded.fallback,
                  overwrite = excluded.overwrite, webhook_url = excluded.webhook_url, error = NULL
                """, [.text(planId), .text(QueueStatus.queued.rawValue), .text(render.output), .text(render.theme),
                      .int(render.fallback ? 1 : 0), .int(render.overwrite ? 1 : 0), .date(now),
                      .optional(render.webhook?.url.absoluteString)])
        }
    }

    /// Takes the lease on the next scene a worker may render: a queued scene, or one whose holder's
    /// lease has run out. Returns nil when there is none.
    public func claimScene(worker: String, leaseSeconds: Double) throws -> ClaimedScene? {
        let now = backend.now()
        return try backend.transaction { session in
            guard let candidate = try session.row("""
                SELECT s.plan_id, s.scene_number, s.lease_owner, s.provider_job_id, q.queued_at
                FROM scene_jobs s JOIN plan_queue q ON q.plan_id = s.plan_id
                WHERE q.status = ? AND s.status IN (?, ?, ?)
                  AND (s.lease_expires_at IS NULL OR s.lease_expires_at < ?)
                ORDER BY q.queued_at, s.plan_id, s.scene_number
                LIMIT 1\(backend.claimLock(of: "s"))
                """, [.text(QueueStatus.queued.rawValue), .text(JobStatus.queued.rawValue), .text(JobStatus.submitted.rawValue),
                      .text(JobStatus.rendering.rawValue), .date(now)]) else { return nil }
            let planId = try candidate.text("plan_id")
            let sceneNumber = try candidate.int("scene_number")
            try session.execute("UPDATE scene_jobs SET lease_owner = ?, lease_expires_at = ? WHERE plan_id = ? AND scene_number = ?",
                                [.text(worker), .date(now.addingTimeInterval(leaseSeconds)), .text(planId), .int(sceneNumber)])
            let (plan, planPath, render) = try queuedPlan(planId, session)
            guard let job = plan.scenes.first(where: { $0.sceneNumber == sceneNumber }) else {
                throw MiaError(file: planPath, "the plan has no scene \(sceneNumber), but the job store has")
            }
            return ClaimedScene(plan: plan, planPath: planPath, job: job, render: render,
                                providerJobId: try candidate.optionalText("provider_job_id"),
                                previousOwner: try candidate.optionalText("lease_owner"),
                                // The store's clock on both ends, so clock skew between machines cannot make it negative.
                                queueWait: max(0, now.timeIntervalSince(try candidate.date("queued_at"))))
        }
    }

    /// Gives a scene's lease back (done, failed, or stopping): only if this worker still holds it.
    public func releaseScene(planId: String, sceneNumber: Int, worker: String) throws {
        try backend.transaction { session in
            try session.execute("""
                UPDATE scene_jobs SET lease_owner = NULL, lease_expires_at = NULL
                WHERE plan_id = ? AND scene_number = ? AND lease_owner = ?
                """, [.text(planId), .int(sceneNumber), .text(worker)])
        }
    }

    /// Takes the stitch of a plan whose scenes are all complete, if any. Exactly one worker wins a plan:
    /// the update only applies while the plan is still queued (or its stitcher's lease ran out).
    public func claimStitch(worker: String, leaseSeconds: Double) throws -> ClaimedStitch? {
        let now = backend.now()
        return try backend.transaction { session in
            guard let candidate = try session.row("""
                SELECT q.plan_id, q.stitch_attempts FROM plan_queue q
                WHERE (q.status = ? OR (q.status = ? AND q.stitch_lease_expires_at < ?))
                  AND NOT EXISTS (SELECT 1 FROM scene_jobs s WHERE s.plan_id = q.plan_id AND s.status <> ?)
                ORDER BY q.queued_at, q.plan_id
                LIMIT 1\(backend.claimLock(of: "q"))
                """, [.text(QueueStatus.queued.rawValue), .text(QueueStatus.stitching.rawValue), .date(now),
                      .text(JobStatus.complete.rawValue)]) else { return nil }
            let planId = try candidate.text("plan_id")
            let claimed = try session.execute("""
                UPDATE plan_queue SET status = ?, stitch_owner = ?, stitch_lease_expires_at = ?, stitch_attempts = stitch_attempts + 1
                WHERE plan_id = ? AND (status = ? OR (status = ? AND stitch_lease_expires_at < ?))
                """, [.text(QueueStatus.stitching.rawValue), .text(worker), .date(now.addingTimeInterval(leaseSeconds)),
                      .text(planId), .text(QueueStatus.queued.rawValue), .text(QueueStatus.stitching.rawValue), .date(now)])
            guard claimed == 1 else { return nil }
            let (plan, planPath, render) = try queuedPlan(planId, session)
            return ClaimedStitch(plan: plan, planPath: planPath, render: render, isRetake: try candidate.int("stitch_attempts") > 0)
        }
    }

    /// Records the stitch's end: `stitched`, or `failed` with the reason. Only the holder may.
    public func finishStitch(planId: String, worker: String, error: String?) throws {
        let now = backend.now()
        try backend.transaction { session in
            try session.execute("""
                UPDATE plan_queue SET status = ?, stitch_owner = NULL, stitch_lease_expires_at = NULL, stitched_at = ?, error = ?
                WHERE plan_id = ? AND stitch_owner = ?
                """, [.text((error == nil ? QueueStatus.stitched : .failed).rawValue), error == nil ? .date(now) : .null,
                      .optional(error), .text(planId), .text(worker)])
        }
    }

    /// Takes a plan out of the queue because one of its scenes failed for good.
    public func failQueuedPlan(planId: String, error: String) throws {
        try backend.transaction { session in
            try session.execute("UPDATE plan_queue SET status = ?, error = ? WHERE plan_id = ? AND status = ?",
                                [.text(QueueStatus.failed.rawValue), .text(error), .text(planId), .text(QueueStatus.queued.rawValue)])
        }
    }

    /// Extends every lease `worker` holds and its heartbeat. Returns how many leases it still holds
    /// (fewer than it thinks means another worker took one over after it expired).
    @discardableResult
    public func renewLeases(worker: String, leaseSeconds: Double) throws -> Int {
        let now = backend.now()
        let expiry = SQLValue.date(now.addingTimeInterval(leaseSeconds))
        return try backend.transaction { session in
            // Only scenes still being worked on: a lease left on a finished one (a release that failed) must lapse.
            let scenes = try session.execute("UPDATE scene_jobs SET lease_expires_at = ? WHERE lease_owner = ? AND status IN (?, ?, ?)",
                                             [expiry, .text(worker), .text(JobStatus.queued.rawValue),
                                              .text(JobStatus.submitted.rawValue), .text(JobStatus.rendering.rawValue)])
            let stitches = try session.execute("UPDATE plan_queue SET stitch_lease_expires_at = ? WHERE stitch_owner = ? AND status = ?",
                                               [expiry, .text(worker), .text(QueueStatus.stitching.rawValue)])
            try session.execute("UPDATE workers SET heartbeat_at = ? WHERE id = ?", [.date(now), .text(worker)])
            return scenes + stitches
        }
    }

    /// True while any submitted plan is not yet stitched or failed.
    public func hasUnfinishedQueuedWork() throws -> Bool {
        try backend.read { session in
            try session.row("SELECT COUNT(*) AS n FROM plan_queue WHERE status IN (?, ?)",
                            [.text(QueueStatus.queued.rawValue), .text(QueueStatus.stitching.rawValue)])?.int("n") ?? 0 > 0
        }
    }

    /// Adds a worker to the `workers` table (shown by `mia-stitch status`), and forgets workers that
    /// stopped more than a day ago so the table stays the size of the farm.
    public func registerWorker(id: String, host: String, pid: Int) throws {
        let now = backend.now()
        try backend.transaction { session in
            try session.execute("DELETE FROM workers WHERE state = 'stopped' AND heartbeat_at < ?", [.date(now.addingTimeInterval(-86_400))])
            try session.execute("""
                INSERT INTO workers (id, host, pid, state, started_at, heartbeat_at) VALUES (?, ?, ?, 'idle', ?, ?)
                """, [.text(id), .text(host), .int(pid), .date(now), .date(now)])
        }
    }

    /// What a worker is doing now (`idle`, `rendering`, `stitching`, `stopped`), and what it finished.
    public func updateWorker(id: String, state: String, current: String?, scenesRendered: Int = 0, plansStitched: Int = 0) throws {
        let now = backend.now()
        try backend.transaction { session in
            try session.execute("""
                UPDATE workers SET state = ?, current_work = ?, heartbeat_at = ?,
                  scenes_rendered = scenes_rendered + ?, plans_stitched = plans_stitched + ?
                WHERE id = ?
                """, [.text(state), .optional(current), .date(now), .int(scenesRendered), .int(plansStitched), .text(id)])
        }
    }

    /// Submitted plans (newest first), live leases and workers (most recently seen first).
    public func queueSnapshot() throws -> QueueSnapshot {
        let now = backend.now()
        return try backend.read { session in
            let plans = try session.rows("""
                SELECT q.*, p.script, p.scene_count,
                  (SELECT COUNT(*) FROM scene_jobs s WHERE s.plan_id = q.plan_id AND s.status = 'complete') AS complete_scenes
                FROM plan_queue q JOIN plans p ON p.id = q.plan_id
                ORDER BY q.queued_at DESC, q.plan_id
                """, []).map { row in
                QueueSnapshot.Plan(id: try row.text("plan_id"), script: try row.text("script"),
                                   status: try row.known("status", of: "plan_queue"),
                                   scenes: try row.int("scene_count"), completeScenes: try row.int("complete_scenes"),
                                   output: try row.text("output_path"), queuedAt: try row.date("queued_at"),
                                   stitchOwner: try row.optionalText("stitch_owner"), stitchedAt: try row.optionalDate("stitched_at"),
                                   error: try row.optionalText("error"))
            }
            let leases = try session.rows("""
                SELECT plan_id, scene_number, provider, status, lease_owner, lease_expires_at, provider_job_id
                FROM scene_jobs WHERE lease_owner IS NOT NULL ORDER BY plan_id, scene_number
                """, []).map { row in
                QueueSnapshot.Lease(planId: try row.text("plan_id"), sceneNumber: try row.int("scene_number"),
                                    provider: try row.known("provider", of: "scene_jobs"),
                                    status: try row.known("status", of: "scene_jobs"),
                                    owner: try row.text("lease_owner"), expiresAt: try row.date("lease_expires_at"),
                                    providerJobId: try row.optionalText("provider_job_id"))
            }
            let workers = try session.rows("SELECT * FROM workers ORDER BY heartbeat_at DESC, id", []).map { row in
                QueueSnapshot.Worker(id: try row.text("id"), host: try row.text("host"), pid: try row.int("pid"),
                                     state: try row.text("state"), current: try row.optionalText("current_work"),
                                     scenesRendered: try row.int("scenes_rendered"), plansStitched: try row.int("plans_stitched"),
                                     startedAt: try row.date("started_at"), heartbeatAt: try row.date("heartbeat_at"))
            }
            return QueueSnapshot(takenAt: now, plans: plans, leases: leases, workers: workers)
        }
    }

    /// A submitted plan, its file's path and how to render it.
    private func queuedPlan(_ planId: String, _ session: any SQLSession) throws -> (RenderPlan, String, QueuedRender) {
        guard let row = try session.row("""
            SELECT p.plan_json, p.plan_path, q.output_path, q.theme, q.fallback, q.overwrite, q.webhook_url
            FROM plans p JOIN plan_queue q ON q.plan_id = p.id WHERE p.id = ?
            """, [.text(planId)]) else { throw MiaError(.jobStore(path), "plan \(planId) is not in the queue") }
        let planPath = try row.text("plan_path")
        let plan: RenderPlan
        do {
            plan = try JSONDecoder().decode(RenderPlan.self, from: Data(try row.text("plan_json").utf8))
        } catch {
            throw MiaError(.jobStore(path), "plan \(planId) in the job store is not a render plan (\(error))")
        }
        // Checked again as it comes back: a store is input like any other.
        let webhook = try row.optionalText("webhook_url").map { text in
            do { return try WebhookURL(parsing: text) } catch {
                throw MiaError(.jobStore(path), "plan \(planId)'s webhook in the job store \((error as? MiaError)?.message ?? "is not a URL")")
            }
        }
        let render = QueuedRender(output: try row.text("output_path"), theme: try row.text("theme"),
                                  fallback: try row.int("fallback") != 0, overwrite: try row.int("overwrite") != 0, webhook: webhook)
        return (plan, planPath, render)
    }
}
