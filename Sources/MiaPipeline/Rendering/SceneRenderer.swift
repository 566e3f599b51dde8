import Foundation

/// What rendering a scene needs to know besides the job itself.
public struct SceneContext: Sendable {
    /// The plan and where its clips go.
    public var files: PlanFiles
    public var theme: Theme
    public var fallback: Bool
    /// Overall limit for one provider scene, polling included.
    public var deadline: Duration
    /// Who claims the creation of paid provider jobs in the job store: a worker's id (it already
    /// holds the scene's lease), else this process.
    public var owner: String

    public init(files: PlanFiles, theme: Theme, fallback: Bool = true, deadline: Duration = .seconds(900),
                owner: String = ProcessIdentity.owner) {
        self.files = files
        self.theme = theme
        self.fallback = fallback
        self.deadline = deadline
        self.owner = owner
    }

    public var plan: RenderPlan { files.plan }

    public func clipPath(_ job: SceneJob) -> String { files.clipPath(job) }
}

/// Renders one scene job: with its provider (create → record the job id → poll → download),
/// or with the template generator; falls back to Template when a provider cannot deliver.
/// Every step is written to the job store, so a rerun resumes instead of paying twice.
public struct SceneRenderer: Sendable {
    public let store: JobStore
    public let registry: ProviderRegistry
    public let log: any EventSink
    /// Called with (scene, state text, progress 0…1) as a scene advances, for a progress display.
    public let progress: (@Sendable (Int, String, Double?) -> Void)?

    public init(store: JobStore, registry: ProviderRegistry, log: any EventSink,
                progress: (@Sendable (Int, String, Double?) -> Void)? = nil) {
        self.store = store
        self.registry = registry
        self.log = log
        self.progress = progress
    }

    /// A finished clip from an earlier run that still matches its job, if there is one.
    func reusable(_ job: SceneJob, context: SceneContext) -> SceneOutcome? {
        let path = context.clipPath(job)
        guard FileManager.default.fileExists(atPath: path),
              let info = try? MediaProbe.inspect(path), info.truncation == nil, info.video != nil,
              var stored = try? store.plan(id: context.plan.renderPlanId)?.scenes.first(where: { $0.sceneNumber == job.sceneNumber })
        else { return nil }
        if stored.status != .complete {
            // This store did not see it finish (another machine's task did): its receipt says whether the clip
            // is this plan's scene.
            guard let receipt = SceneReceipt.read(forClip: path), receipt.planId == context.plan.renderPlanId,
                  receipt.sceneNumber == job.sceneNumber else { return nil }
            stored.provider = receipt.provider
            stored.cost = receipt.cost
            stored.error = receipt.fallbackReason
        }
        // A scene's own file may have been replaced since its clip was made (same name, so same plan).
        if let source = try? context.files.mediaPath(job), Self.modified(source) ?? .distantFuture > Self.modified(path) ?? .distantPast {
            return nil
        }
        // Clips made here are ours and must match the plan exactly; a provider clip is what was paid
        // for, so it is kept whatever its size (the stitch pre-flight judges whether it fits).
        if stored.provider.isLocal,
           !PlanConformance.problems(info, decodedDuration: nil, job: job, target: context.plan.target).isEmpty {
            return nil
        }
        if stored.status != .complete {
            guard (try? store.updateScene(planId: context.plan.renderPlanId, sceneNumber: job.sceneNumber, status: .complete,
                                          cost: stored.cost, error: stored.error)) != nil else { return nil }
        }
        return SceneOutcome(sceneNumber: job.sceneNumber, provider: stored.provider,
                            clip: path, seconds: job.seconds, cost: stored.cost ?? 0, fallbackReason: stored.error, reused: true)
    }

