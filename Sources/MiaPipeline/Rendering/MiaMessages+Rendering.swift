import Foundation

/// What Mia says around a render: asking before spending, a scene that fell back, the queue and its
/// workers, and the summary at the end.
extension MiaMessages {
    // MARK: Before rendering

    public static func approvalPrompt(sceneCount: Int, cost: Double) -> String {
        cost > 0
            ? "Shall I render \(count(sceneCount, "scene")) for about \(dollars(cost))? [y/N] "
            : "Shall I render \(count(sceneCount, "scene")) with Template (free)? [Y/n] "
    }

    public static func notApproved(planPath: String) -> String {
        "No problem, nothing was rendered or spent. The plan is saved as \(planPath); run the same command again when you're ready."
    }

    // MARK: Scenes

    public static func fallback(_ provider: ProviderID, because reason: String) -> String {
        "\(provider.displayName) couldn't render this scene (\(reason)), so I made it with Template instead."
    }

    public static let budgetWouldBeExceeded = "starting it would take the plan past its budget"

    // MARK: Queue and workers

    public static func submitted(planId: String, scenes: Int, cost: Double, output: String, store: String) -> String {
        "Queued \(planId): \(count(scenes, "scene")), estimated \(dollars(cost)), for \(output). "
            + "Workers render it: mia-stitch worker --db \(store)"
    }

    public static func leaseLost(_ work: String) -> String {
        "This worker's lease on \(work) ran out before it was renewed and another worker took it over; "
            + "give --lease-seconds more room if the machine or the database is slow."
    }

    public static func workerStopped(_ worker: String, scenes: Int, stitched: Int, failures: Int) -> String {
        "Worker \(worker) stopped: \(count(scenes, "scene")) rendered, \(count(stitched, "plan")) stitched"
            + (failures > 0 ? ", \(failures) failed." : ".")
    }

    // MARK: Done

    public static func renderSummary(output: String, scenes: [SceneOutcome], spent: Double, duration: Double, elapsed: Double) -> String {
        var lines = [String(format: "Done: %@, %.1f s from %@, %@ spent, in %.1f s.", output, duration,
                            count(scenes.count, "scene"), dollars(spent), elapsed)]
        let reused = scenes.filter(\.reused).count
        if reused > 0 { lines.append("\(count(reused, "scene")) reused from an earlier run.") }
        for scene in scenes {
            if let reason = scene.fallbackReason { lines.append("  Scene \(scene.sceneNumber): \(reason)") }
        }
        return lines.joined(separator: "\n")
    }
}
