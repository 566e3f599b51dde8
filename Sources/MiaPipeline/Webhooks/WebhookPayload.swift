import Foundation

/// The JSON a webhook POSTs when a plan is stitched or fails.
public struct WebhookPayload: Codable, Sendable, Equatable {
    public enum Event: String, Codable, Sendable {
        case stitched = "plan.stitched"
        case failed = "plan.failed"
    }

    public var event: Event
    public var planId: String
    /// The finished video's path (on failure: the path that was to be written).
    public var output: String
    /// The video's length in seconds; absent on failure.
    public var durationSeconds: Double?
    public var sceneCount: Int
    /// Dollars committed to providers and voices for the plan.
    public var costDollars: Double
    /// Why the plan failed; absent when it was stitched.
    public var error: String?
    /// When the event happened (ISO 8601, UTC); the signature's `t=` is the same instant in Unix seconds.
    public var timestamp: Date

    enum CodingKeys: String, CodingKey {
        case event, planId = "plan_id", output, durationSeconds = "duration_seconds", sceneCount = "scene_count"
        case costDollars = "cost_dollars", error, timestamp
    }

    public init(event: Event, planId: String, output: String, durationSeconds: Double?, sceneCount: Int, costDollars: Double,
                error: String?, timestamp: Date = Date()) {
        self.event = event
        self.planId = planId
        self.output = output
        self.durationSeconds = durationSeconds
        self.sceneCount = sceneCount
        self.costDollars = costDollars
        self.error = error
        // Whole seconds: the body and the signature's `t=` then name the same instant exactly.
        self.timestamp = Date(timeIntervalSince1970: timestamp.timeIntervalSince1970.rounded(.down))
    }

    /// The bytes sent: sorted keys and no escaped slashes, so a receiver (or a test) sees stable bytes.
    public func body() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}