    /// Takes `donor`, a clip made here for the same scene of another plan (the variants of an A/B render share
    /// their template cards and the user's own files), as this plan's clip: hard-linked into place (copied
    /// where a link cannot be made), with its receipt and the store's record, so the render reuses it.
    /// Nothing happens when the clip is already there.
    func adopt(_ donor: String, for job: SceneJob, context: SceneContext) throws {
        let path = context.clipPath(job)
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        if link(donor, path) != 0 { try FileManager.default.copyItem(atPath: donor, toPath: path) }
        try store.updateScene(planId: context.plan.renderPlanId, sceneNumber: job.sceneNumber, status: .complete, cost: 0)
        try SceneReceipt(planId: context.plan.renderPlanId, sceneNumber: job.sceneNumber, provider: job.provider, cost: 0,
                         fallbackReason: nil).write(forClip: path)
    }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// Renders the scene with its provider, falling back to Template when allowed — unless an earlier
    /// run already finished it and its clip is still valid, which is then reused as it is.
    /// - Parameter mayCreatePaidJob: asked before a new paid job is created (the budget guard);
    ///   false makes the scene fall back (or fail) without spending.
    /// - Throws: `MiaError` when the scene cannot be rendered (and fallback is off or Template failed too).
    public func render(_ job: SceneJob, context: SceneContext,
                       mayCreatePaidJob: @Sendable (Double) async -> Bool = { _ in true }) async throws -> SceneOutcome {
        // The scene's own time (provider job, download, checks, or the card's encode), for latency metrics.
        let started = ContinuousClock.now
        if let reused = reusable(job, context: context) {
            progress?(job.sceneNumber, "done", 1)
            log.emit(MiaEvent("MIA:SCENE:COMPLETE", [("scene", .int(Int64(job.sceneNumber))),
                                                    ("provider", .string(reused.provider.rawValue)), ("reused", .bool(true))]))
            return reused
        }
        let planID = context.plan.renderPlanId
        let path = context.clipPath(job)
        // A receipt left from another plan must never vouch for the clip this render is about to write.
        unlink(SceneReceipt.path(forClip: path))
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        LeftoverFiles.removeStale(in: folder)
        // The user's file is the picture, unless it is an image a provider animates (`--animate-images`).
        if let media = job.media, job.provider.isLocal || media.kind != .image {
            return try await renderOwnMedia(job, context: context, started: started)
        }
        guard !job.provider.isLocal else { return try await renderTemplate(job, context: context, fallbackReason: nil, started: started) }
        do {
            let cost: Double
            do {
                cost = try await renderWithProvider(job, context: context, mayCreatePaidJob: mayCreatePaidJob)
            } catch is FinishedElsewhere {
                guard let reused = reusable(job, context: context) else {
                    throw MiaError(.scene(job.sceneNumber), "another process finished it, but its clip does not verify here; "
                                   + "try again", retryable: true)
                }
                progress?(job.sceneNumber, "done", 1)
                log.emit(MiaEvent("MIA:SCENE:COMPLETE", [("scene", .int(Int64(job.sceneNumber))),
                                                        ("provider", .string(reused.provider.rawValue)), ("reused", .bool(true))]))
                return reused
            }
            try store.updateScene(planId: planID, sceneNumber: job.sceneNumber, status: .complete, cost: cost)
            try complete(job, context: context, provider: job.provider, cost: cost, fallbackReason: nil, started: started)
            return SceneOutcome(sceneNumber: job.sceneNumber, provider: job.provider, clip: path, seconds: job.seconds,
                                cost: cost, fallbackReason: nil, reused: false)
        } catch let failure as SceneFailure {
            // `fallback`: whether Template takes the scene over, so a reader (and the metrics) can tell a
            // scene that failed from one that is about to be rendered another way.
            log.emit(MiaEvent("MIA:RENDER_SCENE:ERROR", [
                ("scene", .int(Int64(job.sceneNumber))), ("provider", .string(job.provider.rawValue)),
                ("reason", .string(failure.message)), ("fallback", .bool(context.fallback)),
            ]))
            guard context.fallback else {
                // A provider job that may still deliver (slow, or its download failed) stays open, so the
                // retried task polls it again instead of paying for a new one.
                try? store.updateScene(planId: planID, sceneNumber: job.sceneNumber, status: failure.resumable ? .submitted : .failed,
                                       error: failure.message)
                throw MiaError(.scene(job.sceneNumber), "\(job.provider.displayName) could not render it: \(failure.message)",
                               retryable: failure.retryable)
            }
            let reason = MiaMessages.fallback(job.provider, because: failure.message)
            log.emit(MiaEvent("MIA:WARN", [("kind", "fallback"), ("scene", .int(Int64(job.sceneNumber))), ("message", .string(reason))]))
            // An image that was to be animated is still the scene's picture: it moves slowly instead.
            if job.media != nil {
                return try await renderOwnMedia(job, context: context, fallbackReason: reason, spent: failure.spent,
                                                fallbackFrom: job.provider, started: started)
            }
            return try await renderTemplate(job, context: context, fallbackReason: reason, spent: failure.spent,
                                            fallbackFrom: job.provider, started: started)
        }
    }

    /// Another process finished the scene while this one waited for its claim.
    struct FinishedElsewhere: Error {}

