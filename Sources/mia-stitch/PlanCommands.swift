import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a render plan for a script and record it in the job store, or show a recorded plan.",
            subcommands: [Create.self, Show.self],
            defaultSubcommand: Create.self
        )
    }

    struct Plans: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the plans recorded in the job store, newest first.")

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON on standard output.")
        var json = false

        func run() async throws {
            do {
                let jobStore = try store.open()
                let plans = try jobStore.plans()
                if json {
                    try printJSON(plans.map(PlanListing.init))
                } else if plans.isEmpty {
                    // The store's own name for itself: a URL never shows its password.
                    say("No plans recorded yet in \(jobStore.path).")
                } else {
                    say(columns(["plan", "updated", "done", "length", "cost", "script"], widths: [22, 21, 7, 9, 8]))
                    for stored in plans {
                        let plan = stored.plan
                        say(columns([plan.id, PlanListing.timestamp(plan.updatedAt), "\(stored.completedScenes)/\(plan.sceneCount)",
                                       String(format: "%.1f s", plan.totalSeconds), MiaMessages.dollars(plan.estimatedCost), plan.script],
                                      widths: [22, 21, 7, 9, 8]))
                    }
                }
            } catch {
                throw fail(error)
            }
        }
    }
}

extension MiaStitch.Plan {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Write a render plan (the default: `mia-stitch plan SCRIPT -o PLAN.json`)."
        )

        @Argument(help: "The script file, or - for standard input.")
        var script: String

        @Option(name: .shortAndLong, help: "The plan file to write (JSON).")
        var output: String

        @OptionGroup var options: ScriptOptions

        @OptionGroup var format: FormatOptions

        @OptionGroup var narration: NarrationArguments

        @Flag(name: .customLong("no-fallback"), help: "Fail when a cloud voice cannot speak, instead of using eSpeak NG.")
        var noFallback = false

        @Flag(help: "Replace OUTPUT if it exists.")
        var overwrite = false

        @OptionGroup var store: StoreOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                let log = global.makeLog()
                let (text, name) = try readScript(script, log: log)
                let target = try AtomicOutput(destination: output, overwrite: overwrite)
                let jobStore = try store.open()
                var planOptions = try narration.applied(to: options.planOptions(format), fallback: !noFallback)
                planOptions.scriptFolder = scriptFolder(script)
                let (plan, analysis, _) = try await RenderPlanner(log: log).plan(
                    text, scriptName: name, planFileName: output,
                    planFolder: URL(fileURLWithPath: output).standardizedFileURL.deletingLastPathComponent().path,
                    options: planOptions, speaker: SpeechSynthesizer(store: jobStore, voices: .live(log: log), log: log))
                try target.write { temporary in
                    try plan.json().write(to: URL(fileURLWithPath: temporary))
                    try jobStore.record(plan, planPath: URL(fileURLWithPath: output).standardizedFileURL.path)
                }
                say(MiaMessages.summary(analysis))
                if let narration = MiaMessages.narration(plan) { say(narration) }
                say("\nWrote \(output) (\(plan.renderPlanId)); scene clips go in \(plan.outputDirectory)/. Recorded in \(jobStore.path).")
            } catch {
                throw fail(error)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a recorded plan and its scene jobs.")

        @Argument(help: "The plan id (or a unique prefix of it).")
        var id: String

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON on standard output.")
        var json = false

        func run() async throws {
            do {
                let jobStore = try store.open()
                guard let stored = try jobStore.plan(id: id) else {
                    throw MiaError("no plan \(id) in the job store (\(jobStore.path)); `mia-stitch plans` lists them")
                }
                let deliveries = try jobStore.webhookDeliveries(planId: stored.plan.id)
                if json {
                    try printJSON(PlanDetail(stored, webhooks: deliveries))
                    return
                }
                let plan = stored.plan
                say("\(plan.id): \(plan.script), \(plan.sceneCount) scenes, \(String(format: "%.1f", plan.totalSeconds)) s, "
                      + "\(plan.width)x\(plan.height) at \(plan.fps) fps, estimated \(MiaMessages.dollars(plan.estimatedCost))")
                say("plan file: \(plan.planPath); recorded \(PlanListing.timestamp(plan.createdAt)), updated \(PlanListing.timestamp(plan.updatedAt))")
                let widths = [4, 11, 10, 13, 9, 9, 9]
                say("\n" + columns(["#", "status", "provider", "model", "length", "cost", "attempts", "provider job"], widths: widths))
                for scene in stored.scenes {
                    let cost = scene.cost.map(MiaMessages.dollars) ?? "~" + MiaMessages.dollars(scene.estimatedCost)
                    say(columns(["\(scene.sceneNumber)", scene.status.rawValue, scene.provider.rawValue, scene.model,
                                   String(format: "%.1f s", scene.seconds), cost, "\(scene.attempts)", scene.providerJobId ?? "-"],
                                  widths: widths))
                    if let error = scene.error { say("    error: \(error)") }
                }
                if !deliveries.isEmpty {
                    let widths = [15, 21, 10, 9, 9]
                    say("\nWebhooks\n" + columns(["event", "sent", "result", "status", "attempts", "url"], widths: widths))
                    for delivery in deliveries {
                        say(columns([delivery.event.rawValue, PlanListing.timestamp(delivery.deliveredAt),
                                     delivery.succeeded ? "delivered" : "failed", delivery.status.map { "\($0)" } ?? "-",
                                     "\(delivery.attempts)", delivery.url], widths: widths))
                        if let error = delivery.error { say("    error: \(error)") }
                    }
                }
            } catch {
                throw fail(error)
            }
        }
    }
}

/// Left-aligned columns of the given widths; the last column takes the rest of the line.
func columns(_ values: [String], widths: [Int]) -> String {
    values.enumerated().map { index, value in
        index < widths.count ? value.padding(toLength: max(widths[index], value.count + 1), withPad: " ", startingAt: 0) : value
    }.joined()
}

/// JSON shapes for `plans` and `plan show`.
struct PlanListing: Encodable {
    let id, script, planPath, updatedAt: String
    let scenes, completedScenes: Int
    let totalSeconds, estimatedCost: Double

    init(_ stored: StoredPlan) {
        id = stored.plan.id
        script = stored.plan.script
        planPath = stored.plan.planPath
        updatedAt = Self.timestamp(stored.plan.updatedAt)
        scenes = stored.plan.sceneCount
        completedScenes = stored.completedScenes
        totalSeconds = stored.plan.totalSeconds
        estimatedCost = stored.plan.estimatedCost
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

struct PlanDetail: Encodable {
    let plan: PlanListing
    let sceneJobs: [SceneJobRecord]
    let webhooks: [WebhookDelivery]

    init(_ stored: StoredPlan, webhooks: [WebhookDelivery]) {
        plan = PlanListing(stored)
        sceneJobs = stored.scenes
        self.webhooks = webhooks
    }
}
