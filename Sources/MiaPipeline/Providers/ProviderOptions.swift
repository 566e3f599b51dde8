import Foundation

/// Timeouts, retries and polling of a provider adapter (Veo, Luma); tests shorten them.
public struct ProviderOptions: Sendable, Equatable {
    public var http: HTTPSettings
    public var poll: PollSchedule

    public init(http: HTTPSettings = HTTPSettings(), poll: PollSchedule) {
        self.http = http
        self.poll = poll
    }
}