    /// Why a provider scene did not produce a clip, and what was already spent on it.
    struct SceneFailure: Error {
        let message: String
        let spent: Double
        /// Trying again later may work (`ProviderError.retryable`).
        var retryable = false
        /// The recorded provider job may still deliver: a retry polls it instead of creating another.
        var resumable = false
    }

    private func renderWithProvider(_ job: SceneJob, context: SceneContext,
                                    mayCreatePaidJob: @Sendable (Double) async -> Bool) async throws -> Double {
        let planID = context.plan.renderPlanId
        guard let provider = registry.provider(job.provider) else {
            throw SceneFailure(message: ProviderError.notConnected(job.provider).message, spent: 0)
        }
        let stored = try store.plan(id: planID)?.scenes.first { $0.sceneNumber == job.sceneNumber }
        var jobID = stored?.providerJobId
        var resuming = jobID != nil && [.submitted, .rendering].contains(stored?.status)
        if !resuming {
            switch try await claimCreation(job, context: context) {
            case .create:
                break
            case .poll(let recorded):
                // Another process created the job while this one waited: poll that one.
                jobID = recorded
                resuming = true
            case .finished:
                throw FinishedElsewhere()
            }
        }
        if !resuming {
            // The claim has done its work once this block ends: the id is recorded (others find it) or
            // the create failed (others may try). A worker keeps its scene lease; it releases it itself.
            defer {
                if context.owner == ProcessIdentity.owner {
                    try? store.releaseScene(planId: planID, sceneNumber: job.sceneNumber, worker: context.owner)
                }
            }
            guard await mayCreatePaidJob(job.estimatedCost) else {
                throw SceneFailure(message: MiaMessages.budgetWouldBeExceeded, spent: 0)
            }
            // A plan file comes from outside too: its seconds are converted without trapping.
            let request = RenderRequest(sceneNumber: job.sceneNumber, prompt: job.prompt, model: job.model,
                                        seconds: ExternalNumber.clamped(job.seconds, to: 1...3600) ?? 1, width: context.plan.target.width,
                                        height: context.plan.target.height,
                                        startImage: job.media?.kind == .image ? try context.files.mediaPath(job) : nil)
            do {
                jobID = try await provider.create(request)
            } catch let error as ProviderError {
                throw SceneFailure(message: error.message, spent: 0, retryable: error.retryable)
            }
            // Recorded before the first poll: a crash from here on resumes this job, never pays again.
            try store.updateScene(planId: planID, sceneNumber: job.sceneNumber, status: .submitted, providerJobId: jobID,
                                  attempts: (stored?.attempts ?? 0) + 1)
            log.emit(MiaEvent("MIA:SCENE:CREATE", [
                ("scene", .int(Int64(job.sceneNumber))), ("provider", .string(job.provider.rawValue)),
                ("model", .string(job.model)), ("job", .string(jobID!)), ("seconds", .seconds(job.seconds)),
            ]))
        } else {
            log.emit(MiaEvent("MIA:SCENE:CREATE", [
                ("scene", .int(Int64(job.sceneNumber))), ("provider", .string(job.provider.rawValue)),
                ("job", .string(jobID!)), ("resumed", .bool(true)),
            ]))
        }
        let cost = job.estimatedCost
        do {
            try await poll(provider, jobID: jobID!, job: job, context: context)
            let path = context.clipPath(job)
            let partial = LeftoverFiles.name(beside: path, suffix: "download")
            defer { unlink(partial) }
            try await provider.download(jobID: jobID!, to: partial)
            try checkClip(partial, job: job)
            guard rename(partial, path) == 0 else {
                throw SceneFailure(message: "cannot move the clip into place: \(String(cString: strerror(errno)))", spent: cost)
            }
            return cost
        } catch let error as ProviderError {
            var failedForGood = false
            if case .jobFailed = error { failedForGood = true }
            throw SceneFailure(message: error.message, spent: cost, retryable: error.retryable, resumable: !failedForGood)
        }
    }

    /// What the claim step decided.
    enum ClaimOutcome {
        /// This process creates the job.
        case create
        /// Another process created it meanwhile: poll that one.
        case poll(jobId: String)
        /// Another process finished the scene meanwhile.
        case finished
    }

