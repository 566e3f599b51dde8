import Foundation

/// A small file beside a finished scene clip (`.scene-01.mp4.done`) saying which plan's scene it is and how
/// it was made. Render-farm tasks on different machines may each have their own job store; the receipt lets
/// any of them see that a scene is finished, so a rerun is a no-op there too (and never pays twice).
struct SceneReceipt: Codable, Equatable {
    var planId: String
    var sceneNumber: Int
    var provider: ProviderID
    var cost: Double
    var fallbackReason: String?

    static func path(forClip clip: String) -> String {
        let url = URL(fileURLWithPath: clip)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).done").path
    }

    /// The receipt beside `clip`, if there is a readable one.
    static func read(forClip clip: String) -> SceneReceipt? {
        FileManager.default.contents(atPath: path(forClip: clip)).flatMap { try? JSONDecoder().decode(SceneReceipt.self, from: $0) }
    }

    /// Written after the clip is in place, atomically, so a receipt always stands for a complete clip.
    func write(forClip clip: String) throws {
        let data = try JSONEncoder().encode(self)
        try AtomicOutput(destination: Self.path(forClip: clip), overwrite: true).write { try data.write(to: URL(fileURLWithPath: $0)) }
    }
}
