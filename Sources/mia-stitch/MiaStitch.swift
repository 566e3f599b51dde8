import ArgumentParser
import Foundation
import MiaPipeline

@main
struct MiaStitch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mia-stitch",
        abstract: "Turn a video script into one finished video, and stitch, probe and verify clips.",
        subcommands: [Analyze.self, Plan.self, Plans.self, Render.self, RenderScene.self, Batch.self, Submit.self, Worker.self, Status.self,
                      RenderTemplate.self, Stitch.self, Probe.self, Verify.self, Review.self]
    )
}

/// Flags every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("log-format"), help: "Log events as text or json lines on standard error.")
    var logFormat: LogFormat = .text

    @Flag(name: .shortAndLong, help: "Print no progress display.")
    var quiet = false

    func makeLog() -> any EventSink { StandardErrorLog(format: logFormat) }

    /// A live progress line only where a person is watching.
    var showsProgress: Bool { !quiet && logFormat == .text && isatty(STDERR_FILENO) == 1 }
}

extension LogFormat: ExpressibleByArgument {}

/// Prints the one-line error a user reads and exits non-zero; no stack traces.
func fail(_ error: any Error) -> ExitCode {
    let message = (error as? MiaError)?.message ?? "\(error)"
    FileHandle.standardError.write(Data("mia-stitch: error: \(message)\n".utf8))
    return ExitCode.failure
}

/// Exit statuses a scheduler acts on (named as in sysexits.h). Usage errors exit 64 (EX_USAGE).
enum TaskExitCode {
    /// EX_TEMPFAIL: a later try may work (a provider throttled or unreachable, a timeout, a busy job store).
    static let retry: Int32 = 75
    /// EX_DATAERR: the same input will fail the same way (a bad plan or scene number, the budget, a refusal).
    static let doNotRetry: Int32 = 65
}

/// Like `fail`, for a render-farm task: the exit status says whether retrying the task can help.
func failTask(_ error: any Error) -> ExitCode {
    _ = fail(error)
    return ExitCode((error as? MiaError)?.retryable == true ? TaskExitCode.retry : TaskExitCode.doNotRetry)
}

/// Removes half-written outputs when the user interrupts (Ctrl-C) or a scheduler stops us.
/// The work runs on a Dispatch queue, not in a signal handler, where taking a lock is unsafe.
func installInterruptCleanup() {
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler {
            TemporaryFiles.shared.removeAll()
            // The shell convention for "killed by signal N" (130 for Ctrl-C).
            _exit(128 + signalNumber)
        }
        source.resume()
        interruptSources.append(source)
    }
}

/// Kept alive for the life of the process.
nonisolated(unsafe) private var interruptSources: [any DispatchSourceSignal] = []
