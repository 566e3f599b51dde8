import Foundation

/// Timeouts, limits and retries of a provider's HTTP client. The defaults suit the real APIs; tests
/// shorten them.
public struct HTTPSettings: Sendable, Equatable {
    /// The longest an API request (send and answer) may take, in seconds.
    public var requestTimeout: Double
    /// A download fails when no byte arrives for this long, in seconds.
    public var downloadIdleTimeout: Double
    /// The longest a whole download may take, in seconds.
    public var downloadTimeout: Double
    /// Downloads larger than this fail (and leave no file).
    public var maxDownloadBytes: Int64
    /// JSON answers larger than this are refused.
    public var maxResponseBytes: Int
    public var retry: RetryPolicy
    /// Proxies for the requests (default: from `https_proxy`, `http_proxy`, `no_proxy`).
    public var proxy: ProxySettings?

    public init(requestTimeout: Double = 60, downloadIdleTimeout: Double = 60, downloadTimeout: Double = 1800,
                maxDownloadBytes: Int64 = 2_000_000_000, maxResponseBytes: Int = 4 << 20, retry: RetryPolicy = RetryPolicy(),
                proxy: ProxySettings? = .fromEnvironment()) {
        self.proxy = proxy
        self.requestTimeout = requestTimeout
        self.downloadIdleTimeout = downloadIdleTimeout
        self.downloadTimeout = downloadTimeout
        self.maxDownloadBytes = maxDownloadBytes
        self.maxResponseBytes = maxResponseBytes
        self.retry = retry
    }
}
