import Foundation

/// Tells a plan's webhook that the plan was stitched or failed: sends (signed when a secret is set),
/// logs `[MIA:WEBHOOK]`, and records the delivery in the job store. Never throws and never fails a
/// render: a receiver that keeps failing costs at most `settings.deadline`.
///
/// One notifier per command: it warns once, not once per job, that deliveries go unsigned.
public final class WebhookNotifier: @unchecked Sendable {
    // @unchecked: `warned` is only touched under `lock`; the rest is immutable.
    let store: JobStore
    let log: any EventSink
    public let settings: WebhookSettings
    private let lock = NSLock()
    private var warned = false

    public init(store: JobStore, log: any EventSink, settings: WebhookSettings = WebhookSettings()) {
        self.store = store
        self.log = log
        self.settings = settings
    }

    /// Delivers `payload` to `target` and records how it went.
    @discardableResult
    public func notify(_ payload: WebhookPayload, to target: WebhookURL) async -> WebhookDelivery {
        // Test and set in one step: a batch's jobs may end at the same moment.
        let firstUnsigned = settings.secret == nil && lock.withLock { defer { warned = true }; return !warned }
        if firstUnsigned {
            log.emit(MiaEvent("MIA:WARN", [("kind", "webhook-unsigned"), ("message", .string(MiaMessages.webhookUnsigned))]))
        }
        let delivery = await WebhookSender(settings: settings, log: log).send(payload, to: target)
        var fields: [(String, MiaEvent.Value)] = [("event", .string(payload.event.rawValue))]
        if let status = delivery.status { fields.append(("status", .int(Int64(status)))) }
        fields += [("attempts", .int(Int64(delivery.attempts))), ("url", .string(delivery.url)),
                   ("result", .string(delivery.succeeded ? "delivered" : "failed")), ("plan", .string(payload.planId))]
        if let error = delivery.error { fields.append(("reason", .string(error))) }
        log.emit(MiaEvent("MIA:WEBHOOK", fields))
        do { try store.recordWebhookDelivery(delivery) } catch {
            log.emit(MiaEvent("MIA:WARN", [("kind", "job-store"), ("message", .string((error as? MiaError)?.message ?? "\(error)"))]))
        }
        return delivery
    }
}

extension MiaMessages {
    static let webhookUnsigned = "MIA_WEBHOOK_SECRET is not set: webhooks are sent without a Mia-Signature header"
}
