import Foundation

/// Script in, analysis out: scenes, durations, a provider per scene with its reason, cost, warnings.
public struct ScriptAnalyzer: Sendable {
    public let log: any EventSink

    public init(log: any EventSink) { self.log = log }

    /// `[MIA:ANALYZE:ERROR]`, for a script that cannot be analyzed (empty here; unreadable where it is read).
    public static func errorEvent(_ error: any Error, script name: String) -> MiaEvent {
        MiaEvent("MIA:ANALYZE:ERROR", [("script", .string(name)), ("reason", .string((error as? MiaError)?.message ?? "\(error)"))])
    }

    /// - Throws: `MiaError` for a script with nothing in it, or one not in the format `options.format` names.
    public func analyze(_ text: String, name: String = "script", options: AnalysisOptions = AnalysisOptions()) throws -> ScriptAnalysis {
        let parsed: ParsedScript
        do {
            parsed = try ScriptReader.read(text, name: name, as: options.format)
            guard !parsed.scenes.isEmpty else { throw MiaError(file: name, "the script is empty; there is nothing to analyze") }
            if let folder = options.mediaFolder { try OwnMediaCheck.check(parsed.scenes, folder: folder, script: name) }
        } catch {
            log.emit(Self.errorEvent(error, script: name))
            throw error
        }
        var warnings: [AnalysisWarning] = []
        if let guess = MiaMessages.formatGuess(parsed.detection) {
            warnings.append(AnalysisWarning(kind: .formatGuess, message: guess))
        }
        warnings += parsed.timingWarnings.map { AnalysisWarning(kind: .timing, message: $0) }
        var scenes = parsed.scenes.map { analyzeScene($0, options: options, warnings: &warnings) }

        for provider in ProviderID.allCases where !provider.isLocal {
            let fellBack = scenes.filter { $0.chosen.reason == MiaMessages.notConnectedFallback(provider) }.count
            if fellBack > 0 {
                warnings.append(AnalysisWarning(kind: .providerNotConnected,
                                                message: MiaMessages.providerNotConnected(provider, sceneCount: fellBack)))
            }
        }
        if options.providerOverride == .sora && !options.environment.soraGatewayConfigured {
            warnings.append(AnalysisWarning(kind: .providerRetired, message: MiaMessages.providerRetired()))
        }
        if !scenes.contains(where: { $0.scene.narrationWords > 0 }) {
            warnings.append(AnalysisWarning(kind: .noNarration, message: MiaMessages.noNarration(minimum: options.estimator.minimumSeconds)))
        }

        var budgetFit: BudgetFit?
        let cost = scenes.reduce(0) { $0 + $1.cost }
        if let budget = options.budget, cost > budget + 1e-9 {
            let fit = Self.fit(scenes, budget: budget)
            budgetFit = fit
            if options.enforceBudget {
                scenes = scenes.map { item in
                    guard fit.downgradedScenes.contains(item.scene.number) else { return item }
                    return Self.template(item, reason: MiaMessages.budgetDowngrade(budget: budget))
                }
                warnings.append(AnalysisWarning(kind: .budget, message: MiaMessages.budgetApplied(cost: cost, budget: budget, fit: fit)))
            } else {
                warnings.append(AnalysisWarning(kind: .budget, message: MiaMessages.budgetExceeded(cost: cost, budget: budget, fit: fit)))
            }
        }

        let totalSeconds = scenes.reduce(0) { $0 + $1.length }
        if let target = options.targetDuration, target > 0 {
            if totalSeconds > target * 1.1 && totalSeconds - target >= 1 {
                warnings.append(AnalysisWarning(kind: .durationLong, message: MiaMessages.durationLong(total: totalSeconds, target: target)))
            } else if totalSeconds < target * 0.7 {
                warnings.append(AnalysisWarning(kind: .durationShort, message: MiaMessages.durationShort(total: totalSeconds, target: target)))
            }
        }

        let analysis = ScriptAnalysis(format: parsed.format, detection: parsed.detection, scenes: scenes,
                                      leftOut: parsed.leftOut, totalSeconds: totalSeconds,
                                      totalCost: scenes.reduce(0) { $0 + $1.cost }, targetDuration: options.targetDuration,
                                      budget: options.budget, aspect: options.aspect, warnings: warnings, budgetFit: budgetFit)
        log.emit(MiaEvent("MIA:ANALYZE", [
            ("script", .string(name)), ("format", .string(parsed.format.rawValue)),
            ("scenes", .int(Int64(scenes.count))), ("duration", .seconds(totalSeconds)),
            ("cost", .string(MiaMessages.dollars(analysis.totalCost))),
            ("confidence", .string(String(format: "%.2f", parsed.detection.confidence))),
            ("left_out", .int(Int64(parsed.leftOut.count))),
        ]))
        for warning in warnings {
            log.emit(MiaEvent("MIA:WARN", [("kind", .string(warning.kind.rawValue)), ("message", .string(warning.message))]))
        }
        return analysis
    }

