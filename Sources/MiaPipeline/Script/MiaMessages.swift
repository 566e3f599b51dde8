import Foundation

/// Every sentence Mia says to a user, in one place: one voice, easy to review and to change.
public enum MiaMessages {
    // MARK: Greeting and summary

    public static func greeting(sceneCount: Int, format: ScriptFormat) -> String {
        let how: String
        switch format {
        case .headings: how = "from its scene headings"
        case .screenplay: how = "from its sluglines"
        case .twoColumn: how = "from its VISUAL/VO blocks"
        case .separators: how = "from its --- separators"
        case .prose: how = "by paragraph"
        case .empty: how = ""
        }
        return "Hi, I'm Mia. I read your script as \(count(sceneCount, "scene")) \(how)."
    }

    /// The analysis as a table with totals and warnings, for the terminal.
    public static func summary(_ analysis: ScriptAnalysis) -> String {
        var lines = [greeting(sceneCount: analysis.scenes.count, format: analysis.format), ""]
        let titleWidth = min(28, max(5, analysis.scenes.map { $0.scene.title.count }.max() ?? 5))
        lines.append("  #  " + pad("Scene", titleWidth) + "     Time  " + pad("Provider", 16) + "     Cost  Why")
        for item in analysis.scenes {
            let provider = item.chosen.provider == .template ? "Template" : "\(item.chosen.provider.displayName) \(item.chosen.model)"
            let cost = dollars(item.cost)
            lines.append(String(format: "%3d  ", item.scene.number) + pad(clip(item.scene.title, titleWidth), titleWidth)
                         + String(format: "  %5.1f s  ", item.seconds) + pad(provider, 16) + "  "
                         + String(repeating: " ", count: max(0, 7 - cost.count)) + cost + "  " + item.chosen.reason)
        }
        lines.append("")
        lines.append(String(format: "Total: %.1f s, estimated %@.", analysis.totalSeconds, dollars(analysis.totalCost)))
        if !analysis.warnings.isEmpty {
            lines.append("")
            lines.append("Heads up:")
            lines += analysis.warnings.map { "  - " + $0.message }
        }
        return lines.joined(separator: "\n")
    }

    public static func approvalPrompt(sceneCount: Int, cost: Double) -> String {
        cost > 0
            ? "Shall I render \(count(sceneCount, "scene")) for about \(dollars(cost))? [y/N] "
            : "Shall I render \(count(sceneCount, "scene")) with Template (free)? [Y/n] "
    }

    // MARK: Why a provider

    public static func reason(style: SceneStyle, cue: String?) -> String {
        let because = cue.map { " (\($0))" } ?? ""
        switch style {
        case .textLed: return "text-led\(because): a designed card keeps the words crisp, and it is free"
        case .cinematic: return "photoreal, cinematic motion\(because)"
        case .stylized: return "stylized motion\(because)"
        case .general: return "described motion with no text to show"
        case .narrationOnly: return "nothing to picture beyond the narration: a designed card carries it"
        }
    }

    public static func soraRetiredInstead(_ reason: String) -> String {
        "\(reason); Sora would suit it, but OpenAI shut its public Videos API on 2026-09-24, so Runway"
    }

    public static func aspectUnsupported(_ provider: ProviderID, aspect: Aspect, reason: String) -> String {
        "\(reason); \(provider.displayName) does not render \(aspect.rawValue), so Runway"
    }

    public static func noProviderForAspect(_ aspect: Aspect, reason: String) -> String {
        "\(reason); neither Sora nor Runway renders \(aspect.rawValue) from text, so Template"
    }

    public static func chosenByUser(_ provider: ProviderID) -> String {
        "you chose \(provider.displayName) for every scene (--provider)"
    }

    public static func notConnectedFallback(_ provider: ProviderID) -> String {
        let variable = ProviderEnvironment.keyVariable(provider) ?? "its key"
        return "\(provider.displayName) isn't connected (\(variable) is not set), so Template renders it"
    }

