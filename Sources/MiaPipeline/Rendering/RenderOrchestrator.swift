import Foundation

/// What `render` takes besides the script and the output path.
public struct RenderOptions: Sendable {
    public var plan: PlanOptions
    /// Provider jobs in flight at once, per provider (the studio's concurrency guard: 2).
    public var concurrency = 2
    /// Render with Template when a provider cannot deliver (`--no-fallback` turns this off).
    public var fallback = true
    public var theme: Theme
    public var overwrite = false
    public var sceneDeadline: Duration = .seconds(900)
    /// Told when the plan is stitched or fails (`--webhook`).
    public var webhook: WebhookURL?

    public init(plan: PlanOptions, concurrency: Int = 2, fallback: Bool = true, theme: Theme, overwrite: Bool = false,
                sceneDeadline: Duration = .seconds(900), webhook: WebhookURL? = nil) {
        self.webhook = webhook
        self.plan = plan
        self.concurrency = concurrency
        self.fallback = fallback
        self.theme = theme
        self.overwrite = overwrite
        self.sceneDeadline = sceneDeadline
    }
}

/// A plan written and recorded, ready for approval and rendering.
public struct PreparedRender: Sendable {
    /// The plan and where its clips go.
    public let files: PlanFiles
    public let analysis: ScriptAnalysis
    /// Held until the render is done with: no other render writes the same output meanwhile.
    public let lock: OutputLock?

    public init(files: PlanFiles, analysis: ScriptAnalysis, lock: OutputLock? = nil) {
        self.files = files
        self.analysis = analysis
        self.lock = lock
    }

    public var plan: RenderPlan { files.plan }
    public var planPath: String { files.path }
    /// The plan file's folder; scene clips are under it.
    public var folder: String { files.folder }
}

/// What a finished render produced.
public struct RenderOutcome: Sendable {
    public let plan: RenderPlan
    public let scenes: [SceneOutcome]
    public let stitch: StitchResult
    public let review: Review
    /// Dollars committed to providers for this plan.
    public let spent: Double
    public let elapsed: Double
}

/// Script in, finished video out: analyze → plan (recorded) → render every scene → verify → stitch → review.
public struct RenderOrchestrator: Sendable {
    public let store: JobStore
    public let registry: ProviderRegistry
    /// The speech engines narrated plans are spoken with.
    public let voices: VoiceRegistry
    public let log: any EventSink
    public let progress: (@Sendable (Int, String, Double?) -> Void)?
    /// Asked with the price before paid speech is bought (guided mode); false stops the run before any spend.
    public var approveSpeech: (@Sendable (Double) -> Bool)?
    /// Sends `options.webhook` its event; shared by every render of one command (a batch's jobs too).
    public var webhooks: WebhookNotifier

    public init(store: JobStore, registry: ProviderRegistry, voices: VoiceRegistry = VoiceRegistry([]), log: any EventSink,
                progress: (@Sendable (Int, String, Double?) -> Void)? = nil) {
        self.store = store
        self.registry = registry
        self.voices = voices
        self.log = log
        self.progress = progress
        webhooks = WebhookNotifier(store: store, log: log)
    }