    // MARK: - One scene

    private func analyzeScene(_ scene: Scene, options: AnalysisOptions, warnings: inout [AnalysisWarning]) -> SceneAnalysis {
        let (style, cue) = SceneStyle.classify(scene)
        var estimate = options.estimator.estimate(scene)
        let spoken = options.speechSeconds[scene.number]
        if let spoken {
            // Speech that is heard sets the length; a longer picture need (an annotation, on-screen text to read)
            // still wins, but no word is ever cut.
            let needed = NarrationTiming.sceneSeconds(speaking: spoken)
            let pictureNeeds = estimate.source == .annotation || estimate.source == .onScreenText
            if !pictureNeeds || estimate.seconds < needed {
                if estimate.source == .annotation {
                    warnings.append(AnalysisWarning(kind: .timing, message: MiaMessages.speechOutlastsScene(
                        scene: scene.number, speech: spoken, annotated: estimate.seconds)))
                }
                estimate = DurationEstimate(seconds: (needed * 100).rounded(.up) / 100, source: .speech)
            }
        }
        // What the scene shows when no provider renders it: the user's own file, else a template card.
        let local: (String) -> ProviderChoice = { reason in
            scene.media == nil ? ProviderChoice(provider: .template, model: "template", reason: reason)
                               : ProviderChoice(provider: .media, model: ProviderCatalog.defaultModel(for: .media).name, reason: reason)
        }
        var recommended: ProviderChoice
        var chosen: ProviderChoice
        if let media = scene.media {
            // The user's own file is the picture, whatever provider was asked for: local work, free — unless
            // an image is to be animated by a provider that can take it.
            let own = local(MiaMessages.ownMedia(media))
            guard media.kind == .image, options.animateImages else {
                return SceneAnalysis(scene: scene, style: style, estimate: estimate, recommended: own, chosen: own,
                                     seconds: ProviderCatalog.defaultModel(for: .media).durations.snap(estimate.seconds), cost: 0,
                                     sceneSeconds: nil, fit: nil)
            }
            guard let animator = Self.animator(options: options) else {
                let kept = local(MiaMessages.noAnimator(media, asked: options.providerOverride))
                warnings.append(AnalysisWarning(kind: .providerNotConnected, message: MiaMessages.imageNotAnimated(scene: scene.number, kept.reason)))
                return SceneAnalysis(scene: scene, style: style, estimate: estimate, recommended: kept, chosen: kept,
                                     seconds: ProviderCatalog.defaultModel(for: .media).durations.snap(estimate.seconds), cost: 0,
                                     sceneSeconds: nil, fit: nil)
            }
            recommended = ProviderChoice(provider: animator.provider, model: animator.name,
                                         reason: MiaMessages.animatesImage(media, provider: animator.provider))
            chosen = recommended
        } else {
            recommended = Self.recommend(style: style, cue: cue, options: options)
            chosen = recommended
            if let override = options.providerOverride {
                chosen = ProviderChoice(provider: override, model: ProviderCatalog.defaultModel(for: override).name,
                                        reason: MiaMessages.chosenByUser(override))
            }
            if !options.environment.isConnected(chosen.provider) {
                chosen = local(MiaMessages.notConnectedFallback(chosen.provider))
            }
        }
        let model = ProviderCatalog.model(chosen.provider, chosen.model) ?? ProviderCatalog.defaultModel(for: chosen.provider)
        if let maximum = model.durations.maximum, estimate.seconds > maximum, spoken != nil {
            // Narration outlasts the longest clip: the clip's last frame is held under the rest of the speech.
            warnings.append(AnalysisWarning(kind: .sceneTooLong, message: MiaMessages.speechOutlastsClip(
                scene: scene.number, provider: chosen.provider, needs: estimate.seconds, maximum: maximum)))
            return SceneAnalysis(scene: scene, style: style, estimate: estimate, recommended: recommended, chosen: chosen,
                                 seconds: maximum, cost: Self.cents(maximum * model.pricePerSecond),
                                 sceneSeconds: estimate.seconds, fit: .hold)
        }
        if let maximum = model.durations.maximum, estimate.seconds > maximum {
            warnings.append(AnalysisWarning(kind: .sceneTooLong, message: MiaMessages.sceneTooLong(
                scene: scene.number, seconds: estimate.seconds, provider: chosen.provider, maximum: maximum)))
            chosen = local(MiaMessages.tooLongFallback(chosen.provider, needs: estimate.seconds, maximum: maximum))
        }
        let finalModel = ProviderCatalog.model(chosen.provider, chosen.model) ?? ProviderCatalog.defaultModel(for: chosen.provider)
        let seconds = finalModel.durations.snap(estimate.seconds)
        // A clip longer than the speech needs is cut at the scene's end, so the next scene comes on time.
        // (A model that renders any length, as Template does, is asked for the scene's own length instead.)
        var rendersAnyLength = false
        if case .any = finalModel.durations { rendersAnyLength = true }
        // Up to a quarter second over is left as a longer tail: not worth re-encoding the clip for.
        let trimmed = estimate.source == .speech && !rendersAnyLength && seconds > estimate.seconds + 0.25
        return SceneAnalysis(scene: scene, style: style, estimate: estimate, recommended: recommended, chosen: chosen,
                             seconds: seconds, cost: Self.cents(seconds * finalModel.pricePerSecond),
                             sceneSeconds: trimmed ? estimate.seconds : nil, fit: trimmed ? .trim : nil)
    }

