import Foundation

/// What Mia says about a script she has read: the summary table, why each scene got its provider, and
/// the warnings of the analysis and its budget.
extension MiaMessages {
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
}
