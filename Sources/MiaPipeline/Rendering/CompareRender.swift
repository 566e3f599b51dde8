import Foundation

/// One scene of one variant of an A/B render: what it cost and how long it took.
public struct CompareCell: Sendable, Codable, Equatable {
    public let scene: Int
    public let title: String
    /// The provider the variant asked for.
    public let provider: ProviderID
    /// The provider that made the clip (Template after a fallback).
    public let renderedBy: ProviderID
    public let clip: String
    /// The clip's length; the sheet shows its middle frame.
    public let seconds: Double
    public let cost: Double
    /// Seconds this run spent rendering the scene (a reused clip: the check that it is still valid).
    public let renderSeconds: Double
    public let reused: Bool
    public let fallbackReason: String?
}

/// What `render --compare` wrote: one video per provider, the sheet and its JSON.
public struct CompareReport: Sendable, Codable, Equatable {
    public let script: String
    /// Variant videos by provider, in the order asked for.
    public let videos: [String: String]
    public let providers: [ProviderID]
    /// Row-major: every provider's cell for scene 1, then scene 2, …
    public let cells: [CompareCell]
    /// Dollars per provider (its scenes; the shared narration is counted once, in `speechCost`).
    public let costs: [String: Double]
    public let speechCost: Double
    public let sheet: String
}

/// The files of an A/B render of `OUT.mp4`: `OUT-runway.mp4`, …, `OUT.compare.png`, `OUT.compare.json`.
public struct CompareOutputs: Sendable {
    public let output: String
    public let providers: [ProviderID]

    public init(output: String, providers: [ProviderID]) {
        self.output = output
        self.providers = providers
    }

    private var base: URL { URL(fileURLWithPath: output).deletingPathExtension() }
    public func video(_ provider: ProviderID) -> String {
        let url = URL(fileURLWithPath: output)
        return base.path + "-\(provider.rawValue)." + (url.pathExtension.isEmpty ? "mp4" : url.pathExtension)
    }
    public var sheet: String { base.path + ".compare.png" }
    public var json: String { base.path + ".compare.json" }
}

