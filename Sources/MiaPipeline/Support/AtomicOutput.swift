import Foundation

/// A file written under a temporary name beside its destination and renamed into place only when
/// complete, so a failed run leaves no output and never damages an existing one.
public struct AtomicOutput: Sendable {
    public let destination: String
    public let temporary: String

    /// Checks the destination and picks the temporary name.
    /// - Throws: `MiaError` when the destination exists (without `overwrite`), is a directory, or
    ///   its folder does not exist.
    public init(destination: String, overwrite: Bool) throws {
        let url = URL(fileURLWithPath: destination)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw MiaError(file: destination, "is a directory") }
            if !overwrite { throw MiaError(file: destination, "already exists (use --overwrite to replace it)") }
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MiaError(file: destination, "its folder \(folder) does not exist")
        }
        self.destination = destination
        // Same folder, so the final rename never crosses file systems; hidden, so a half-written
        // file is not mistaken for a result.
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        self.temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(token).partial").path
        TemporaryFiles.shared.register(temporary)
    }

    /// Renames the finished temporary file onto the destination (atomic on POSIX file systems).
    public func commit() throws {
        defer { TemporaryFiles.shared.unregister(temporary) }
        if rename(temporary, destination) != 0 {
            let reason = String(cString: strerror(errno))
            discard()
            throw MiaError(file: destination, "cannot move the finished file into place: \(reason)")
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
