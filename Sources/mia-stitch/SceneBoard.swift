import Foundation
import MiaPipeline

/// One status line per scene, shown in a live region that redraws in place on a terminal.
final class SceneBoard: @unchecked Sendable {
    // @unchecked: `lines` is only touched under `lock`; the region draws under its own.
    private let lock = NSLock()
    private let region: LiveRegion
    private var lines: [(number: Int, title: String, provider: String, state: String, progress: Double?)] = []
    /// Scenes whose narration is being spoken, before the plan (and so the scene lines) exists.
    private var speaking: Set<Int> = []

    init(region: LiveRegion) { self.region = region }

    func start(scenes: [SceneJob]) {
        lock.withLock {
            lines = scenes.map { job in
                let voice = job.speech.map { String(format: "voiced %.1f s, ", $0.seconds) } ?? ""
                return (job.sceneNumber, job.title, job.provider.displayName, voice + "waiting", nil)
            }
            region.show(rendered())
        }
    }

    func update(scene: Int, state: String, progress: Double?) {
        lock.withLock {
            if lines.isEmpty, state == "voice" {
                speaking.insert(scene)
                region.show(["  speaking the narration: scene " + speaking.sorted().map(String.init).joined(separator: ", ")])
                return
            }
            guard let index = lines.firstIndex(where: { $0.number == scene }) else { return }
            lines[index].state = state
            lines[index].progress = progress
            region.show(rendered())
        }
    }

    /// The last drawing stays on the screen; what is printed next goes below it.
    func finish() { region.finish() }

    private func rendered() -> [String] {
        lines.map { line in
            let percent = line.progress.map { String(format: " %3.0f%%", $0 * 100) } ?? ""
            let title = line.title.count > 28 ? String(line.title.prefix(27)) + "…" : line.title
            // The region escapes control characters (titles come from the script).
            return String(format: "  scene %2d  %@  %@  %@%@", line.number, title.padding(toLength: 28, withPad: " ", startingAt: 0),
                          line.provider.padding(toLength: 8, withPad: " ", startingAt: 0), line.state, percent)
        }
    }
}
