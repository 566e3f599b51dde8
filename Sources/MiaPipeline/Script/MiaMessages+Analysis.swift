import Foundation

/// What Mia says about a script she has read: the summary table, why each scene got its provider, and
/// the warnings of the analysis and its budget.
extension MiaMessages {
    // MARK: Greeting and summary

    public static func greeting(sceneCount: Int, format: ScriptFormat) -> String {
        let how: String
        switch format {
        case .headings: how = "from its scene headings"
        case .outline: how = "from its outline items"
        case .table, .csv, .tsv: how = "from its table, a row a scene"
        case .tags: how = "from its VISUAL/VO blocks"
        case .screenplay: how = "from its sluglines"
        case .fdx: how = "from its Final Draft scene headings"
        case .srt, .vtt: how = "from its subtitle cues"
        case .timecoded: how = "from its timecodes"
        case .separators: how = "from its --- separators"
        case .prose: how = "by paragraph"
        case .empty: how = ""
        }
        return "Hi, I'm Mia. I read your script as \(count(sceneCount, "scene")) \(how)."
    }

    /// "left out: 3 lines (title page, 2 notes)", or nil when nothing is.
    public static func leftOutSummary(_ leftOut: [LeftOutText]) -> String? {
        guard !leftOut.isEmpty else { return nil }
        var counts: [(reason: String, count: Int)] = []
        for item in leftOut {
            if let index = counts.firstIndex(where: { $0.reason == item.reason }) { counts[index].count += 1 } else { counts.append((item.reason, 1)) }
        }
        let lines = Set(leftOut.map(\.line)).count
        let reasons = counts.map { $0.count == 1 ? $0.reason : "\($0.count) \(plural($0.reason))" }
        return "left out: \(count(lines, "line")) (\(reasons.joined(separator: ", ")))"
    }

    private static func plural(_ word: String) -> String {
        word.hasSuffix("s") ? word : word.hasSuffix("y") ? word.dropLast() + "ies" : word + "s"
    }

    /// The warning for a format that was a guess between two readings.
    public static func formatGuess(_ detection: FormatDetection) -> String? {
        guard !detection.forced, let other = detection.alternative else { return nil }
        return "I read this script as \(detection.format.rawValue), but it could also be \(other.rawValue); "
            + "if the scenes look wrong, try --format \(other.rawValue)"
    }

    /// An unknown `--format` name, with the names that exist.
    public static func unknownFormat(_ name: String) -> String {
        "unknown script format \"\(name)\"; use one of "
            + ScriptFormat.allCases.filter { $0 != .empty }.map(\.rawValue).joined(separator: ", ") + " (or fountain, webvtt, subrip)"
    }

    /// `analyze --explain`: where each scene came from and why, and what was left out.
    public static func explanation(_ analysis: ScriptAnalysis) -> String {
        let detection = analysis.detection
        var lines = [detection.forced
            ? "Format: \(detection.format.rawValue) (forced with --format)"
            : String(format: "Format: %@ (confidence %.2f)", detection.format.rawValue, detection.confidence)
                + (detection.alternative.map { "; it could also be read as \($0.rawValue): --format \($0.rawValue)" } ?? "")]
        for item in analysis.scenes {
            let scene = item.scene
            let range = scene.source.map { $0.firstLine == $0.lastLine ? "line \($0.firstLine)" : "lines \($0.firstLine)–\($0.lastLine)" } ?? "lines ?"
            lines.append("  scene \(scene.number) \"\(clip(scene.title, 40))\": \(range), \(scene.source?.rule ?? "")")
        }
        if analysis.leftOut.isEmpty {
            lines.append("Left out: nothing; every word is in a scene.")
        } else {
            lines.append("Left out:")
            for item in analysis.leftOut { lines.append("  line \(item.line) (\(item.reason)): \(clip(item.text, 60))") }
        }
        return lines.joined(separator: "\n")
    }

    /// What a forced format looks for and did not find.
    static func missingLayout(_ format: ScriptFormat) -> String {
        switch format {
        case .headings: "no scene headings (`Scene 1:`, `## Title`, `**Title**`)"
        case .outline: "no outline of two or more numbered or bulleted items"
        case .tags: "no VISUAL/VO tags"
        case .screenplay: "no sluglines (`INT. KITCHEN - DAY`)"
        case .timecoded: "no two lines starting with time ranges or increasing timestamps"
        case .separators: "no `---` separator with text on both sides"
        case .table: "no Markdown table with a header row"
        case .csv, .tsv: "no header row of named columns"
        case .fdx: "no Final Draft XML"
        case .srt, .vtt: "no subtitle cues (`00:00:01,000 --> 00:00:04,000`)"
        case .prose, .empty: "nothing to read"
        }
    }

