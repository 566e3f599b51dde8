import Foundation

/// How a batch job ended (also its state in the job store while it runs).
public enum BatchJobStatus: String, Sendable, Codable {
    case running
    /// Rendered (and stitched) in this run; scenes finished by an earlier run were reused.
    case rendered
    /// Its video was already there, verified and matching its plan: nothing was done.
    case reused
    case failed
}

/// One job's result, as printed and written to the report.
public struct BatchJobResult: Sendable, Codable, Equatable {
    public var job: Int
    public var line: Int
    public var script: String
    public var output: String
    public var status: BatchJobStatus
    public var plan: String?
    public var scenes: Int
    /// Scenes rendered by this run (the others were reused from an earlier one).
    public var scenesRendered: Int
    /// The video's length in seconds.
    public var duration: Double?
    /// Dollars committed to providers for the job's plan.
    public var cost: Double
    /// Seconds this run spent on the job.
    public var elapsed: Double
    public var error: String?
}

/// A whole batch run: what `--report` writes.
public struct BatchReport: Sendable, Codable, Equatable {
    public var manifest: String
    public var startedAt: Date
    public var elapsed: Double
    public var rendered: Int
    public var reused: Int
    public var failed: Int
    public var cost: Double
    /// In manifest order.
    public var jobs: [BatchJobResult]

    /// Writes the report as JSON, atomically (a reader never sees half a report); replaces an earlier one,
    /// since each run of the same batch reports anew.
    /// - Throws: `MiaError` naming the file when it cannot be written.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(self)
        try AtomicOutput(destination: path, overwrite: true).write { try data.write(to: URL(fileURLWithPath: $0)) }
    }
}

/// Renders every job of a manifest: `parallelJobs` at a time, all scenes within one shared concurrency limit
/// per provider, each job recorded in the job store. A job that fails never stops the others. A rerun skips
/// jobs whose video is there and verified, and resumes the scenes of the rest.
public struct BatchRunner: Sendable {
    public let store: JobStore
    public let registry: ProviderRegistry
    public let voices: VoiceRegistry
    public let log: any EventSink
    /// Which providers are connected, for planning.
    public let environment: ProviderEnvironment
    /// Sends each job's webhook; one for the whole batch, so an unsigned warning is given once.
    public var webhooks: WebhookNotifier

    public init(store: JobStore, registry: ProviderRegistry, voices: VoiceRegistry = VoiceRegistry([]), log: any EventSink,
                environment: ProviderEnvironment) {
        self.voices = voices
        self.store = store
        self.registry = registry
        self.log = log
        self.environment = environment
        webhooks = WebhookNotifier(store: store, log: log)
    }

    /// - Parameters:
    ///   - parallelJobs: jobs in progress at once.
    ///   - concurrency: provider jobs in flight at once per provider, across all jobs.
    ///   - jobFinished: called as each job ends, in the order they end.
    /// - Returns: the report, jobs in manifest order.
    public func run(_ manifest: BatchManifest, parallelJobs: Int, concurrency: Int,
                    jobFinished: @escaping @Sendable (BatchJobResult) -> Void = { _ in }) async -> BatchReport {
        let started = Date()
        let manifestKey = URL(fileURLWithPath: manifest.path).standardizedFileURL.path
        let slots = RenderSlots(perProvider: concurrency)
        log.emit(MiaEvent("MIA:BATCH:START", [("manifest", .string(manifest.path)), ("jobs", .int(Int64(manifest.jobs.count))),
                                              ("parallel", .int(Int64(parallelJobs))), ("concurrency", .int(Int64(concurrency)))]))
        var results: [BatchJobResult] = []
        await withTaskGroup(of: BatchJobResult.self) { group in
            var waiting = manifest.jobs.makeIterator()
            for _ in 0..<max(1, parallelJobs) {
                guard let job = waiting.next() else { break }
                group.addTask { await self.runJob(job, manifest: manifestKey, slots: slots) }
            }
            for await result in group {
                results.append(result)
                var fields: [(String, MiaEvent.Value)] = [("job", .int(Int64(result.job))), ("status", .string(result.status.rawValue)),
                                                          ("output", .string(result.output)), ("elapsed", .seconds(result.elapsed)),
                                                          ("cost", .string(MiaMessages.dollars(result.cost)))]
                if let error = result.error { fields.append(("reason", .string(error))) }
                log.emit(MiaEvent(result.status == .failed ? "MIA:BATCH:JOB:ERROR" : "MIA:BATCH:JOB", fields))
                jobFinished(result)
                if let job = waiting.next() { group.addTask { await self.runJob(job, manifest: manifestKey, slots: slots) } }
            }
        }
        results.sort { $0.job < $1.job }
        let report = BatchReport(manifest: manifest.path, startedAt: started, elapsed: Date().timeIntervalSince(started),
                                 rendered: results.filter { $0.status == .rendered }.count,
                                 reused: results.filter { $0.status == .reused }.count,
                                 failed: results.filter { $0.status == .failed }.count,
                                 cost: results.reduce(0) { $0 + $1.cost }, jobs: results)
        log.emit(MiaEvent("MIA:BATCH:COMPLETE", [("rendered", .int(Int64(report.rendered))), ("reused", .int(Int64(report.reused))),
                                                 ("failed", .int(Int64(report.failed))), ("cost", .string(MiaMessages.dollars(report.cost))),
                                                 ("elapsed", .seconds(report.elapsed))]))
        return report
    }