extension RenderOrchestrator {
    /// Renders the script once per provider — each variant a normal render (plan, narration, soundtrack,
    /// captions), the narration spoken once and shared through the speech cache — then writes a contact
    /// sheet with a row per scene and a column per provider, and the same as JSON.
    /// Every variant is planned before any scene is paid for: a provider that is not connected, an
    /// output that exists without `overwrite`, or a sum of estimates over the budget stops the run then
    /// (a cloud narration is bought while planning, once for all variants).
    /// Each variant keeps its own plan and job-store records, so a rerun resumes provider jobs instead
    /// of paying again.
    /// - Parameter approve: asked with every variant's plan before anything is paid for (guided mode);
    ///   false stops the run then.
    /// - Throws: `MiaError` as `prepare` and `execute` do, and for the checks above.
    public func compare(script text: String, name: String, output: String, providers: [ProviderID], options: RenderOptions,
                        approve: (([RenderPlan]) -> Bool)? = nil) async throws -> CompareReport {
        guard !providers.isEmpty, Set(providers).count == providers.count else {
            throw MiaError("--compare needs a list of different providers, e.g. runway,veo,template")
        }
        for provider in providers where !provider.isLocal && registry.provider(provider) == nil {
            throw MiaError(.provider(provider.displayName), "is not connected, so it cannot be compared (set \(ProviderVariables.keyVariable(provider) ?? "its key"))")
        }
        let outputs = CompareOutputs(output: output, providers: providers)
        for file in [outputs.sheet, outputs.json] { try AtomicOutput.checkDestination(file, overwrite: options.overwrite) }

        let variants = providers.map { provider in
            var variant = options
            variant.plan.provider = provider
            // Planned without the budget, so no variant is quietly moved to Template to fit it: the sum of
            // the variants is held to the budget below, before any scene is paid for.
            variant.plan.budget = nil
            return (provider, variant)
        }
        // Speech is bought while the first variant is planned, and sets the scenes' lengths. Before that, the
        // pictures as the words time them must leave room for it in the budget, or nothing is bought at all.
        var planner = self
        let overBudget = StopFlag()
        if let budget = options.plan.budget {
            let pictures = try variants.reduce(0.0) { sum, variant in
                sum + (try ScriptAnalyzer(log: SilentLog()).analyze(text, name: name, options: RenderPlanner.analysisOptions(variant.1.plan))).totalCost
            }
            if pictures > budget + 1e-9 {
                throw MiaError("the variants' pictures alone are estimated at \(MiaMessages.dollars(pictures)), over the budget of "
                               + "\(MiaMessages.dollars(budget)); nothing was bought or rendered")
            }
            let asked = approveSpeech
            planner.approveSpeech = { due in
                guard due + pictures <= budget + 1e-9 else {
                    overBudget.set()
                    return false
                }
                return asked?(due) ?? true
            }
        }
        var prepared: [(ProviderID, PreparedRender, RenderOptions)] = []
        for (provider, variant) in variants {
            do {
                prepared.append((provider, try await planner.prepare(script: text, name: name, output: outputs.video(provider), options: variant), variant))
            } catch where overBudget.isSet {
                throw MiaError("the narration and the variants' pictures together are estimated over the budget of "
                               + "\(MiaMessages.dollars(options.plan.budget ?? 0)); nothing was bought or rendered")
            }
        }
        let speechCost = prepared.first?.1.plan.speechCost ?? 0
        let pictures = prepared.map { $0.1.plan.scenes.reduce(0) { $0 + $1.estimatedCost } }
        if let budget = options.plan.budget, speechCost + pictures.reduce(0, +) > budget + 1e-9 {
            throw MiaError("the variants together are estimated at \(MiaMessages.dollars(speechCost + pictures.reduce(0, +))), "
                + "over the budget of \(MiaMessages.dollars(budget)); nothing was rendered")
        }
        if let approve, !approve(prepared.map(\.1.plan)) { throw MiaError("not approved; nothing was rendered") }

        var columns: [[CompareCell]] = []
        var costs: [String: Double] = [:]
        // Clips made here (template cards, the user's own files) are the same in every variant: made once.
        var madeHere: [SharedScene: String] = [:]
        let renderer = SceneRenderer(store: store, registry: registry, log: log)
        for (provider, variant, variantOptions) in prepared {
            let context = SceneContext(files: variant.files, theme: variantOptions.theme)
            for job in variant.plan.scenes {
                if let key = SharedScene(job, files: variant.files, theme: variantOptions.theme.name), let donor = madeHere[key] {
                    try renderer.adopt(donor, for: job, context: context)
                }
            }
            let outcome = try await execute(variant, output: outputs.video(provider), options: variantOptions)
            for (job, scene) in zip(variant.plan.scenes, outcome.scenes) where scene.fallbackReason == nil {
                if let key = SharedScene(job, files: variant.files, theme: variantOptions.theme.name) { madeHere[key] = scene.clip }
            }
            columns.append(zip(variant.plan.scenes, outcome.scenes).map { job, scene in
                CompareCell(scene: scene.sceneNumber, title: job.title, provider: provider, renderedBy: scene.provider,
                            clip: scene.clip, seconds: scene.seconds, cost: scene.cost, renderSeconds: scene.elapsed,
                            reused: scene.reused, fallbackReason: scene.fallbackReason)
            })
            costs[provider.rawValue] = outcome.scenes.reduce(0) { $0 + $1.cost }
        }
        let cells = (0..<(columns.first?.count ?? 0)).flatMap { row in columns.map { $0[row] } }

        let sheet = ContactSheet(cells: cells.map { cell in
            ContactSheet.Cell(video: cell.clip, seconds: cell.seconds / 2, label: [
                "\(cell.scene). \(cell.title) — \(cell.renderedBy.displayName)",
                "\(MiaMessages.dollars(cell.cost)) · " + (cell.reused ? "reused" : String(format: "%.1f s", cell.renderSeconds)),
            ])
        }, columns: providers.count)
        try sheet.write(to: outputs.sheet, overwrite: options.overwrite)

        let report = CompareReport(script: name, videos: Dictionary(uniqueKeysWithValues: providers.map { ($0.rawValue, outputs.video($0)) }),
                                   providers: providers, cells: cells, costs: costs, speechCost: speechCost, sheet: outputs.sheet)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(report)
        try AtomicOutput(destination: outputs.json, overwrite: options.overwrite).write { try json.write(to: URL(fileURLWithPath: $0)) }
        log.emit(MiaEvent("MIA:COMPARE:COMPLETE", [
            ("providers", .string(providers.map(\.rawValue).joined(separator: ","))), ("sheet", .string(outputs.sheet)),
            ("spent", .string(MiaMessages.dollars(costs.values.reduce(speechCost, +)))),
        ]))
        return report
    }
}

/// What a clip made here depends on: two variants' scenes with the same key get the same clip.
struct SharedScene: Hashable {
    let provider: ProviderID
    let title: String
    let text: String
    let media: String?
    let seconds: Double
    let frame: String
    let theme: String

    /// nil for a scene a provider renders (each variant pays for its own).
    init?(_ job: SceneJob, files: PlanFiles, theme: String) {
        guard job.provider.isLocal else { return nil }
        let plan = files.plan
        provider = job.provider
        title = job.title
        text = job.onScreenText.isEmpty ? job.narration : job.onScreenText
        media = (try? files.mediaPath(job)).flatMap { $0 }
        seconds = job.seconds
        frame = "\(plan.target.size)@\(plan.target.fps)"
        self.theme = theme
    }
}