    public static func tooLongFallback(_ provider: ProviderID, needs seconds: Double, maximum: Double) -> String {
        String(format: "needs %.1f s; %@ renders at most %.0f s per clip, so Template renders it", seconds, provider.displayName, maximum)
    }

    public static func fallback(_ provider: ProviderID, because reason: String) -> String {
        "\(provider.displayName) couldn't render this scene (\(reason)), so I made it with Template instead."
    }

    public static let budgetWouldBeExceeded = "starting it would take the plan past its budget"

    public static func budgetDowngrade(budget: Double) -> String {
        "moved to Template to fit your \(dollars(budget)) budget"
    }

    // MARK: Warnings

    public static func durationLong(total: Double, target: Double) -> String {
        String(format: "Your script runs %.1f s, %.1f s over your %.0f s target. Trim the narration or raise --duration.",
               total, total - target, target)
    }

    public static func durationShort(total: Double, target: Double) -> String {
        String(format: "Your script runs %.1f s, well short of your %.0f s target (%.0f s to fill). Add scenes or lower --duration.",
               total, target, target - total)
    }

    public static func noNarration(minimum: Double) -> String {
        String(format: "I found no narration, so each scene gets %.0f s (or its on-screen text's reading time). Add VO: lines or timings like (5s) to set lengths.", minimum)
    }

    public static func providerNotConnected(_ provider: ProviderID, sceneCount: Int) -> String {
        let variable = ProviderEnvironment.keyVariable(provider) ?? "its key"
        return "\(provider.displayName) isn't connected (set \(variable)), so \(count(sceneCount, "scene")) I'd give it will render with Template instead."
    }

    public static func providerRetired() -> String {
        "You asked for Sora, but OpenAI shut its public Videos API on 2026-09-24. Point OPENAI_BASE_URL at an OpenAI-compatible gateway, or scenes will fall back to Template."
    }

    public static func sceneTooLong(scene: Int, seconds: Double, provider: ProviderID, maximum: Double) -> String {
        String(format: "Scene %d needs %.1f s, longer than the %.0f s %@ renders in one clip; it will use Template. Split the scene to keep %@.",
               scene, seconds, maximum, provider.displayName, provider.displayName)
    }

    public static func budgetExceeded(cost: Double, budget: Double, fit: BudgetFit) -> String {
        let scenes = fit.downgradedScenes.map(String.init).joined(separator: ", ")
        return "This plan costs about \(dollars(cost)), over your \(dollars(budget)) budget. "
            + "The closest plan that fits moves scene\(fit.downgradedScenes.count == 1 ? "" : "s") \(scenes) to Template, for \(dollars(fit.cost))."
    }

    public static func budgetApplied(cost: Double, budget: Double, fit: BudgetFit) -> String {
        let scenes = fit.downgradedScenes.map(String.init).joined(separator: ", ")
        return "To stay within your \(dollars(budget)) budget (the plan would cost \(dollars(cost))), "
            + "scene\(fit.downgradedScenes.count == 1 ? "" : "s") \(scenes) will render with Template; the plan now costs \(dollars(fit.cost))."
    }

    /// - Parameters:
    ///   - characters: the characters left out (the first few).
    ///   - scripts: their scripts' names ("Devanagari"), and for each a Debian package with a font for it.
    public static func missingGlyphs(_ characters: String, scripts: [(name: String, package: String)]) -> String {
        let names = scripts.map(\.name).joined(separator: ", ")
        let packages = Array(Set(scripts.map(\.package))).sorted().joined(separator: " or ")
        return "The card's fonts have no glyphs for \(names) (\(characters)), so those characters are left out. "
            + "Install \(packages.isEmpty ? "fonts-noto-core" : packages) or pass --font."
    }

    // MARK: Rendering

    public static func notApproved(planPath: String) -> String {
        "No problem, nothing was rendered or spent. The plan is saved as \(planPath); run the same command again when you're ready."
    }

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

    // MARK: Batch

