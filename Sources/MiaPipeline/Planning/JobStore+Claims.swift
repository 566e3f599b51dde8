import Foundation

/// Who may create a scene's paid provider job. Two processes that render the same plan (two
/// `render` runs of one script, a `render` beside a worker) both see "no job recorded"; without a
/// claim both would create one and pay twice. The claim is the scene's lease columns, taken in one
/// immediate transaction, so exactly one process creates the job; the others wait for its id.
public enum CreationClaim: Sendable, Equatable {
    /// This owner may create the job (and must record its id before polling).
    case granted
    /// A job is already recorded for the scene: poll it instead of creating one.
    case recorded(jobId: String)
    /// Another process holds the claim until `until`.
    case heldBy(owner: String, until: Date)
    /// Another process finished the scene meanwhile (a clip from a provider or a fallback): nothing to create.
    case completed
}

extension JobStore {
    /// Claims the creation of scene `sceneNumber`'s provider job for `owner`.
    /// - Parameter leaseSeconds: how long the claim lasts if its holder dies before recording a job.
    public func claimCreation(planId: String, sceneNumber: Int, owner: String, leaseSeconds: Double) throws -> CreationClaim {
        let now = backend.now()
        return try backend.transaction { session in
            guard let row = try session.row("""
                SELECT status, provider_job_id, lease_owner, lease_expires_at FROM scene_jobs
                WHERE plan_id = ? AND scene_number = ?\(backend.rowLock)
                """, [.text(planId), .int(sceneNumber)]) else {
                throw MiaError(.jobStore(path), "no scene \(sceneNumber) in plan \(planId)")
            }
            let status = try row.text("status")
            if status == JobStatus.complete.rawValue { return .completed }
            if let jobId = try row.optionalText("provider_job_id"),
               [JobStatus.submitted.rawValue, JobStatus.rendering.rawValue].contains(status) {
                return .recorded(jobId: jobId)
            }
            let holder = try row.optionalText("lease_owner")
            // A worker already holds the scene's lease (and renews it on its own schedule).
            if holder == owner { return .granted }
            // A holder on this host that was killed (-9) is not waited out: its lease would only run out the same.
            if let holder, !ProcessIdentity.isGone(owner: holder), let until = try row.optionalDate("lease_expires_at"), until > now {
                return .heldBy(owner: holder, until: until)
            }
            try session.execute("""
                UPDATE scene_jobs SET lease_owner = ?, lease_expires_at = ? WHERE plan_id = ? AND scene_number = ?
                """, [.text(owner), .date(now.addingTimeInterval(leaseSeconds)), .text(planId), .int(sceneNumber)])
            return .granted
        }
    }
}
