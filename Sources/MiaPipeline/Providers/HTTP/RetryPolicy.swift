import Foundation

/// How a provider client retries failed requests.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt.
    public var maxRetries: Int
    /// The first backoff, in seconds; it doubles on each retry.
    public var initialDelay: Double
    /// The longest backoff, in seconds.
    public var maxDelay: Double
    /// Up to this fraction is taken off each backoff at random (0.25: 75–100 % of it).
    public var jitter: Double
    /// The longest wait a server may ask for (`Retry-After`); asked for more, the client gives up.
    public var maxRetryAfter: Double

    public init(maxRetries: Int = 2, initialDelay: Double = 0.5, maxDelay: Double = 8, jitter: Double = 0.25,
                maxRetryAfter: Double = 60) {
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// OpenAI's client waits for at most 120 s.
    public static let openAI = RetryPolicy(maxRetryAfter: 120)
    /// Runway's client waits for at most 60 s.
    public static let runway = RetryPolicy(maxRetryAfter: 60)

    /// The wait before retry number `retry` (0 for the first): 0.5, 1, 2, 4, 8, 8 … seconds, less jitter.
    /// - Parameter random: a number in 0..<1 (injectable for tests).
    public func backoff(retry: Int, random: Double = Double.random(in: 0..<1)) -> Double {
        let base = min(initialDelay * pow(2, Double(max(0, retry))), maxDelay)
        return max(0, base * (1 - jitter * random))
    }
}
