import Foundation

/// This process as claims, leases and temporary files name it. The start time (from `/proc`) tells
/// a live writer from a dead one whose pid was reused, so leftovers of a killed run can be removed
/// without ever touching a running one's.
public enum ProcessIdentity {
    /// A host name safe inside a file name (no separators or dots to confuse the parts).
    static let host: String = {
        let name = ProcessInfo.processInfo.hostName.prefix(64)
        return String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }()
    static let pid = getpid()
    static let startTicks = startTime(of: getpid())

    /// The owner string for claims in the job store: `host:pid:random`.
    public static let owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(String(UInt32.random(in: .min ... .max), radix: 16))"

    /// Whether a claim owner (`host:pid:…`) is a process of this host that no longer runs. Owners of
    /// other hosts are never judged gone: only their lease's end says so.
    static func isGone(owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), pid > 0,
              parts.dropLast(2).joined(separator: ":") == ProcessInfo.processInfo.hostName else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// A tag for temporary file names: `mia-HOST-PID-START`.
    static var fileTag: String { "mia-\(host)-\(pid)-\(startTicks.map(String.init) ?? "0")" }

    /// When process `pid` started, in clock ticks since boot (field 22 of `/proc/PID/stat`); nil where
    /// there is no `/proc` or no such process.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // The command name (field 2) may hold spaces and parentheses; fields after its ")" are plain.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// Whether the process a file tag names is still running on this host. Unknown hosts and a
    /// missing `/proc` count as alive: never remove what might be someone's work in progress.
    static func isRunning(tag: String) -> Bool {
        let parts = tag.split(separator: "-")
        guard parts.count >= 4, parts.first == "mia", let start = UInt64(parts[parts.count - 1]),
              let pid = Int32(parts[parts.count - 2]) else { return true }
        let host = parts[1..<(parts.count - 2)].joined(separator: "-")
        guard host == Self.host, FileManager.default.fileExists(atPath: "/proc/self/stat") else { return true }
        return startTime(of: pid) == start
    }
}
