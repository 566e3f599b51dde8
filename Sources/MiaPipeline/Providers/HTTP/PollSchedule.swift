import Foundation

/// How long to wait between status polls when the provider gives no hint.
public struct PollSchedule: Sendable, Equatable {
    /// The first wait, in seconds.
    public var initial: Double
    /// Each wait is the previous one times this (1: a steady rate).
    public var factor: Double
    /// The longest wait, in seconds.
    public var maximum: Double
    /// Up to this many seconds are added or taken at random.
    public var jitter: Double

    public init(initial: Double, factor: Double = 1, maximum: Double, jitter: Double = 0) {
        self.initial = initial
        self.factor = factor
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The wait after `attempt` polls (0 before the first).
    /// - Parameter random: a number in 0..<1 (injectable for tests).
    public func interval(after attempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        let base = min(initial * pow(factor, Double(max(0, attempt))), maximum)
        let seconds = max(0.001, base + jitter * (2 * random - 1))
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
