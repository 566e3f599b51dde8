import Foundation
import MiaPipeline

/// A single self-overwriting status line on standard error, for terminals only. It is a one-line live
/// region, so events printed while it shows go above it instead of onto the end of it.
final class ProgressLine: @unchecked Sendable {
    // @unchecked: the last update time is only touched under `lock`; the region draws under its own.
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    let region: LiveRegion

    init(region: LiveRegion = .standardError()) { self.region = region }

    func show(_ text: String) {
        lock.withLock {
            // At most ten redraws a second: a 1,000-clip stitch should not spend its time drawing.
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            region.show([text])
        }
    }

    func clear() { region.clear() }
}
