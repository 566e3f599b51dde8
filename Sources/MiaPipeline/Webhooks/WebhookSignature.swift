import Foundation
internal import Crypto

/// The secret webhooks are signed with (`MIA_WEBHOOK_SECRET`). It prints as `<redacted>` and is only ever
/// used as an HMAC key: it never reaches a log, a file, the job store or a message.
public struct WebhookSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    fileprivate let bytes: [UInt8]

    public init(_ value: String) { bytes = Array(value.utf8) }

    /// The secret in `MIA_WEBHOOK_SECRET`, or nil when it is unset or empty (webhooks then go unsigned).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> WebhookSecret? {
        guard let value = environment["MIA_WEBHOOK_SECRET"], !value.isEmpty else { return nil }
        return WebhookSecret(value)
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// `Mia-Signature: t=<unix seconds>,v1=<hex>`, as Stripe signs: HMAC-SHA256 over "<t>.<body>". The
/// timestamp inside the signed text lets a receiver refuse a replayed delivery.
public enum WebhookSignature {
    public static let header = "Mia-Signature"

    /// The header's value for `body` sent at `timestamp` (Unix seconds).
    public static func value(body: Data, timestamp: Int64, secret: WebhookSecret) -> String {
        let signed = Data("\(timestamp).".utf8) + body
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: secret.bytes))
        return "t=\(timestamp),v1=" + code.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