    /// Takes the right to create the scene's paid job, waiting while another process holds it (at
    /// most the scene's deadline: a holder that never lets go makes this a task to retry later).
    private func claimCreation(_ job: SceneJob, context: SceneContext) async throws -> ClaimOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: context.deadline)
        var announced = false
        while true {
            switch try store.claimCreation(planId: context.plan.renderPlanId, sceneNumber: job.sceneNumber,
                                           owner: context.owner, leaseSeconds: Self.creationClaimSeconds) {
            case .granted:
                return .create
            case .recorded(let jobId):
                return .poll(jobId: jobId)
            case .completed:
                return .finished
            case .heldBy(let owner, let until):
                if !announced {
                    announced = true
                    progress?(job.sceneNumber, "waiting for another render", nil)
                    log.emit(MiaEvent("MIA:SCENE:WAIT", [("scene", .int(Int64(job.sceneNumber))), ("holder", .string(owner)),
                                                         ("until", .string(ISO8601DateFormatter().string(from: until)))]))
                }
                guard clock.now < deadline else {
                    throw MiaError(.scene(job.sceneNumber), "another process (\(owner)) is creating its provider job and did not "
                                   + "record it in time; try again later", retryable: true)
                }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// How long a creation claim outlives a holder that died before recording its job.
    static let creationClaimSeconds = 600.0

    private func poll(_ provider: any VideoProvider, jobID: String, job: SceneJob, context: SceneContext) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: context.deadline)
        var attempt = 0
        var lastState = ""
        while true {
            let state = try await provider.status(of: jobID)
            switch state {
            case .succeeded:
                progress?(job.sceneNumber, "downloading", 1)
                return
            case .failed(let failure):
                throw ProviderError.jobFailed(failure)
            case .queued:
                progress?(job.sceneNumber, "queued", nil)
                if lastState != "queued" {
                    try store.updateScene(planId: context.plan.renderPlanId, sceneNumber: job.sceneNumber, status: .submitted)
                }
                lastState = "queued"
            case .running(let fraction):
                progress?(job.sceneNumber, "rendering", fraction)
                if lastState != "rendering" {
                    try store.updateScene(planId: context.plan.renderPlanId, sceneNumber: job.sceneNumber, status: .rendering)
                }
                lastState = "rendering"
            }
            let wait = provider.pollInterval(after: attempt)
            attempt += 1
            guard clock.now.advanced(by: wait) < deadline else {
                throw ProviderError.deadlineExceeded(seconds: Double(context.deadline.components.seconds))
            }
            try await Task.sleep(for: wait)
        }
    }

    /// A provider clip must decode, every frame, before it counts: a copy stitch decodes nothing, so
    /// damage let in here would reach the finished video.
    private func checkClip(_ path: String, job: SceneJob) throws {
        let report = Verifier(log: SilentLog()).verify([path], asStitchSet: false)[0]
        guard let problem = report.problems.first else { return }
        throw SceneFailure(message: "the downloaded clip does not verify: \(problem)", spent: job.estimatedCost)
    }

    private func renderTemplate(_ job: SceneJob, context: SceneContext, fallbackReason: String?, spent: Double = 0,
                                fallbackFrom: ProviderID? = nil, started: ContinuousClock.Instant) async throws -> SceneOutcome {
        let planID = context.plan.renderPlanId
        let target = context.plan.target
        // The seed's lifecycle, CREATE then COMPLETE, holds for template scenes too (a fallback says so).
        var created: [(String, MiaEvent.Value)] = [("scene", .int(Int64(job.sceneNumber))), ("provider", "template"),
                                                   ("seconds", .seconds(job.seconds))]
        if fallbackReason != nil { created.append(("fallback", .bool(true))) }
        log.emit(MiaEvent("MIA:SCENE:CREATE", created))
        progress?(job.sceneNumber, "rendering", nil)
        let card = TemplateCard(title: job.title, body: job.onScreenText.isEmpty ? job.narration : job.onScreenText,
                                seconds: job.seconds, width: target.width, height: target.height, fps: target.fps,
                                theme: context.theme)
        let renderer = TemplateRenderer(log: log)
        let path = context.clipPath(job)
        do {
            // Encoding blocks a thread for a while: keep it off Swift's cooperative pool.
            _ = try await offloaded { try renderer.render(card, to: path, overwrite: true) }
        } catch let error as MiaError {
            try? store.updateScene(planId: planID, sceneNumber: job.sceneNumber, status: .failed, error: error.message)
            log.emit(MiaEvent("MIA:RENDER_SCENE:ERROR", [("scene", .int(Int64(job.sceneNumber))), ("provider", "template"),
                                                        ("reason", .string(error.message))]))
            throw error
        }
        try store.updateScene(planId: planID, sceneNumber: job.sceneNumber, status: .complete, cost: spent, error: fallbackReason)
        try complete(job, context: context, provider: .template, cost: spent, fallbackReason: fallbackReason,
                     fallbackFrom: fallbackFrom, started: started)
        return SceneOutcome(sceneNumber: job.sceneNumber, provider: .template, clip: context.clipPath(job), seconds: job.seconds,
                            cost: spent, fallbackReason: fallbackReason, reused: false)
    }

    /// The scene's own file, made into its clip: checked again (it may have changed since the plan), then
    /// re-encoded to the plan's format and the scene's length. Never paid, never falls back: a file that
    /// cannot be shown is the user's to fix.
    /// - Parameters:
    ///   - fallbackReason: why a provider did not animate the image instead (nil: it was not asked to).
    ///   - spent: what that provider's failed job cost.
    ///   - fallbackFrom: that provider.
    private func renderOwnMedia(_ job: SceneJob, context: SceneContext, fallbackReason: String? = nil, spent: Double = 0,
                                fallbackFrom: ProviderID? = nil, started: ContinuousClock.Instant) async throws -> SceneOutcome {
        let planID = context.plan.renderPlanId
        let path = context.clipPath(job)
        var created: [(String, MiaEvent.Value)] = [("scene", .int(Int64(job.sceneNumber))), ("provider", "media"),
                                                   ("seconds", .seconds(job.seconds))]
        if fallbackReason != nil { created.append(("fallback", .bool(true))) }
        log.emit(MiaEvent("MIA:SCENE:CREATE", created))
        progress?(job.sceneNumber, "rendering", nil)
        let partial = LeftoverFiles.name(beside: path, suffix: "media")
        defer { unlink(partial) }
        do {
            guard let kind = job.media?.kind, let source = try context.files.mediaPath(job) else { throw MiaError("the scene has no file of its own") }
            let target = context.plan.target
            try await offloaded {
                try OwnMediaCheck.check(source)
                // `seconds`, as a provider clip would be: the stitch cuts or holds it to the scene's length.
                try OwnMediaClip.write(source, kind: kind, seconds: job.seconds, target: target, to: partial)
            }
            guard rename(partial, path) == 0 else {
                throw MiaError(.scene(job.sceneNumber), "cannot move the clip into place: \(String(cString: strerror(errno)))")
            }
        } catch let error as MiaError {
            let failure = MiaError(.scene(job.sceneNumber), error.message, cause: error)
            try? store.updateScene(planId: planID, sceneNumber: job.sceneNumber, status: .failed, error: failure.message)
            log.emit(MiaEvent("MIA:RENDER_SCENE:ERROR", [("scene", .int(Int64(job.sceneNumber))), ("provider", "media"),
                                                        ("reason", .string(error.message))]))
            throw failure
        }
        try store.updateScene(planId: planID, sceneNumber: job.sceneNumber, status: .complete, cost: spent, error: fallbackReason)
        try complete(job, context: context, provider: .media, cost: spent, fallbackReason: fallbackReason,
                     fallbackFrom: fallbackFrom, started: started)
        return SceneOutcome(sceneNumber: job.sceneNumber, provider: .media, clip: path, seconds: job.seconds,
                            cost: spent, fallbackReason: fallbackReason, reused: false)
    }

    /// - Parameter fallbackFrom: The provider that failed when Template or the own file stood in for it (what was spent went to it).
    private func complete(_ job: SceneJob, context: SceneContext, provider: ProviderID, cost: Double, fallbackReason: String?,
                          fallbackFrom: ProviderID? = nil, started: ContinuousClock.Instant) throws {
        try SceneReceipt(planId: context.plan.renderPlanId, sceneNumber: job.sceneNumber, provider: provider, cost: cost,
                         fallbackReason: fallbackReason).write(forClip: context.clipPath(job))
        progress?(job.sceneNumber, "done", 1)
        let elapsed = ContinuousClock.now - started
        // `cost` is for people (rounded to cents); `dollars` keeps full precision for anything that adds it up.
        var fields: [(String, MiaEvent.Value)] = [
            ("scene", .int(Int64(job.sceneNumber))), ("provider", .string(provider.rawValue)),
            ("seconds", .seconds(job.seconds)), ("cost", .string(MiaMessages.dollars(cost))), ("dollars", .number(cost)),
            ("elapsed", .seconds(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)),
        ]
        if let fallbackFrom { fields.append(("fallback_from", .string(fallbackFrom.rawValue))) }
        log.emit(MiaEvent("MIA:SCENE:COMPLETE", fields))
    }
}