    /// The providers that suit a style, best first: photoreal motion to Veo, stylized to Runway or Luma.
    /// `recommend` takes the first of these that can render the scene; this is the one place `auto` is decided.
    static func preference(_ style: SceneStyle) -> [ProviderID] {
        switch style {
        case .textLed, .narrationOnly: []
        case .cinematic: [.veo, .sora, .runway, .luma]
        case .stylized: [.runway, .luma, .veo, .sora]
        case .general: [.runway, .veo, .luma, .sora]
        }
    }

    /// The provider that suits a style best among those alive for this aspect (Sora only behind a gateway),
    /// preferring a connected one; with none connected, the best of them (the scene then falls back to
    /// Template, and a warning names the key to set). The reason says why a better suited one was passed over.
    static func recommend(style: SceneStyle, cue: String?, options: AnalysisOptions) -> ProviderChoice {
        let reason = MiaMessages.reason(style: style, cue: cue)
        let environment = options.environment
        let aspect = options.aspect.rawValue
        func gone(_ provider: ProviderID) -> Bool { provider == .sora && !environment.soraGatewayConfigured }
        func renders(_ provider: ProviderID) -> Bool { ProviderCatalog.defaultModel(for: provider).aspects.contains(aspect) }
        let preferred = preference(style)
        guard let best = preferred.first else { return ProviderChoice(provider: .template, model: "template", reason: reason) }
        let alive = preferred.filter { !gone($0) && renders($0) }
        guard let first = alive.first else {
            return ProviderChoice(provider: .template, model: "template", reason: MiaMessages.noProviderForAspect(options.aspect, reason: reason))
        }
        let pick = alive.first(where: environment.isConnected) ?? first
        let model = ProviderCatalog.defaultModel(for: pick).name
        guard pick != best else { return ProviderChoice(provider: pick, model: model, reason: reason) }
        // No style puts Sora first, so the best one was passed over for its frame or its key.
        let why = renders(best) ? MiaMessages.isNotConnected(best) : MiaMessages.doesNotRender(options.aspect)
        return ProviderChoice(provider: pick, model: model,
                              reason: MiaMessages.suitsBestInstead(reason, best: best, because: why, pick: pick))
    }

    /// The model that starts a clip from a scene's own image (`--animate-images`): the provider asked for,
    /// if it can take a local image and is connected; else the first connected of those that can (Runway's
    /// image-to-video model, the cheapest, or Veo's), for the plan's aspect. nil when none can.
    static func animator(options: AnalysisOptions) -> ProviderModel? {
        let candidates: [ProviderID] = options.providerOverride.map { [$0] } ?? [.runway, .veo]
        return candidates.lazy.filter { $0.animatesLocalImages && options.environment.isConnected($0) }
            .map { $0 == .runway ? ProviderCatalog.model(.runway, "gen4_turbo")! : ProviderCatalog.defaultModel(for: $0) }
            .first { $0.aspects.contains(options.aspect.rawValue) }
    }

    /// The fewest downgrades to Template that bring the cost within budget: costliest scenes first
    /// (later scenes first on ties, so openings keep their look).
    static func fit(_ scenes: [SceneAnalysis], budget: Double) -> BudgetFit {
        var cost = scenes.reduce(0) { $0 + $1.cost }
        var downgraded: [Int] = []
        let paid = scenes.filter { $0.cost > 0 }.sorted { ($0.cost, $0.scene.number) > ($1.cost, $1.scene.number) }
        for item in paid where cost > budget + 1e-9 {
            cost -= item.cost
            downgraded.append(item.scene.number)
        }
        return BudgetFit(downgradedScenes: downgraded.sorted(), cost: cents(max(0, cost)))
    }

    /// The scene made here instead: a template card, or the user's own file when it has one.
    static func template(_ item: SceneAnalysis, reason: String) -> SceneAnalysis {
        var copy = item
        let local: ProviderID = item.scene.media == nil ? .template : .media
        copy.chosen = ProviderChoice(provider: local, model: ProviderCatalog.defaultModel(for: local).name, reason: reason)
        copy.seconds = ProviderCatalog.defaultModel(for: local).durations.snap(item.estimate.seconds)
        copy.cost = 0
        copy.sceneSeconds = nil
        copy.fit = nil
        return copy
    }

    private static func cents(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