    /// Speaks the narration (when asked), analyzes the script and writes its plan beside the output
    /// (`NAME.plan.json`, clips in `NAME-scenes/`, speech in `NAME-scenes/speech/`), recorded in the job
    /// store. Nothing is spent on pictures yet; speech is (its cost is in the plan and comes off the budget).
    /// - Throws: `MiaError` for an empty script, an output that exists without `overwrite` (or is a
    ///   directory, or in a folder that cannot be written), or one another render is writing. All
    ///   of it before anything is spent.
    public func prepare(script text: String, name: String, output: String, options: RenderOptions) async throws -> PreparedRender {
        let outputURL = URL(fileURLWithPath: output)
        _ = try OutputContainerFormat(outputPath: output)
        try AtomicOutput.checkDestination(output, overwrite: options.overwrite)
        if let narration = options.plan.narration, narration.voice != .none, narration.captions.writesSidecars {
            try CaptionFiles.checkDestinations(beside: output, overwrite: options.overwrite)
            // A font that is not there is found before any speech is bought, not at the stitch.
            if narration.captions == .burn { _ = try CaptionFont.resolve(narration.captionAppearance.font) }
        }
        let lock = try OutputLock(for: output)
        let folder = outputURL.deletingLastPathComponent().path
        let base = outputURL.deletingPathExtension().lastPathComponent
        var speaker = SpeechSynthesizer(store: store, voices: voices, log: log, progress: progress)
        speaker.approve = approveSpeech
        let (plan, analysis, _) = try await RenderPlanner(log: log).plan(text, scriptName: name, planFileName: base, planFolder: folder,
                                                                        options: options.plan, speaker: speaker)
        let planPath = URL(fileURLWithPath: folder).appendingPathComponent("\(base).plan.json").path
        // The plan is deterministic, so rewriting it on a rerun changes nothing the store relies on.
        try AtomicOutput(destination: planPath, overwrite: true).write { try plan.json().write(to: URL(fileURLWithPath: $0)) }
        try store.record(plan, planPath: planPath)
        return PreparedRender(files: try PlanFiles(plan: plan, path: planPath), analysis: analysis, lock: lock)
    }

    /// Renders every scene (reusing verified clips from earlier runs and resuming recorded
    /// provider jobs), then stitches and reviews.
    /// - Parameter slots: the concurrency limits to render within; several renders given the same one share
    ///   its limits (a batch). Default: this render's own, `options.concurrency` per provider.
    /// With `options.webhook`, the plan's end (`plan.stitched` or `plan.failed`) is sent there before this
    /// returns; the webhook's own failure never changes the outcome.
    /// - Throws: `MiaError` when a scene cannot be rendered or the clips cannot be stitched.
    public func execute(_ prepared: PreparedRender, output: String, options: RenderOptions,
                        slots: RenderSlots? = nil) async throws -> RenderOutcome {
        let plan = prepared.plan
        // A receiver runs elsewhere: it is told where the video is, not where it is from here.
        let reported = URL(fileURLWithPath: output).standardizedFileURL.path
        do {
            let outcome = try await renderAndStitch(prepared, output: output, options: options, slots: slots)
            if let webhook = options.webhook {
                await webhooks.notify(WebhookPayload(event: .stitched, planId: plan.renderPlanId, output: reported,
                                                     durationSeconds: outcome.stitch.duration, sceneCount: plan.scenes.count,
                                                     costDollars: outcome.spent, error: nil), to: webhook)
            }
            return outcome
        } catch {
            if let webhook = options.webhook {
                let spent = ((try? store.committedSpend(planId: plan.renderPlanId)) ?? 0) + plan.speechCost
                await webhooks.notify(WebhookPayload(event: .failed, planId: plan.renderPlanId, output: reported, durationSeconds: nil,
                                                     sceneCount: plan.scenes.count, costDollars: spent,
                                                     error: (error as? MiaError)?.message ?? "\(error)"), to: webhook)
            }
            throw error
        }
    }

