import Foundation

/// What a batch keeps in the job store: one `batch_jobs` row per manifest job, so a rerun of the same
/// manifest knows which videos are done and what they cost.
extension JobStore {
    /// Records a batch job's state. `rendered` counts one more render of it (not a reuse of its finished video).
    /// Fields left nil keep their stored value.
    public func recordBatchJob(manifest: String, job: BatchJob, status: BatchJobStatus, planId: String? = nil,
                               rendered: Bool = false, cost: Double? = nil, elapsed: Double? = nil, error: String? = nil,
                               now: Date = Date()) throws {
        try backend.transaction { session in
            try session.execute("""
                INSERT INTO batch_jobs (manifest, output, job_number, script, plan_id, status, renders, cost, elapsed, error,
                                        created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (manifest, output) DO UPDATE SET job_number = excluded.job_number, script = excluded.script,
                  plan_id = COALESCE(excluded.plan_id, batch_jobs.plan_id), status = excluded.status,
                  renders = batch_jobs.renders + excluded.renders, cost = COALESCE(excluded.cost, batch_jobs.cost),
                  elapsed = COALESCE(excluded.elapsed, batch_jobs.elapsed), error = excluded.error, updated_at = excluded.updated_at
                """, [.text(manifest), .text(job.output), .int(job.number), .text(job.script), .optional(planId),
                      .text(status.rawValue), .int(rendered ? 1 : 0), .optional(cost), .optional(elapsed), .optional(error),
                      .date(now), .date(now)])
        }
    }

    /// The jobs recorded for a manifest (its absolute path), in manifest order.
    public func batchJobs(manifest: String) throws -> [BatchJobRecord] {
        try backend.read { session in
            try session.rows("SELECT * FROM batch_jobs WHERE manifest = ? ORDER BY job_number", [.text(manifest)]).map(BatchJobRecord.init)
        }
    }
}
