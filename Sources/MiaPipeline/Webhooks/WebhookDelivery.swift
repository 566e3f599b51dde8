import Foundation

/// One webhook delivery as the job store keeps it (`plan show` prints them).
public struct WebhookDelivery: Sendable, Codable, Equatable {
    public let planId: String
    public let event: WebhookPayload.Event
    /// The URL without its user part or query (`WebhookURL.redacted`).
    public let url: String
    public let attempts: Int
    /// The last answer's HTTP status, if any answer came.
    public let status: Int?
    /// Why the delivery failed; nil when a 2xx came back.
    public let error: String?
    public let elapsed: Double
    public let deliveredAt: Date

    public var succeeded: Bool { error == nil }
}