    static func timingOverlap(scene: Int, start: Double, previous: Int, end: Double, lines: [Int]) -> String {
        "scene \(scene) starts at \(clock(start)), before scene \(previous) ends at \(clock(end))"
            + (lines.isEmpty ? "" : " (lines \(lines.map(String.init).joined(separator: " and ")))") + ": the time ranges overlap"
    }

    static func timingGap(scene: Int, start: Double, previous: Int, end: Double, lines: [Int]) -> String {
        "scene \(scene) starts at \(clock(start)), \(String(format: "%.1f", start - end)) s after scene \(previous) ends at \(clock(end))"
            + (lines.isEmpty ? "" : " (lines \(lines.map(String.init).joined(separator: " and ")))") + ": a gap in the time ranges"
    }

    /// `1:05`, `0:03.5`.
    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.down))
        let fraction = seconds - Double(whole)
        let base = "\(whole / 60):" + (whole % 60 < 10 ? "0" : "") + "\(whole % 60)"
        return fraction > 0.005 ? base + String(format: "%.1f", fraction).dropFirst() : base
    }

    /// The analysis as a table with totals and warnings, for the terminal.
    public static func summary(_ analysis: ScriptAnalysis) -> String {
        var lines = [greeting(sceneCount: analysis.scenes.count, format: analysis.format), ""]
        let titleWidth = min(28, max(5, analysis.scenes.map { $0.scene.title.count }.max() ?? 5))
        lines.append("  #  " + pad("Scene", titleWidth) + "     Time  " + pad("Provider", 16) + "     Cost  Why")
        for item in analysis.scenes {
            let provider = switch item.chosen.provider {
            case .media: "Your \(item.scene.media?.kind.rawValue ?? "file")"
            case .template: "Template"
            default: "\(item.chosen.provider.displayName) \(item.chosen.model)"
            }
            let cost = dollars(item.cost)
            lines.append(String(format: "%3d  ", item.scene.number) + pad(clip(item.scene.title, titleWidth), titleWidth)
                         + String(format: "  %5.1f s  ", item.length) + pad(provider, 16) + "  "
                         + String(repeating: " ", count: max(0, 7 - cost.count)) + cost + "  " + item.chosen.reason)
        }
        lines.append("")
        lines.append(String(format: "Total: %.1f s, estimated %@.", analysis.totalSeconds, dollars(analysis.totalCost)))
        if let leftOut = leftOutSummary(analysis.leftOut) { lines.append(leftOut.prefix(1).uppercased() + leftOut.dropFirst() + " (--explain lists them).") }
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

    /// The style's first choice could not take the scene (`why`), so `pick` does.
    public static func suitsBestInstead(_ reason: String, best: ProviderID, because why: String, pick: ProviderID) -> String {
        "\(reason); \(best.displayName) would suit it best, but \(why), so \(pick.displayName)"
    }

    public static func doesNotRender(_ aspect: Aspect) -> String { "it does not render \(aspect.rawValue)" }

    public static func isNotConnected(_ provider: ProviderID) -> String {
        "it isn't connected (\(ProviderEnvironment.keyVariable(provider) ?? "its key") is not set)"
    }

    public static func noProviderForAspect(_ aspect: Aspect, reason: String) -> String {
        "\(reason); no provider renders \(aspect.rawValue) from text, so Template"
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

    /// Why a scene with `![](path)` is not generated.
    static func ownMedia(_ media: SceneMedia) -> String {
        "shows your own \(media.kind.rawValue) \(media.path) (line \(media.line)); nothing to pay"
    }

    static func animatesImage(_ media: SceneMedia, provider: ProviderID) -> String {
        "\(provider.displayName) animates your image \(media.path) (line \(media.line)) from its first frame (--animate-images)"
    }

    /// Why `--animate-images` left an image still (it moves slowly over it instead).
    static func noAnimator(_ media: SceneMedia, asked: ProviderID?) -> String {
        let why: String
        switch asked {
        case .luma?:
            why = "Luma takes keyframes only as a URL its servers fetch, and has no upload, so a file here cannot reach it"
        case let provider? where !provider.animatesLocalImages:
            why = "\(provider.displayName) cannot start a clip from an image"
        case let provider?:
            why = "\(provider.displayName) is not connected (set \(ProviderVariables.keyVariable(provider) ?? "its key"))"
        case nil:
            why = "no connected provider animates images (set RUNWAYML_API_SECRET or GEMINI_API_KEY)"
        }
        return ownMedia(media) + "; not animated: " + why
    }

    static func imageNotAnimated(scene: Int, _ reason: String) -> String {
        "scene \(scene) \(reason)"
    }
}
