import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a script for workers: plan it, record it, and leave the rendering to `mia-stitch worker`.",
            discussion: """
            The plan goes beside OUTPUT (NAME.plan.json, scene clips in NAME-scenes/), as with render. Workers on other \
            machines read and write those paths, so put OUTPUT on storage they all share. Submitting the same script \
            and options again is harmless: finished scenes are kept and a failed plan is tried again.
            """
        )

        @Argument(help: "The script file, or - for standard input.")
        var script: String

        @Option(name: .shortAndLong, help: "The finished video (.mp4, .mov, .mkv), written by the worker that stitches it.")
        var output: String

        @OptionGroup var options: ScriptOptions

        @OptionGroup var format: FormatOptions

        @Option(help: "Template look: \(Theme.all.map(\.name).joined(separator: ", ")).")
        var theme: String = Theme.defaultName

        @Flag(name: .customLong("no-fallback"), help: "Fail a scene its provider cannot render, instead of using Template.")
        var noFallback = false

        @Flag(help: "Replace OUTPUT if it exists.")
        var overwrite = false

        @OptionGroup var store: StoreOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                let (text, name) = try readScript(script)
                let jobStore = try store.open()
                let log = global.makeLog()
                // Absolute, so a worker on any machine (or in any folder) finds the same files.
                let absoluteOutput = URL(fileURLWithPath: output).standardizedFileURL.path
                let renderOptions = RenderOptions(plan: options.planOptions(format), fallback: !noFallback,
                                                  theme: try Theme.named(theme), overwrite: overwrite)
                let prepared = try RenderOrchestrator(store: jobStore, registry: ProviderRegistry([]), log: log)
                    .prepare(script: text, name: name, output: absoluteOutput, options: renderOptions)
                try jobStore.enqueue(planId: prepared.plan.renderPlanId,
                                     render: QueuedRender(output: absoluteOutput, theme: theme, fallback: !noFallback, overwrite: overwrite))
                log.emit(MiaEvent("MIA:SUBMIT", [("plan", .string(prepared.plan.renderPlanId)), ("scenes", .int(Int64(prepared.plan.scenes.count))),
                                                 ("output", .string(absoluteOutput)), ("db", .string(jobStore.path))]))
                print(MiaMessages.submitted(planId: prepared.plan.renderPlanId, scenes: prepared.plan.scenes.count,
                                            cost: prepared.plan.estimatedCost, output: absoluteOutput, store: jobStore.path))
            } catch {
                throw fail(error)
            }
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
            SIGTERM or Ctrl-C: the scene in hand is finished, nothing more is claimed, and the worker exits 0.
            """
        )

        @Option(name: .customLong("poll-interval"), help: "Seconds between looks at the queue when there is nothing to do.")
        var pollInterval: Double = 2

        @Option(name: .customLong("lease-seconds"), help: "Seconds a claim lasts unrenewed (renewed every third of it); a dead worker's scene waits this long.")
        var leaseSeconds: Double = 60

        @Flag(name: .customLong("exit-when-idle"), help: "Exit once every submitted plan is stitched or failed.")
        var exitWhenIdle = false

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
                let log = global.makeLog()
                worker = RenderWorker(store: try store.open(), registry: .live(log: log), log: log,
                                      options: WorkerOptions(pollInterval: pollInterval, leaseSeconds: leaseSeconds, exitWhenIdle: exitWhenIdle))
                stopOnSignals { worker.stop() }
                summary = try await worker.run()
            } catch {
                throw fail(error)
            }
            if !global.quiet {
                print(MiaMessages.workerStopped(worker.id, scenes: summary.scenesRendered, stitched: summary.plansStitched,
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
                print(snapshot.plans.isEmpty ? "No plans submitted." : "Plans")
                if !snapshot.plans.isEmpty {
                    let widths = [22, 11, 8, 30]
                    print(columns(["plan", "status", "done", "output", "stitched by / error"], widths: widths))
                    for plan in snapshot.plans {
                        print(columns([plan.id, plan.status.rawValue, "\(plan.completeScenes)/\(plan.scenes)", plan.output,
                                       plan.error ?? plan.stitchOwner ?? ""], widths: widths))
                    }
                }
                print("\nLeases" + (snapshot.leases.isEmpty ? ": none" : ""))
                if !snapshot.leases.isEmpty {
                    let widths = [22, 7, 10, 11, 34, 12]
                    print(columns(["plan", "scene", "provider", "status", "held by", "expires in", "provider job"], widths: widths))
                    for lease in snapshot.leases {
                        let left = lease.expiresAt.timeIntervalSince(snapshot.takenAt)
                        print(columns([lease.planId, "\(lease.sceneNumber)", lease.provider, lease.status, lease.owner,
                                       left > 0 ? String(format: "%.0f s", left) : "expired", lease.providerJobId ?? ""], widths: widths))
                    }
                }
                print("\nWorkers" + (snapshot.workers.isEmpty ? ": none" : ""))
                if !snapshot.workers.isEmpty {
                    let widths = [34, 11, 9, 9, 12]
                    print(columns(["worker", "state", "scenes", "stitched", "last seen", "working on"], widths: widths))
                    for worker in snapshot.workers {
                        let seen = snapshot.takenAt.timeIntervalSince(worker.heartbeatAt)
                        print(columns([worker.id, worker.state, "\(worker.scenesRendered)", "\(worker.plansStitched)",
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
/// finish or hand back what it holds. The work runs on a Dispatch queue, not in a signal handler.
func stopOnSignals(_ stop: @escaping @Sendable () -> Void) {
    for signalNumber in [SIGINT, SIGTERM] {
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler(handler: stop)
        source.resume()
        stopSources.append(source)
    }
}

/// Kept alive for the life of the process.
nonisolated(unsafe) private var stopSources: [any DispatchSourceSignal] = []
