import Foundation

/// A row of `batch_jobs`: one manifest job, its plan, and how it last ended.
public struct BatchJobRecord: Sendable, Codable {
    /// The manifest's absolute path.
    public var manifest: String
    /// The job's video, absolute.
    public var output: String
    public var jobNumber: Int
    public var script: String
    public var planId: String?
    public var status: BatchJobStatus
    /// How many times the job was rendered (a rerun that reuses its verified video does not count).
    public var renders: Int
    public var cost: Double?
    public var elapsed: Double?
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date
}

extension BatchJobRecord {
    init(_ row: SQLRow) throws {
        self.init(manifest: try row.text("manifest"), output: try row.text("output"), jobNumber: try row.int("job_number"),
                  script: try row.text("script"), planId: try row.optionalText("plan_id"),
                  status: try row.known("status", of: "batch_jobs"),
                  renders: try row.int("renders"), cost: try row.optionalDouble("cost"), elapsed: try row.optionalDouble("elapsed"),
                  error: try row.optionalText("error"), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}