    private func renderAndStitch(_ prepared: PreparedRender, output: String, options: RenderOptions,
                                 slots: RenderSlots?) async throws -> RenderOutcome {
        let started = Date()
        let plan = prepared.plan
        let context = SceneContext(files: prepared.files, theme: options.theme, fallback: options.fallback,
                                   deadline: options.sceneDeadline)
        let renderer = SceneRenderer(store: store, registry: registry, log: log, progress: progress)
        // The narration was bought while planning: it counts against the budget like any scene.
        let budget = try BudgetGuard(budget: plan.budget, alreadyCommitted: store.committedSpend(planId: plan.renderPlanId) + plan.speechCost)
        let slots = slots ?? RenderSlots(perProvider: options.concurrency)
        // The user's own files are checked before any scene starts, so a damaged one stops the run before a
        // provider is paid (they may have changed since the plan was made).
        for job in plan.scenes where job.media != nil {
            guard let source = try prepared.files.mediaPath(job) else { continue }
            do { try await offloaded { try OwnMediaCheck.check(source) } } catch let error as MiaError {
                throw MiaError(.scene(job.sceneNumber), error.message, cause: error)
            }
        }

        var outcomes: [SceneOutcome] = []
        var failures: [(scene: Int, error: MiaError)] = []
        await withTaskGroup(of: (Int, Result<SceneOutcome, MiaError>).self) { group in
            for job in plan.scenes {
                group.addTask {
                    do {
                        return (job.sceneNumber, .success(try await slots.slots(for: job.provider).withPermit {
                            let started = Date()
                            var outcome = try await renderer.render(job, context: context, mayCreatePaidJob: { await budget.commit($0) })
                            outcome.elapsed = Date().timeIntervalSince(started)
                            return outcome
                        }))
                    } catch let error as MiaError {
                        return (job.sceneNumber, .failure(error))
                    } catch {
                        return (job.sceneNumber, .failure(MiaError(.scene(job.sceneNumber), "\(error)")))
                    }
                }
            }
            for await (scene, result) in group {
                switch result {
                case .success(let outcome): outcomes.append(outcome)
                case .failure(let error): failures.append((scene, error))
                }
            }
        }
        outcomes.sort { $0.sceneNumber < $1.sceneNumber }
        // Report the earliest scene that failed, whatever order the tasks finished in.
        if let failure = failures.min(by: { $0.scene < $1.scene })?.error {
            log.emit(MiaEvent("MIA:RENDER:ERROR", [("plan", .string(plan.renderPlanId)), ("failed", .int(Int64(failures.count))),
                                                   ("reason", .string(failure.message))]))
            throw failures.count == 1 ? failure : MiaError("\(failures.count) scenes failed; first: \(failure.message)")
        }
        let spent = await budget.committed
        log.emit(MiaEvent("MIA:ALL_SCENES_COMPLETE", [
            ("plan", .string(plan.renderPlanId)), ("scenes", .int(Int64(outcomes.count))),
            ("fallbacks", .int(Int64(outcomes.filter { $0.fallbackReason != nil }.count))),
            ("spent", .string(MiaMessages.dollars(spent))), ("elapsed", .seconds(Date().timeIntervalSince(started))),
        ]))

        let stitcher = Stitcher(log: log)
        let stitched = try await offloaded {
            try stitcher.stitch(plan: prepared.files, to: output, options: StitchOptions(overwrite: options.overwrite))
        }
        let review = try Reviewer(log: log).review(video: output, plan: plan, scenes: outcomes, spent: spent)
        return RenderOutcome(plan: plan, scenes: outcomes, stitch: stitched, review: review, spent: spent,
                             elapsed: Date().timeIntervalSince(started))
    }
}

extension JobStore {
    /// Dollars committed to a plan's provider jobs: jobs created (their ids recorded) or finished.
    func committedSpend(planId: String) throws -> Double {
        let scenes = try plan(id: planId)?.scenes ?? []
        return scenes.reduce(0) { total, scene in
            total + (scene.cost ?? (scene.providerJobId != nil ? scene.estimatedCost : 0))
        }
    }
}

/// Never lets created paid jobs take a plan past its budget.
actor BudgetGuard {
    let budget: Double?
    private(set) var committed: Double

    init(budget: Double?, alreadyCommitted: Double) {
        self.budget = budget
        committed = alreadyCommitted
    }

    /// Reserves `cost` if it fits the budget.
    func commit(_ cost: Double) -> Bool {
        if let budget, committed + cost > budget + 1e-9 { return false }
        committed += cost
        return true
    }
}
