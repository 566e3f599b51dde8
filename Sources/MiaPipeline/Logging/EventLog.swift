import Foundation

public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// Where `[MIA:*]` events go. The CLI writes them to standard error; tests collect them.
public protocol EventSink: Sendable {
    func emit(_ event: MiaEvent)
}

/// Writes one event per line to standard error, as text or JSON lines (control characters in values are
/// escaped by `MiaEvent`, so a title cannot reach the terminal raw).
public final class StandardErrorLog: EventSink, @unchecked Sendable {
    // @unchecked: writes are serialized by `lock` (or the region's); `format` and `region` are immutable.
    public let format: LogFormat
    private let lock = NSLock()
    private let region: LiveRegion?

    /// - Parameter region: A live region on the same terminal: events are printed above it.
    public init(format: LogFormat, region: LiveRegion? = nil) {
        self.format = format
        self.region = region
    }

    public func emit(_ event: MiaEvent) {
        let line = (format == .json ? event.json : event.text) + "\n"
        if let region { return region.printAbove(line) }
        lock.withLock { FileHandle.standardError.write(Data(line.utf8)) }
    }
}

/// Keeps events in memory, for tests and for callers that summarize a run.
public final class CollectingLog: EventSink, @unchecked Sendable {
    // @unchecked: `events` is only touched under `lock`.
    private let lock = NSLock()
    private var collected: [MiaEvent] = []

    public init() {}

    public func emit(_ event: MiaEvent) { lock.withLock { collected.append(event) } }

    public var events: [MiaEvent] { lock.withLock { collected } }
}

/// Discards events.
public struct SilentLog: EventSink {
    public init() {}
    public func emit(_ event: MiaEvent) {}
}
