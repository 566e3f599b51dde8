import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue scripts for workers: plan them, record them, and leave the rendering to `mia-stitch worker`.",
            discussion: """
            SCRIPT with -o OUTPUT and render's options queues one script; a manifest (.yaml, .yml, .json, as for \
            batch) queues every job in it, each with its own output and options. Each plan goes beside its output \
            (NAME.plan.json, scene clips in NAME-scenes/), as with render. Workers on other machines read and write \
            those paths, so put outputs on storage they all share. Submitting again is harmless: finished scenes are \
            kept and a failed plan is tried again. Exit status 65: the manifest is invalid (nothing was queued).
            """
        )

        @Argument(help: "The script file (or - for standard input), or a manifest (.yaml, .yml, .json).")
        var script: String

        @Option(name: .shortAndLong, help: "The finished video (.mp4, .mov, .mkv), written by the worker that stitches it (scripts only).")
        var output: String?

        @OptionGroup var options: ScriptOptions

        @OptionGroup var format: FormatOptions

        @OptionGroup var rendering: SceneRenderingOptions

        @OptionGroup var narration: NarrationArguments

        @Flag(help: "Replace OUTPUT if it exists.")
        var overwrite = false

        @OptionGroup var paths: ManifestPathOptions

        @OptionGroup var webhook: WebhookOption

        @OptionGroup var store: StoreOptions
        @OptionGroup var global: GlobalOptions

        var isManifest: Bool { [".yaml", ".yml", ".json"].contains { script.lowercased().hasSuffix($0) } }

        func validate() throws {
            if isManifest && output != nil { throw ValidationError("a manifest names each job's output; leave out --output") }
            if !isManifest && output == nil { throw ValidationError("give the video to write with -o OUTPUT") }
        }

        func run() async throws {
            let batch = isManifest ? try loadManifest(script, allowOutside: paths.allowOutside, webhook: try webhook.url) : nil
            do {
                let jobStore = try store.open()
                let log = global.makeLog()
                if let batch {
                    for job in batch.jobs {
                        let settings = job.settings
                        // As `batch` does: a manifest's output folders are made for it.
                        try FileManager.default.createDirectory(at: URL(fileURLWithPath: job.output).deletingLastPathComponent(),
                                                                withIntermediateDirectories: true)
                        try await queue(job.script, output: job.output, options: try settings.renderOptions(environment: .current()),
                                  theme: settings.theme, fallback: settings.fallback, overwrite: settings.overwrite,
                                  webhook: settings.webhook, store: jobStore, log: log)
                    }
                } else if let output {
                    let planOptions = try narration.applied(to: options.planOptions(format), fallback: rendering.fallback)
                    try await queue(script, output: output,
                              options: RenderOptions(plan: planOptions, fallback: rendering.fallback,
                                                     theme: try rendering.resolvedTheme(), overwrite: overwrite),
                              theme: rendering.theme, fallback: rendering.fallback, overwrite: overwrite, webhook: try webhook.url,
                              store: jobStore, log: log)
                }
            } catch {
                throw fail(error)
            }
        }

        /// Plans one script beside its output, records it, and hands it to workers.
        private func queue(_ scriptPath: String, output: String, options renderOptions: RenderOptions, theme: String, fallback: Bool,
                           overwrite: Bool, webhook: WebhookURL?, store jobStore: JobStore, log: any EventSink) async throws {
            let (text, name) = try readScript(scriptPath)
            var renderOptions = renderOptions
            renderOptions.plan.scriptFolder = scriptFolder(scriptPath)
            // Absolute, so a worker on any machine (or in any folder) finds the same files.
            let absoluteOutput = URL(fileURLWithPath: output).standardizedFileURL.path
            // The narration is spoken here, once: workers find it in the plan's folder.
            let prepared = try await RenderOrchestrator(store: jobStore, registry: ProviderRegistry([]), voices: .live(log: log), log: log)
                .prepare(script: text, name: name, output: absoluteOutput, options: renderOptions)
            try jobStore.enqueue(planId: prepared.plan.renderPlanId,
                                 render: QueuedRender(output: absoluteOutput, theme: theme, fallback: fallback, overwrite: overwrite,
                                                      webhook: webhook))
            log.emit(MiaEvent("MIA:SUBMIT", [("plan", .string(prepared.plan.renderPlanId)), ("scenes", .int(Int64(prepared.plan.scenes.count))),
                                             ("output", .string(absoluteOutput)), ("db", .string(jobStore.path))]))
            say(MiaMessages.submitted(planId: prepared.plan.renderPlanId, scenes: prepared.plan.scenes.count,
                                        cost: prepared.plan.estimatedCost, output: absoluteOutput, store: jobStore.path))
        }
    }

    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render submitted scenes and stitch finished plans from a shared job store, until stopped.",
            discussion: """
            Start any number of workers, on any number of machines, against one PostgreSQL store \
            (--db postgres://USER@HOST:PORT/DATABASE, or MIA_DB). Each claims one scene at a time under a lease it \
            renews while rendering; if a worker dies, its scene is taken over once the lease runs out, resuming the \
            provider job already paid for. The worker that finds a plan's scenes all complete stitches it. \
            SIGTERM or Ctrl-C: the scene in hand is finished, nothing more is claimed, and the worker exits 0. \
            --metrics-port serves Prometheus metrics (scenes, spend, latencies, stitches, this worker's state) for \
            the farm's monitoring; a port in use stops the worker before it claims anything.
            """
        )

        @Option(name: .customLong("poll-interval"), help: "Seconds between looks at the queue when there is nothing to do.")
        var pollInterval: Double = 2

        @Option(name: .customLong("lease-seconds"), help: "Seconds a claim lasts unrenewed (renewed every third of it); a dead worker's scene waits this long.")
        var leaseSeconds: Double = 60

        @Flag(name: .customLong("exit-when-idle"), help: "Exit once every submitted plan is stitched or failed.")
        var exitWhenIdle = false

        @OptionGroup var metrics: MetricsOptions
        @OptionGroup var store: StoreOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if !(pollInterval > 0) { throw ValidationError("--poll-interval must be a positive number of seconds") }
            if !(leaseSeconds >= 1) { throw ValidationError("--lease-seconds must be at least 1") }
        }

        func run() async throws {
            let worker: RenderWorker
            let summary: WorkerSummary
            do {
                let (log, metricsServer) = try await metrics.start(log: global.makeLog())
                defer { metricsServer?.close() }
                worker = RenderWorker(store: try store.open(), registry: .live(log: log), log: log,
                                      options: WorkerOptions(pollInterval: pollInterval, leaseSeconds: leaseSeconds, exitWhenIdle: exitWhenIdle))
                stopOnSignals { worker.stop() }
                summary = try await worker.run()
            } catch {
                throw fail(error)
            }
            if !global.quiet {
                say(MiaMessages.workerStopped(worker.id, scenes: summary.scenesRendered, stitched: summary.plansStitched,
                                                failures: summary.failures))
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show submitted plans, scene leases and workers.")

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON on standard output.")
        var json = false

        func run() async throws {
            do {
                let snapshot = try store.open().queueSnapshot()
                if json {
                    try printJSON(snapshot)
                    return
                }
                say(snapshot.plans.isEmpty ? "No plans submitted." : "Plans")
                if !snapshot.plans.isEmpty {
                    let widths = [22, 11, 8, 30]
                    say(columns(["plan", "status", "done", "output", "stitched by / error"], widths: widths))
                    for plan in snapshot.plans {
                        say(columns([plan.id, plan.status.rawValue, "\(plan.completeScenes)/\(plan.scenes)", plan.output,
                                       plan.error ?? plan.stitchOwner ?? ""], widths: widths))
                    }
                }
                say("\nLeases" + (snapshot.leases.isEmpty ? ": none" : ""))
                if !snapshot.leases.isEmpty {
                    let widths = [22, 7, 10, 11, 34, 12]
                    say(columns(["plan", "scene", "provider", "status", "held by", "expires in", "provider job"], widths: widths))
                    for lease in snapshot.leases {
                        let left = lease.expiresAt.timeIntervalSince(snapshot.takenAt)
                        say(columns([lease.planId, "\(lease.sceneNumber)", lease.provider.rawValue, lease.status.rawValue, lease.owner,
                                       left > 0 ? String(format: "%.0f s", left) : "expired", lease.providerJobId ?? ""], widths: widths))
                    }
                }
                say("\nWorkers" + (snapshot.workers.isEmpty ? ": none" : ""))
                if !snapshot.workers.isEmpty {
                    let widths = [34, 11, 9, 9, 12]
                    say(columns(["worker", "state", "scenes", "stitched", "last seen", "working on"], widths: widths))
                    for worker in snapshot.workers {
                        let seen = snapshot.takenAt.timeIntervalSince(worker.heartbeatAt)
                        say(columns([worker.id, worker.state, "\(worker.scenesRendered)", "\(worker.plansStitched)",
                                       String(format: "%.0f s ago", max(0, seen)), worker.current ?? ""], widths: widths))
                    }
                }
            } catch {
                throw fail(error)
            }
        }
    }
}

/// Calls `stop` on SIGTERM (schedulers, `kill`) and SIGINT (Ctrl-C) instead of dying, so a worker can
/// finish or hand back what it holds.
func stopOnSignals(_ stop: @escaping @Sendable () -> Void) {
    handleSignals([SIGINT, SIGTERM]) { _ in stop() }
}
