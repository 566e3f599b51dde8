import ArgumentParser
import Foundation
import MiaPipeline

@main
struct MiaStitch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mia-stitch",
        abstract: "Turn a video script into one finished video, and stitch, probe and verify clips.",
        version: MiaVersion.current,
        subcommands: [Analyze.self, Plan.self, Plans.self, Render.self, RenderScene.self, Batch.self, Submit.self, Worker.self, Status.self,
                      RenderTemplate.self, Stitch.self, Probe.self, Verify.self, Review.self, Voices.self]
    )
}

/// Flags every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("log-format"), help: "Log events as text or json lines on standard error (default: text).")
    var logFormat: LogFormat?

    @Flag(name: .shortAndLong, help: "Print no progress display.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "On a terminal, print log events above the live display too.")
    var verbose = false

    var format: LogFormat { logFormat ?? .text }

    /// The event log. Beside a live region on a terminal, a person reads the region: events go above it only
    /// when asked for (`--log-format`, `-v`). Off a terminal there is no region and every event is printed.
    func makeLog(region: LiveRegion? = nil) -> any EventSink {
        guard let region else { return StandardErrorLog(format: format) }
        return logFormat != nil || verbose ? StandardErrorLog(format: format, region: region) : SilentLog()
    }

    /// A live progress display only where a person is watching.
    var showsProgress: Bool { !quiet && format == .text && isatty(STDERR_FILENO) == 1 }
}

extension LogFormat: ExpressibleByArgument {}

/// Prints the one-line error a user reads and exits non-zero; no stack traces.
func fail(_ error: any Error) -> ExitCode {
    let message = (error as? MiaError)?.message ?? "\(error)"
    // File names and titles in the message come from users and files: never let them drive the terminal.
    FileHandle.standardError.write(Data("mia-stitch: error: \(TerminalText.escaped(message))\n".utf8))
    return ExitCode.failure
}

/// Prints text that holds user- or file-supplied values (titles, file names, errors) with their control
/// characters made visible: the one way the CLI prints such text (JSON output escapes its own).
func say(_ text: String, terminator: String = "\n") {
    print(TerminalText.escaped(text), terminator: terminator)
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
func installInterruptCleanup() {
    handleSignals([SIGINT, SIGTERM, SIGHUP]) { signalNumber in
        TemporaryFiles.shared.removeAll()
        // The shell convention for "killed by signal N" (130 for Ctrl-C).
        _exit(128 + signalNumber)
    }
}

/// Runs `handler` for each of `signals` on a Dispatch queue instead of their default action (not in a
/// signal handler, where taking a lock is unsafe). Returns once every source is registered: the signal is
/// ignored from the first line, and one sent before its source is watching would be lost (a worker told to
/// stop while starting up kept working).
func handleSignals(_ signals: [Int32], _ handler: @escaping @Sendable (Int32) -> Void) {
    for signalNumber in signals {
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        let registered = DispatchSemaphore(value: 0)
        source.setRegistrationHandler { registered.signal() }
        source.setEventHandler { handler(signalNumber) }
        source.resume()
        _ = registered.wait(timeout: .now() + 5)
        signalSources.append(source)
    }
}

/// Kept alive for the life of the process.
nonisolated(unsafe) private var signalSources: [any DispatchSourceSignal] = []
