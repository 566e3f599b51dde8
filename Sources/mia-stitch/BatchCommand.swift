import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Batch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render every job of a manifest (YAML or JSON): many scripts, one video each.",
            discussion: """
            The manifest lists jobs (script, output, and any of render's options: provider, size, aspect, fps, budget, \
            duration, wpm, theme, no-fallback, overwrite), with optional defaults for all; paths are relative to the \
            manifest. It is checked completely before anything runs: a problem is reported with its line and field. \
            Jobs run --jobs at a time, and all their scenes share one limit of --concurrency provider jobs per provider. \
            Run it again to resume: a job whose video is there and verifies is left as it is, the others reuse their \
            finished scenes and poll recorded provider jobs. Exit status: 0 every job done, 1 one or more failed (the \
            others still ran), 65 the manifest is invalid (nothing ran). --metrics-port serves Prometheus metrics while \
            it works.
            """
        )

        @Argument(help: "The manifest (.yaml, .yml or .json).")
        var manifest: String

        @Option(help: "Jobs in progress at once.")
        var jobs: Int = 2

        @Option(help: "Provider jobs in flight at once, per provider, across all jobs.")
        var concurrency: Int = 2

        @Option(help: "Write each job's status, durations, cost and error to this JSON file (replaced each run).")
        var report: String?

        @OptionGroup var paths: ManifestPathOptions

        @OptionGroup var metrics: MetricsOptions
        @OptionGroup var webhook: WebhookOption

        @OptionGroup var store: StoreOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if !(1...64).contains(jobs) { throw ValidationError("--jobs must be between 1 and 64") }
            if let problem = RenderLimits.concurrency(concurrency) { throw ValidationError("--concurrency \(problem)") }
        }

        func run() async throws {
            installInterruptCleanup()
            let batch = try loadManifest(manifest, allowOutside: paths.allowOutside, webhook: try webhook.url)
            do {
                let (log, metricsServer) = try await metrics.start(log: global.makeLog())
                defer { metricsServer?.close() }
                let runner = BatchRunner(store: try store.open(), registry: .live(log: log), voices: .live(log: log), log: log,
                                         environment: .current())
                let total = batch.jobs.count
                let outcome = await runner.run(batch, parallelJobs: jobs, concurrency: concurrency) { result in
                    // Straight to the file descriptor: each line appears as its job ends, even through a pipe.
                    FileHandle.standardOutput.write(Data((TerminalText.escaped(MiaMessages.batchJobFinished(result, of: total)) + "\n").utf8))
                }
                FileHandle.standardOutput.write(Data(("\n" + TerminalText.escaped(MiaMessages.batchSummary(outcome)) + "\n").utf8))
                if let report { try outcome.write(to: report) }
                if outcome.failed > 0 { throw ExitCode.failure }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw fail(error)
            }
        }
    }
}

/// Where a manifest's scripts and outputs may be (`batch` and `submit`).
struct ManifestPathOptions: ParsableArguments {
    @Flag(help: "Accept scripts and outputs outside the manifest's folder (or its root:).")
    var allowOutside = false
}

/// Reads a manifest; an invalid one prints its problems (one line each, with its line and field; the first
/// `shownProblems`, then how many more) and exits with the do-not-retry code before anything runs.
/// - Parameter webhook: `--webhook`, for the jobs whose manifest entry names none.
func loadManifest(_ path: String, allowOutside: Bool, webhook: WebhookURL? = nil) throws -> BatchManifest {
    do {
        var manifest = try BatchManifest.load(path: path, allowOutside: allowOutside)
        for index in manifest.jobs.indices where manifest.jobs[index].settings.webhook == nil {
            manifest.jobs[index].settings.webhook = webhook
        }
        return manifest
    } catch let invalid as BatchManifestError {
        var lines = invalid.problems.prefix(shownProblems).map { "mia-stitch: error: \(TerminalText.escaped($0.message, keepNewlines: false))\n" }
        let more = invalid.problems.count - shownProblems
        if more > 0 { lines.append("mia-stitch: error: … and \(grouped(more)) more \(more == 1 ? "problem" : "problems")\n") }
        FileHandle.standardError.write(Data(lines.joined().utf8))
        throw ExitCode(TaskExitCode.doNotRetry)
    }
}

/// A manifest of 10,000 bad jobs should not print 20,000 lines: the first ones show what is wrong.
private let shownProblems = 20

/// 9980 as "9,980".
private func grouped(_ number: Int) -> String {
    let digits = Array(String(number))
    return digits.enumerated().map { index, digit in
        index > 0 && (digits.count - index) % 3 == 0 ? ",\(digit)" : "\(digit)"
    }.joined()
}
