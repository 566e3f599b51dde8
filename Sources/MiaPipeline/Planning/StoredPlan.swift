import Foundation

/// A recorded plan with its scene jobs' progress.
public struct StoredPlan: Sendable {
    public let plan: PlanRecord
    public let scenes: [SceneJobRecord]

    public var completedScenes: Int { scenes.filter { $0.status == .complete }.count }
}

/// A row of `plans`.
public struct PlanRecord: Sendable, Codable {
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

extension PlanRecord {
    init(_ row: SQLRow) throws {
        self.init(id: try row.text("id"), scriptHash: try row.text("script_hash"), script: try row.text("script"),
                  planPath: try row.text("plan_path"), sceneCount: try row.int("scene_count"),
                  totalSeconds: try row.double("total_seconds"), estimatedCost: try row.double("estimated_cost"),
                  width: try row.int("width"), height: try row.int("height"), fps: try row.int("fps"),
                  planJson: try row.text("plan_json"), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}
