import Foundation

/// How a worker paces itself.
public struct WorkerOptions: Sendable {
    /// Seconds between looks at the queue when there is nothing to do.
    public var pollInterval: Double
    /// Seconds a claim lasts without renewal; the worker renews every third of it. A worker that
    /// dies is replaced after at most this long.
    public var leaseSeconds: Double
    /// Stop once every submitted plan is stitched or failed (batch farms, tests), instead of waiting for more.
    public var exitWhenIdle: Bool

    public init(pollInterval: Double = 2, leaseSeconds: Double = 60, exitWhenIdle: Bool = false) {
        self.pollInterval = pollInterval
        self.leaseSeconds = leaseSeconds
        self.exitWhenIdle = exitWhenIdle
    }
}

/// What a worker did before it stopped.
public struct WorkerSummary: Sendable, Equatable {
    public var scenesRendered = 0
    public var plansStitched = 0
    public var failures = 0
}

/// One worker of a render farm: claims scene jobs from a shared job store under a lease, renders them
/// (resuming provider jobs an earlier holder recorded), and stitches each plan whose scenes are all done.
/// Any number of them, on any number of machines, share one PostgreSQL store.
public final class RenderWorker: Sendable {
    public let id: String
    let store: JobStore
    let registry: ProviderRegistry
    let log: any EventSink
    let options: WorkerOptions
    /// Sends a submitted plan's webhook when this worker stitches or fails it.
    public let webhooks: WebhookNotifier
    private let stopFlag = StopFlag()
    /// What this worker holds a lease on ("plan-… scene 3", "plan-… stitch"), for noticing a lost lease.
    private let holding = Holding()

    public init(store: JobStore, registry: ProviderRegistry, log: any EventSink, options: WorkerOptions,
                webhooks: WebhookNotifier? = nil) {
        self.webhooks = webhooks ?? WebhookNotifier(store: store, log: log)
        self.store = store
        self.registry = registry
        self.log = log
        self.options = options
        id = Self.identity()
    }

