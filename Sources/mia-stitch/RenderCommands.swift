import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Script in, finished video out: analyze, plan, render every scene, stitch, review.",
            discussion: """
            Scenes render with their recommended provider when it is connected (RUNWAYML_API_SECRET, GEMINI_API_KEY, \
            LUMAAI_API_KEY, OPENAI_API_KEY), else with the built-in Template generator. On a terminal Mia shows the \
            plan and asks before spending (guided mode); --autopilot goes straight through (any run without a \
            terminal does too). Add --remember to make the mode you chose the default for later runs. \
            A rerun with the same script and options resumes: finished scenes are reused, provider jobs are polled \
            again, never paid twice. On a terminal a live block of scene lines redraws in place; -v (or --log-format) \
            prints the [MIA:*] events above it. Off a terminal, only the events are printed. \
            --metrics-port serves Prometheus metrics while it works.
            """
        )

        @Argument(help: "The script file, or - for standard input.")
        var script: String

        @Option(name: .shortAndLong, help: "The finished video (.mp4, .mov, .mkv). The plan and scene clips go beside it.")
        var output: String

        @OptionGroup var options: ScriptOptions

        @OptionGroup var format: FormatOptions

        @Option(help: "Provider jobs in flight at once, per provider.")
        var concurrency: Int = 2

        @OptionGroup var rendering: SceneRenderingOptions

        @OptionGroup var narration: NarrationArguments

        @Flag(help: "Don't ask for approval before rendering.")
        var autopilot = false

        @Flag(help: "Show the plan and ask for approval before rendering (the default on a terminal).")
        var guided = false

        @Flag(help: "Save --autopilot or --guided as the default mode (\(UserConfig.path())).")
        var remember = false

        @Flag(help: "Replace OUTPUT if it exists.")
        var overwrite = false

        @Option(help: ArgumentHelp(
            "Render every scene with each of these providers (e.g. runway,veo,template): OUTPUT-runway.mp4, …, and "
                + "OUTPUT.compare.png / .compare.json, a scene-by-provider contact sheet with cost and render time.",
            valueName: "providers"))
        var compare: String?

        /// `--compare`'s providers, in the order given.
        var compareProviders: [ProviderID]? {
            compare.map { $0.split(separator: ",").compactMap { name in ProviderID.selectable.first { $0.rawValue == name.trimmingCharacters(in: .whitespaces).lowercased() } } }
        }

        @OptionGroup var metrics: MetricsOptions
        @OptionGroup var webhook: WebhookOption

        @OptionGroup var store: StoreOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let problem = RenderLimits.concurrency(concurrency) { throw ValidationError("--concurrency \(problem)") }
            if autopilot && guided { throw ValidationError("choose --autopilot or --guided, not both") }
            if remember && !autopilot && !guided { throw ValidationError("--remember saves --autopilot or --guided; give one of them") }
            if let compare {
                if options.provider != .auto { throw ValidationError("--compare names the providers: leave out --provider") }
                let known = ProviderID.selectable.map(\.rawValue)
                for name in compare.split(separator: ",", omittingEmptySubsequences: false)
                where !known.contains(name.trimmingCharacters(in: .whitespaces).lowercased()) {
                    throw ValidationError("--compare: unknown provider '\(name)' (known: \(known.joined(separator: ", ")))")
                }
            }
        }

        func run() async throws {
            installInterruptCleanup()
            do {
                var config = UserConfig.load()
                if autopilot || guided { config.mode = autopilot ? .autopilot : .guided }
                if remember { try config.save() }
                // On a terminal: one live block of scene lines, events above it only when asked for.
                let region = global.showsProgress ? LiveRegion.standardError() : nil
                let (log, metricsServer) = try await metrics.start(log: global.makeLog(region: region))
                defer { metricsServer?.close() }
                let (text, name) = try readScript(script, log: log)
                let board = region.map(SceneBoard.init)
                let interactive = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
                var orchestrator = RenderOrchestrator(store: try store.open(), registry: .live(log: log), voices: .live(log: log), log: log,
                                                      progress: board.map { b in { @Sendable in b.update(scene: $0, state: $1, progress: $2) } })
                var planOptions = try narration.applied(to: options.planOptions(format), fallback: rendering.fallback)
                planOptions.scriptFolder = scriptFolder(script)
                let renderOptions = RenderOptions(
                    plan: planOptions,
                    concurrency: concurrency, fallback: rendering.fallback, theme: try rendering.resolvedTheme(), overwrite: overwrite,
                    webhook: try webhook.url)
                if interactive && config.mode == .guided {
                    // Cloud speech is bought before the plan (it times the scenes): asked for first.
                    orchestrator.approveSpeech = { cost in
                        say(MiaMessages.speechApprovalPrompt(cost: cost), terminator: "")
                        return ["y", "yes"].contains((readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased())
                    }
                }
                if let providers = compareProviders {
                    let guidedRun = interactive && config.mode == .guided
                    let report = try await orchestrator.compare(script: text, name: name, output: output, providers: providers,
                                                                options: renderOptions, approve: guidedRun ? { plans in
                        let cost = plans.reduce(0) { $0 + $1.scenes.reduce(0) { $0 + $1.estimatedCost } }
                        say(MiaMessages.approvalPrompt(sceneCount: plans.reduce(0) { $0 + $1.scenes.count }, cost: cost), terminator: "")
                        let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                        return cost > 0 ? ["y", "yes"].contains(answer) : !["n", "no"].contains(answer)
                    } : nil)
                    for provider in report.providers {
                        say("\(provider.displayName): \(report.videos[provider.rawValue] ?? "") (\(MiaMessages.dollars(report.costs[provider.rawValue] ?? 0)))")
                    }
                    say("Contact sheet: \(report.sheet)")
                    return
                }
                let prepared = try await orchestrator.prepare(script: text, name: name, output: output, options: renderOptions)

                if interactive && config.mode == .guided {
                    say(MiaMessages.summary(prepared.analysis))
                    if let narration = MiaMessages.narration(prepared.plan) { say(narration) }
                    say("")
                    say(MiaMessages.approvalPrompt(sceneCount: prepared.plan.scenes.count, cost: prepared.plan.estimatedCost),
                          terminator: "")
                    let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                    let approved = prepared.plan.estimatedCost > 0 ? ["y", "yes"].contains(answer) : !["n", "no"].contains(answer)
                    guard approved else {
                        say(MiaMessages.notApproved(planPath: prepared.planPath))
                        throw ExitCode.failure
                    }
                }
                board?.start(scenes: prepared.plan.scenes)
                let outcome = try await orchestrator.execute(prepared, output: output, options: renderOptions)
                board?.finish()
                say(MiaMessages.renderSummary(output: output, scenes: outcome.scenes, spent: outcome.spent,
                                                duration: outcome.stitch.duration, elapsed: outcome.elapsed))
                say(MiaMessages.review(outcome.review))
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw fail(error)
            }
        }
    }

    struct RenderScene: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "render-scene",
            abstract: "Render one scene of a plan: the unit a render farm schedules.",
            discussion: """
            The scene comes from --scene (1-based), else from the scheduler: SLURM_ARRAY_TASK_ID is taken as the scene \
            number itself (submit with --array=1-N), JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) and \
            AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch) are 0-based and so count from scene 1 at index 0. A scene already \
            rendered and still valid is left as it is. The clip is written under a temporary name in the plan's \
            scene folder and renamed into place when complete. \
            Exit status: 0 the scene is rendered (or already was); 75 retry later (a provider throttled, \
            unreachable or too slow, a busy job store; a provider job already created is polled again, not paid twice); \
            65 do not retry (bad plan or scene number, budget, a refusal such as a safety rejection); 64 bad arguments.
            """
        )

        @Option(help: "The render plan (JSON) written by `mia-stitch plan`.")
        var plan: String

        @Option(help: "The scene number (1-based).")
        var scene: Int?

        @OptionGroup var rendering: SceneRenderingOptions

        @OptionGroup var store: StoreOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            installInterruptCleanup()
            do {
                let files = try PlanFiles.load(plan)
                let renderPlan = files.plan
                let number = try SceneIndexResolution.resolve(explicit: scene, environment: ProcessInfo.processInfo.environment,
                                                              sceneCount: renderPlan.scenes.count)
                let job = renderPlan.scenes[number - 1]
                let jobStore = try store.open()
                if try jobStore.plan(id: renderPlan.renderPlanId) == nil {
                    try jobStore.record(renderPlan, planPath: URL(fileURLWithPath: plan).standardizedFileURL.path)
                }
                let log = global.makeLog()
                let renderer = SceneRenderer(store: jobStore, registry: .live(log: log), log: log)
                let context = SceneContext(files: files, theme: try rendering.resolvedTheme(), fallback: rendering.fallback)
                // A scene finished by an earlier task is verified and left as it is.
                _ = try await renderer.render(job, context: context)
            } catch {
                throw failTask(error)
            }
        }
    }
}