    /// The line printed as each batch job ends.
    public static func batchJobFinished(_ result: BatchJobResult, of total: Int) -> String {
        let head = "[\(result.job)/\(total)] \(result.output): "
        switch result.status {
        case .rendered:
            let reused = result.scenes - result.scenesRendered
            return head + String(format: "rendered, %.1f s from %@%@, %@ spent, in %.1f s.", result.duration ?? 0,
                                 count(result.scenes, "scene"), reused > 0 ? " (\(reused) reused)" : "", dollars(result.cost), result.elapsed)
        case .reused:
            return head + "already rendered and verified; left as it is."
        case .failed, .running:
            return head + "FAILED: \(result.error ?? "unknown error")"
        }
    }

    /// The table printed at the end of a batch.
    public static func batchSummary(_ report: BatchReport) -> String {
        let widths = [5, 10, 8, 5, 9, 8, 9]
        func row(_ values: [String]) -> String {
            values.enumerated().map { index, value in
                index < widths.count ? pad(value, max(widths[index], value.count + 1)) : value
            }.joined()
        }
        var lines = [row(["job", "status", "scenes", "new", "length", "cost", "time", "output"])]
        for job in report.jobs {
            lines.append(row(["\(job.job)", job.status.rawValue, "\(job.scenes)", "\(job.scenesRendered)",
                              job.duration.map { String(format: "%.1f s", $0) } ?? "-", dollars(job.cost),
                              String(format: "%.1f s", job.elapsed), job.output]))
        }
        var total = "\(count(report.jobs.count, "job")): \(report.rendered) rendered, \(report.reused) already done, \(report.failed) failed; "
            + "\(dollars(report.cost)) spent, in \(String(format: "%.1f", report.elapsed)) s."
        if report.failed > 0 { total += " Fix the failed jobs and run the same command again: finished jobs are not redone." }
        lines.append(total)
        return lines.joined(separator: "\n")
    }

    // MARK: Review

    /// Above this, narration sounds rushed (180 words a minute).
    public static let rushedWordsPerSecond = 3.0

    public static func pacing(wordsPerSecond rate: Double, words: Int, seconds: Double) -> String? {
        if words == 0 { return seconds > 6 ? String(format: "%.0f s with no narration: hold it only if the picture carries it", seconds) : nil }
        if rate > rushedWordsPerSecond { return String(format: "rushed: %.1f words a second; trim the line or give it more time", rate) }
        if rate < 1.2 { return String(format: "slow: %.1f words a second; tighten the scene", rate) }
        return nil
    }

    public static func rhythm(average: Double, longest: Double, sceneCount: Int) -> String {
        if sceneCount <= 1 { return "one continuous shot" }
        if average > 8 { return String(format: "slow cuts (%.1f s a scene on average); social audiences skip long shots", average) }
        if average < 2 { return String(format: "very fast cuts (%.1f s a scene); check viewers can read the text", average) }
        return String(format: "steady cuts, %.1f s a scene on average (longest %.1f s)", average, longest)
    }

    /// The review as lines for the terminal.
    public static func review(_ review: Review) -> String {
        var lines = [String(format: "Review of %@: %.1f s, %dx%d (%@).", review.video, review.duration, review.width,
                            review.height, review.aspect.rawValue)]
        let fits = review.platforms.filter(\.fits).map(\.platform)
        lines.append("Fits: " + (fits.isEmpty ? "none of the usual platforms as it is." : fits.joined(separator: ", ") + "."))
        for platform in review.platforms where !platform.fits {
            lines.append("  \(platform.platform): \(platform.reformat ?? "")")
        }
        lines.append("Pacing: \(review.rhythm).")
        for note in review.pacing { if let text = note.note { lines.append("  Scene \(note.scene): \(text)") } }
        if let cost = review.cost {
            var line = "Cost: spent \(dollars(cost.spent)) of an estimated \(dollars(cost.estimated)); Template only would be free"
            let others = cost.alternatives.sorted { $0.key < $1.key }.map { "\(ProviderID(rawValue: $0.key)?.displayName ?? $0.key) \(dollars($0.value))" }
            if !others.isEmpty { line += "; every scene on " + others.joined(separator: ", or on ") }
            lines.append(line + ".")
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Formatting

    public static func dollars(_ value: Double) -> String { String(format: "$%.2f", value) }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}