    /// Renders one job; every failure becomes a failed result, never an error that stops the batch.
    func runJob(_ job: BatchJob, manifest: String, slots: RenderSlots) async -> BatchJobResult {
        let started = Date()
        var result = BatchJobResult(job: job.number, line: job.line, script: job.script, output: job.output, status: .failed,
                                    plan: nil, scenes: 0, scenesRendered: 0, duration: nil, cost: 0, elapsed: 0, error: nil)
        do {
            // The manifest's check ran earlier; a script swapped for a FIFO since then must not hang the batch.
            switch FileKind.of(job.script) {
            case .regular: break
            case .missing: throw MiaError(file: job.script, "not found")
            case let kind: throw MiaError(file: job.script, "is not a regular file (\(kind.name))")
            }
            guard let data = FileManager.default.contents(atPath: job.script) else {
                throw MiaError(file: job.script, "cannot be read")
            }
            let text = try ScriptText.decode(data, name: job.script)
            var options = try job.settings.renderOptions(environment: environment)
            options.plan.scriptFolder = URL(fileURLWithPath: job.script).standardizedFileURL.deletingLastPathComponent().path
            options.concurrency = slots.perProvider
            let outputURL = URL(fileURLWithPath: job.output)
            try FileManager.default.createDirectory(at: outputURL.deletingLastPathComponent(), withIntermediateDirectories: true)

            if FileManager.default.fileExists(atPath: job.output) {
                // Planning is cheap and deterministic (speech comes from the store): it tells whether the video there is this job's.
                let (plan, _, _) = try await RenderPlanner(log: SilentLog()).plan(
                    text, scriptName: job.script, planFileName: outputURL.deletingPathExtension().lastPathComponent,
                    planFolder: outputURL.deletingLastPathComponent().path, options: options.plan,
                    speaker: SpeechSynthesizer(store: store, voices: voices, log: SilentLog()))
                result.plan = plan.renderPlanId
                result.scenes = plan.scenes.count
                let recorded = try store.batchJobs(manifest: manifest).first { $0.output == job.output }
                // Decoding a whole video blocks a thread for a while: keep it off Swift's cooperative pool.
                let output = job.output
                if let problem = try await offloaded({ Self.unfinished(output, plan: plan, recordedPlan: recorded?.planId) }) {
                    guard options.overwrite else {
                        throw MiaError(file: job.output, "already exists and is not this job's finished video (\(problem)); "
                                       + "remove it, or set overwrite: true for this job")
                    }
                } else {
                    result.status = .reused
                    result.duration = plan.videoSeconds
                    result.cost = recorded?.cost ?? 0
                    result.elapsed = Date().timeIntervalSince(started)
                    try store.recordBatchJob(manifest: manifest, job: job, status: .reused, planId: plan.renderPlanId,
                                             elapsed: result.elapsed)
                    return result
                }
            }

            var orchestrator = RenderOrchestrator(store: store, registry: registry, voices: voices, log: JobLog(base: log, job: job.number))
            orchestrator.webhooks = webhooks
            let prepared = try await orchestrator.prepare(script: text, name: job.script, output: job.output, options: options)
            result.plan = prepared.plan.renderPlanId
            result.scenes = prepared.plan.scenes.count
            try store.recordBatchJob(manifest: manifest, job: job, status: .running, planId: prepared.plan.renderPlanId)
            let outcome = try await orchestrator.execute(prepared, output: job.output, options: options, slots: slots)
            result.status = .rendered
            result.scenesRendered = outcome.scenes.filter { !$0.reused }.count
            result.duration = outcome.stitch.duration
            result.cost = outcome.spent
            result.elapsed = Date().timeIntervalSince(started)
            try store.recordBatchJob(manifest: manifest, job: job, status: .rendered, rendered: true, cost: outcome.spent,
                                     elapsed: result.elapsed)
        } catch {
            result.status = .failed
            result.error = (error as? MiaError)?.message ?? "\(error)"
            result.elapsed = Date().timeIntervalSince(started)
            try? store.recordBatchJob(manifest: manifest, job: job, status: .failed, planId: result.plan, elapsed: result.elapsed,
                                      error: result.error)
        }
        return result
    }

    /// Why the video at `path` is not this plan's finished video, or nil when it is: every frame decodes,
    /// it lasts the plan's length (within two frames), and no earlier run recorded a different plan for it.
    static func unfinished(_ path: String, plan: RenderPlan, recordedPlan: String?) -> String? {
        if let recordedPlan, recordedPlan != plan.renderPlanId {
            return "it was rendered from another version of the script or options (plan \(recordedPlan))"
        }
        let report = Verifier(log: SilentLog()).verify([path], asStitchSet: false)[0]
        if !report.passed { return report.problems.first ?? "it does not verify" }
        let tolerance = 2.0 / Double(max(1, plan.target.fps))
        guard let duration = report.duration, abs(duration - plan.videoSeconds) <= tolerance else {
            return String(format: "it lasts %.3f s, the plan %.3f s", report.duration ?? 0, plan.videoSeconds)
        }
        return nil
    }
}

/// Adds `job=N` to each event, so the lines of jobs rendering side by side can be told apart.
struct JobLog: EventSink {
    let base: any EventSink
    let job: Int

    func emit(_ event: MiaEvent) {
        base.emit(MiaEvent(event.tag, [("job", .int(Int64(job)))] + event.fields.map { ($0.key, $0.value) }))
    }
}
