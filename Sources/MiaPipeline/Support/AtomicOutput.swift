import Foundation

/// A file written under a temporary name beside its destination and published only when complete,
/// so a failed run leaves no output and never damages an existing one. Without `overwrite` the
/// publish itself refuses to replace (a hard link fails if the name exists), so of two runs racing
/// for one new name exactly one wins and the other is told "already exists".
public struct AtomicOutput: Sendable {
    public let destination: String
    public let temporary: String
    public let overwrite: Bool

    /// Checks the destination and picks the temporary name; removes what killed runs left in its folder.
    /// - Throws: `MiaError` when the destination exists (without `overwrite`), is a directory, or
    ///   its folder does not exist or cannot be written.
    public init(destination: String, overwrite: Bool) throws {
        try Self.checkDestination(destination, overwrite: overwrite)
        self.destination = destination
        self.overwrite = overwrite
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        LeftoverFiles.removeStale(in: folder)
        temporary = LeftoverFiles.name(beside: destination, suffix: "partial")
        TemporaryFiles.shared.register(temporary)
    }

    /// The checks an output gets before any work is done (or paid for): not a directory, not there
    /// already unless `overwrite`, in a folder that exists and can be written.
    public static func checkDestination(_ destination: String, overwrite: Bool) throws {
        let url = URL(fileURLWithPath: destination)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw MiaError(.output(destination), "is a directory") }
            if !overwrite { throw MiaError(.output(destination), "already exists (use --overwrite to replace it)") }
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MiaError(.output(destination), "its folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else {
            throw MiaError(.output(destination), "its folder \(folder) cannot be written (\(String(cString: strerror(errno))))")
        }
    }

    /// Publishes the finished temporary file under the destination's name.
    public func commit() throws {
        defer { TemporaryFiles.shared.unregister(temporary) }
        do {
            if overwrite {
                try replace()
            } else {
                try publishNew()
            }
        } catch {
            discard()
            throw error
        }
    }

    /// `rename` (atomic on POSIX file systems), keeping the replaced file's permissions.
    private func replace() throws {
        var existing = stat()
        if stat(destination, &existing) == 0 { chmod(temporary, existing.st_mode & 0o7777) }
        if rename(temporary, destination) != 0 {
            throw MiaError(.output(destination), "cannot move the finished file into place: \(String(cString: strerror(errno)))")
        }
    }

    /// A hard link publishes only if the name is free, in one step; the temporary name then goes.
    private func publishNew() throws {
        if link(temporary, destination) == 0 {
            unlink(temporary)
            return
        }
        let code = errno
        if code == EEXIST { throw MiaError(.output(destination), "already exists (use --overwrite to replace it)") }
        // File systems without hard links (some network and FUSE mounts): the best left is a check, then rename.
        guard [EPERM, ENOTSUP, EOPNOTSUPP, EMLINK, ENOSYS].contains(code) else {
            throw MiaError(.output(destination), "cannot move the finished file into place: \(String(cString: strerror(code)))")
        }
        if FileManager.default.fileExists(atPath: destination) {
            throw MiaError(.output(destination), "already exists (use --overwrite to replace it)")
        }
        if rename(temporary, destination) != 0 {
            throw MiaError(.output(destination), "cannot move the finished file into place: \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the temporary file, if any.
    public func discard() {
        unlink(temporary)
        TemporaryFiles.shared.unregister(temporary)
    }

    /// Runs `write` against the temporary path, then commits; on any error, discards and rethrows.
    public func write<T>(_ write: (String) throws -> T) throws -> T {
        do {
            let result = try write(temporary)
            try commit()
            return result
        } catch {
            discard()
            throw error
        }
    }
}

/// Names for files being written (`.NAME.mia-HOST-PID-START.TOKEN.SUFFIX`, hidden, beside their
/// destination), and the removal of those a killed run (SIGKILL, power loss) left behind: a file
/// whose writer is no longer running on this host is removed by the next run into its folder.
enum LeftoverFiles {
    /// Suffixes of the files mia-stitch writes and renames: outputs, downloads, normalize segments,
    /// the plain stitch a soundtrack is laid under (in the output's own container), burned captions' script.
    static let suffixes = ["partial", "download", "segment.mp4", "captions.ass"]
        + OutputContainerFormat.byExtension.keys.sorted().map { "stitched.\($0)" }

    static func name(beside destination: String, suffix: String) -> String {
        let url = URL(fileURLWithPath: destination)
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessIdentity.fileTag).\(token).\(suffix)").path
    }

    /// Removes temporary files in `folder` whose writer (named in the file name) is gone.
    static func removeStale(in folder: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(".") && suffixes.contains(where: { name.hasSuffix("." + $0) }) {
            guard let tag = name.split(separator: ".").first(where: { $0.hasPrefix("mia-") }),
                  !ProcessIdentity.isRunning(tag: String(tag)) else { continue }
            let path = URL(fileURLWithPath: folder).appendingPathComponent(name).path
            // Only our own user's files, and only plain files: a shared folder holds others' work too.
            var info = stat()
            guard lstat(path, &info) == 0, info.st_uid == getuid(), info.st_mode & S_IFMT == S_IFREG else { continue }
            unlink(path)
        }
    }
}

/// Temporary outputs still being written, removed if the process is interrupted (Ctrl-C, SIGTERM).
public final class TemporaryFiles: @unchecked Sendable {
    // @unchecked: `paths` is only touched under `lock`.
    public static let shared = TemporaryFiles()
    private let lock = NSLock()
    private var paths: Set<String> = []

    func register(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    func unregister(_ path: String) { lock.withLock { _ = paths.remove(path) } }

    /// Deletes every registered file. Called from the CLI's signal handling before it exits.
    public func removeAll() {
        let current = lock.withLock { paths }
        for path in current { unlink(path) }
    }
}
