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

    /// The owner string for claims in the job store: `host:pid:random@TAG`, the tag being `fileTag`, so a
    /// process on the same host can tell a claim whose holder was killed (`isGone(owner:)`).
    public static let owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(String(UInt32.random(in: .min ... .max), radix: 16))@\(fileTag)"

    /// Whether a claim's owner is a process of this host that no longer runs (killed with -9 mid-claim): its
    /// claim need not be waited out. Owners without a tag (workers name themselves) or of other hosts are
    /// never judged gone; their leases run out as before.
    public static func isGone(owner: String) -> Bool {
        guard let at = owner.lastIndex(of: "@") else { return false }
        let tag = String(owner[owner.index(after: at)...])
        return tag.hasPrefix("mia-") && !isRunning(tag: tag)
    }

    /// This process's pid namespace (the inode of `/proc/self/ns/pid`): two containers may share a host
    /// name and a volume, but a pid means something only inside its own namespace.
    static let pidNamespace: String = {
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid") else { return "0" }
        return String(link.filter(\.isNumber).prefix(20))
    }()

    /// A tag for temporary file names: `mia-HOST-PIDNS-PID-START`.
    static var fileTag: String { "mia-\(host)-\(pidNamespace)-\(pid)-\(startTicks.map(String.init) ?? "0")" }

    /// When process `pid` started, in clock ticks since boot (field 22 of `/proc/PID/stat`); nil where
    /// there is no `/proc` or no such process.
    static func startTime(of pid: Int32) -> UInt64? { status(of: pid)?.startTicks }

    /// Field 3 (the state: "R", "S", "Z" for a zombie…) and field 22 (start time) of `/proc/PID/stat`.
    private static func status(of pid: Int32) -> (state: Substring, startTicks: UInt64?)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // The command name (field 2) may hold spaces and parentheses; fields after its ")" are plain.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard let state = fields.first else { return nil }
        return (state, fields.count > 19 ? UInt64(fields[19]) : nil)
    }

    /// Whether the process a file tag names may still be running. Only a writer of this host and pid
    /// namespace can be judged at all; it is gone when its pid no longer exists (`kill` says ESRCH) or
    /// now belongs to a process started at another time. Anything unknown counts as running: never
    /// remove what might be someone's work in progress.
    static func isRunning(tag: String) -> Bool {
        let parts = tag.split(separator: "-")
        guard parts.count >= 5, parts.first == "mia", let start = UInt64(parts[parts.count - 1]),
              let pid = Int32(parts[parts.count - 2]), pid > 0 else { return true }
        let namespace = String(parts[parts.count - 3])
        let host = parts[1..<(parts.count - 3)].joined(separator: "-")
        guard host == Self.host, namespace == pidNamespace, namespace != "0" else { return true }
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        // Alive, or hidden from us (hidepid): only a readable, different start time proves it is another
        // process. A writer killed with -9 stays a zombie until its parent reaps it: it writes nothing more.
        guard let status = status(of: pid), let started = status.startTicks else { return true }
        return started == start && status.state != "Z"
    }
}
