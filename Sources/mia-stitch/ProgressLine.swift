import Foundation

/// A single self-overwriting status line on standard error, for terminals only.
final class ProgressLine: @unchecked Sendable {
    // @unchecked: the last update time is only touched under `lock`.
    private let lock = NSLock()
    private var lastDraw = Date.distantPast

    func show(_ text: String) {
        lock.withLock {
            // At most ten redraws a second: a 1,000-clip stitch should not spend its time drawing.
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        }
    }

    func clear() {
        lock.withLock { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