    /// `host:pid:xxxx` — the random part tells apart processes that reuse a pid (containers, restarts).
    static func identity() -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid()):\(String(UInt16.random(in: .min ... .max), radix: 16))"
    }

    /// Asks the worker to stop: it finishes the scene or stitch in hand (still renewing its lease), claims
    /// nothing more, and `run` returns. Safe to call from any thread.
    public func stop() { stopFlag.set() }

    /// Works until `stop()` (or, with `exitWhenIdle`, until the queue is finished).
    /// - Throws: `MiaError` when the job store cannot be used.
    public func run() async throws -> WorkerSummary {
        try store.registerWorker(id: id, host: ProcessInfo.processInfo.hostName, pid: Int(getpid()))
        log.emit(MiaEvent("MIA:WORKER:START", [("worker", .string(id)), ("db", .string(store.path)),
                                               ("lease", .seconds(options.leaseSeconds))]))
        let heartbeat = Task { await renewLeases() }
        defer { heartbeat.cancel() }
        var summary = WorkerSummary()
        var reason = "signal"
        while !stopFlag.isSet {
            do {
                if let stitch = try store.claimStitch(worker: id, leaseSeconds: options.leaseSeconds) {
                    holding.set("\(stitch.plan.renderPlanId) stitch")
                    if await self.stitch(stitch) { summary.plansStitched += 1 } else { summary.failures += 1 }
                    continue
                }
                if let scene = try store.claimScene(worker: id, leaseSeconds: options.leaseSeconds) {
                    holding.set("\(scene.plan.renderPlanId) scene \(scene.job.sceneNumber)")
                    if await render(scene) { summary.scenesRendered += 1 } else { summary.failures += 1 }
                    continue
                }
                if options.exitWhenIdle, try !store.hasUnfinishedQueuedWork() {
                    reason = "idle"
                    break
                }
            } catch {
                // A database restart or network blip should not stop the farm: look again after a pause.
                log.emit(MiaEvent("MIA:WARN", [("kind", "job-store"), ("worker", .string(id)),
                                               ("message", .string((error as? MiaError)?.message ?? "\(error)"))]))
            }
            await idle()
        }
        try? store.updateWorker(id: id, state: "stopped", current: nil)
        log.emit(MiaEvent("MIA:WORKER:STOP", [("worker", .string(id)), ("reason", .string(reason)),
                                              ("scenes", .int(Int64(summary.scenesRendered))),
                                              ("stitched", .int(Int64(summary.plansStitched))),
                                              ("failures", .int(Int64(summary.failures)))]))
        return summary
    }

    /// Renders a claimed scene, then gives its lease back. Returns whether it completed.
    private func render(_ claim: ClaimedScene) async -> Bool {
        let plan = claim.plan
        let job = claim.job
        var fields: [(String, MiaEvent.Value)] = [("worker", .string(id)), ("plan", .string(plan.renderPlanId)),
                                                  ("scene", .int(Int64(job.sceneNumber))), ("provider", .string(job.provider.rawValue)),
                                                  ("waited", .seconds(claim.queueWait))]
        if let previous = claim.previousOwner { fields.append(("taken_from", .string(previous))) }
        if let jobID = claim.providerJobId { fields.append(("provider_job", .string(jobID))) }
        log.emit(MiaEvent("MIA:WORKER:CLAIM", fields))
        let scene = "\(plan.renderPlanId) scene \(job.sceneNumber)"
        defer {
            holding.set(nil)  // before the release, so a renewal that finds nothing held is not taken for a lost lease
            try? store.releaseScene(planId: plan.renderPlanId, sceneNumber: job.sceneNumber, worker: id)
        }
        do {
            try store.updateWorker(id: id, state: "rendering", current: scene)
            let theme = try Theme.named(claim.render.theme)
            let context = SceneContext(files: try PlanFiles(plan: plan, path: claim.planPath), theme: theme,
                                       fallback: claim.render.fallback, owner: id)
            // The plan was fitted to its budget when it was made, and each scene creates at most one
            // provider job (a taken-over scene resumes the recorded one), so no further guard is needed here.
            let outcome = try await SceneRenderer(store: store, registry: registry, log: log).render(job, context: context)
            try store.updateWorker(id: id, state: "idle", current: nil, scenesRendered: 1)
            log.emit(MiaEvent("MIA:WORKER:SCENE", [("worker", .string(id)), ("plan", .string(plan.renderPlanId)),
                                                   ("scene", .int(Int64(job.sceneNumber))), ("result", "complete"),
                                                   ("provider", .string(outcome.provider.rawValue)), ("reused", .bool(outcome.reused))]))
            return true
        } catch let error as MiaError where !error.retryable && !error.isAboutJobStore {
            // The scene cannot be rendered (SceneRenderer has recorded why): the plan cannot be finished.
            try? store.updateScene(planId: plan.renderPlanId, sceneNumber: job.sceneNumber, status: .failed, error: error.message)
            try? store.failQueuedPlan(planId: plan.renderPlanId, error: "scene \(job.sceneNumber): \(error.message)")
            await notify(.failed, plan: plan, render: claim.render, duration: nil, error: "scene \(job.sceneNumber): \(error.message)")
            try? store.updateWorker(id: id, state: "idle", current: nil)
            log.emit(MiaEvent("MIA:WORKER:SCENE", [("worker", .string(id)), ("plan", .string(plan.renderPlanId)),
                                                   ("scene", .int(Int64(job.sceneNumber))), ("result", "failed"),
                                                   ("reason", .string(error.message))]))
            return false
        } catch {
            // Worth another try (a provider throttled or unreachable, the job store away): give it back.
            try? store.updateWorker(id: id, state: "idle", current: nil)
            log.emit(MiaEvent("MIA:WORKER:SCENE", [("worker", .string(id)), ("plan", .string(plan.renderPlanId)),
                                                   ("scene", .int(Int64(job.sceneNumber))), ("result", "released"),
                                                   ("reason", .string("\(error)"))]))
            return false
        }
    }

    /// Stitches a plan whose scenes are all complete into its output. Returns whether it did.
    private func stitch(_ claim: ClaimedStitch) async -> Bool {
        let plan = claim.plan
        let output = claim.render.output
        // A retake replaces what a stitcher that died may have finished: the result is the same video.
        let stitchOptions = StitchOptions(overwrite: claim.render.overwrite || claim.isRetake)
        let stitcher = Stitcher(log: log)
        do {
            let files = try PlanFiles(plan: plan, path: claim.planPath)
            try store.updateWorker(id: id, state: "stitching", current: plan.renderPlanId)
            log.emit(MiaEvent("MIA:ALL_SCENES_COMPLETE", [("plan", .string(plan.renderPlanId)), ("scenes", .int(Int64(plan.scenes.count))),
                                                          ("worker", .string(id))]))
            let result = try await offloaded { try stitcher.stitch(plan: files, to: output, options: stitchOptions) }
            holding.set(nil)
            try store.finishStitch(planId: plan.renderPlanId, worker: id, error: nil)
            try store.updateWorker(id: id, state: "idle", current: nil, plansStitched: 1)
            log.emit(MiaEvent("MIA:WORKER:STITCH", [("worker", .string(id)), ("plan", .string(plan.renderPlanId)),
                                                    ("output", .string(output)), ("result", "stitched"),
                                                    ("duration", .seconds(result.duration))]))
            await notify(.stitched, plan: plan, render: claim.render, duration: result.duration, error: nil)
            return true
        } catch {
            let message = (error as? MiaError)?.message ?? "\(error)"
            holding.set(nil)
            try? store.finishStitch(planId: plan.renderPlanId, worker: id, error: message)
            try? store.updateWorker(id: id, state: "idle", current: nil)
            log.emit(MiaEvent("MIA:WORKER:STITCH", [("worker", .string(id)), ("plan", .string(plan.renderPlanId)),
                                                    ("output", .string(output)), ("result", "failed"), ("reason", .string(message))]))
            await notify(.failed, plan: plan, render: claim.render, duration: nil, error: message)
            return false
        }
    }

    /// Sends the plan's webhook, if it was submitted with one; the lease is already given back.
    private func notify(_ event: WebhookPayload.Event, plan: RenderPlan, render: QueuedRender, duration: Double?, error: String?) async {
        guard let webhook = render.webhook else { return }
        let spent = ((try? store.committedSpend(planId: plan.renderPlanId)) ?? 0) + plan.speechCost
        await webhooks.notify(WebhookPayload(event: event, planId: plan.renderPlanId, output: render.output, durationSeconds: duration,
                                             sceneCount: plan.scenes.count, costDollars: spent, error: error), to: webhook)
    }

    /// Renews this worker's leases and heartbeat every third of a lease, until cancelled.
    private func renewLeases() async {
        let interval = Duration.milliseconds(Int64(options.leaseSeconds * 1000 / 3))
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            do {
                let before = holding.value
                let held = try store.renewLeases(worker: id, leaseSeconds: options.leaseSeconds)
                // Still working on the same thing (its lease is only given back after `holding` is cleared),
                // yet nothing renewed: the lease ran out and another worker took the work over.
                if held == 0, let before, holding.value == before {
                    log.emit(MiaEvent("MIA:WARN", [("kind", "lease-lost"), ("worker", .string(id)), ("work", .string(before)),
                                                   ("message", .string(MiaMessages.leaseLost(before)))]))
                }
            } catch {
                // The next renewal tries again; the lease outlasts two missed ones.
                log.emit(MiaEvent("MIA:WARN", [("kind", "lease-renewal"), ("worker", .string(id)),
                                               ("message", .string((error as? MiaError)?.message ?? "\(error)"))]))
            }
        }
    }

    /// Waits one poll interval, or less if asked to stop.
    private func idle() async {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .milliseconds(Int64(options.pollInterval * 1000)))
        while !stopFlag.isSet && clock.now < end {
            try? await Task.sleep(for: min(.milliseconds(100), end - clock.now))
        }
    }
}

/// What the worker holds a lease on, read by the renewal task.
final class Holding: @unchecked Sendable {
    // @unchecked: `work` is only touched under `lock`.
    private let lock = NSLock()
    private var work: String?

    func set(_ value: String?) { lock.withLock { work = value } }
    var value: String? { lock.withLock { work } }
}

/// A flag set once from any thread (a signal source) and read by the worker's loop.
final class StopFlag: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
