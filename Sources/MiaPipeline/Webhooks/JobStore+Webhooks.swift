import Foundation

/// Webhook deliveries, one `webhook_deliveries` row each, so `plan show` can say what a receiver was told.
extension JobStore {
    public func recordWebhookDelivery(_ delivery: WebhookDelivery) throws {
        try backend.transaction { session in
            try session.execute("""
                INSERT INTO webhook_deliveries (plan_id, event, url, attempts, status, error, elapsed, delivered_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(delivery.planId), .text(delivery.event.rawValue), .text(delivery.url), .int(delivery.attempts),
                      delivery.status.map(SQLValue.int) ?? .null, .optional(delivery.error), .double(delivery.elapsed),
                      .date(delivery.deliveredAt)])
        }
    }

    /// A plan's deliveries, oldest first.
    public func webhookDeliveries(planId: String) throws -> [WebhookDelivery] {
        try backend.read { session in
            try session.rows("SELECT * FROM webhook_deliveries WHERE plan_id = ? ORDER BY delivered_at", [.text(planId)]).map { row in
                WebhookDelivery(planId: try row.text("plan_id"), event: try row.known("event", of: "webhook_deliveries"),
                                url: try row.text("url"), attempts: try row.int("attempts"), status: try row.optionalInt("status"),
                                error: try row.optionalText("error"), elapsed: try row.double("elapsed"),
                                deliveredAt: try row.date("delivered_at"))
            }
        }
    }
}
