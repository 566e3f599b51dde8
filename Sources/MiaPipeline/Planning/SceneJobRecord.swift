import Foundation

/// A row of `scene_jobs`: one scene's render and what it cost.
public struct SceneJobRecord: Sendable, Codable {
    public var planId: String
    public var sceneNumber: Int
    public var title: String
    public var provider: ProviderID
    public var model: String
    public var status: JobStatus
    public var providerJobId: String?
    public var attempts: Int
    public var seconds: Double
    public var estimatedCost: Double
    public var cost: Double?
    public var outputPath: String
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The worker rendering it (`host:pid:…`) and until when, while one is.
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
}

extension SceneJobRecord {
    init(_ row: SQLRow) throws {
        self.init(planId: try row.text("plan_id"), sceneNumber: try row.int("scene_number"), title: try row.text("title"),
                  provider: try row.known("provider", of: "scene_jobs"), model: try row.text("model"),
                  status: try row.known("status", of: "scene_jobs"),
                  providerJobId: try row.optionalText("provider_job_id"), attempts: try row.int("attempts"),
                  seconds: try row.double("seconds"), estimatedCost: try row.double("estimated_cost"),
                  cost: try row.optionalDouble("cost"), outputPath: try row.text("output_path"), error: try row.optionalText("error"),
                  createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"),
                  leaseOwner: try row.optionalText("lease_owner"), leaseExpiresAt: try row.optionalDate("lease_expires_at"))
    }
}
