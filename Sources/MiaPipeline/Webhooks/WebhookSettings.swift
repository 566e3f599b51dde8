import Foundation

/// How webhooks are signed and how long a delivery may try. The defaults suit real receivers; tests
/// shorten the bounds.
public struct WebhookSettings: Sendable {
    /// Signs each delivery; nil sends them unsigned (with one `[MIA:WARN] kind=webhook-unsigned`).
    public var secret: WebhookSecret?
    /// The longest one delivery may take, retries and waits included, in seconds: a receiver that keeps
    /// failing or never answers delays the end of a render by at most this much.
    public var deadline: Double
    /// The longest one attempt may take, in seconds.
    public var requestTimeout: Double
    /// Backoff between attempts (its `maxRetries` is not used: the deadline bounds the attempts) and the
    /// longest `Retry-After` honoured.
    public var retry: RetryPolicy
    public var proxy: ProxySettings?

    public init(secret: WebhookSecret? = .fromEnvironment(), deadline: Double = 120, requestTimeout: Double = 10,
                retry: RetryPolicy = RetryPolicy(initialDelay: 1, maxDelay: 30), proxy: ProxySettings? = .fromEnvironment()) {
        self.secret = secret
        self.deadline = deadline
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.proxy = proxy
    }
}
