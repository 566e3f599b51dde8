import Foundation
@testable import MiaPipeline

/// A child process started with `posix_spawn` and reaped with `waitpid` on its own pid.
///
/// Foundation's `Process` left exited children unreaped (zombies, `waitUntilExit` never returning) once
/// postgres-nio's event loop threads were running in the test process, so the tests that use PostgreSQL
/// start their helpers and workers this way.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: immutable after init.
    let pid: pid_t

    /// How a child ended.
    enum Ending: Equatable {
        case exited(Int32)
        case killed(by: Int32)
    }

    /// Starts `executable` with standard output and error written to files (or discarded).
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
         stdout: String? = nil, stderr: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw MiaError(file: executable, "cannot start: \(String(cString: strerror(result)))") }
        pid = child
    }

    /// Blocks until the child ends.
    func wait() -> Ending {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WTERMSIG are C macros Swift cannot import.
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .killed(by: signal)
    }

    /// Waits off Swift's cooperative pool, so many children can be awaited at once.
    func ended() async -> Ending {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.wait()) }
        }
    }

    func send(_ signal: Int32) { kill(pid, signal) }
}
