import Foundation

/// An exclusive lock on an output for the length of a render (`flock` on a hidden `.NAME.lock` beside
/// it): a second `render` into the same output is refused at once instead of paying for scenes and
/// racing the first to publish. The kernel drops the lock when its holder dies, however it dies.
public final class OutputLock: Sendable {
    // Sendable: both properties are immutable; the descriptor is only closed in deinit.
    private let descriptor: Int32
    public let path: String

    /// - Throws: `MiaError` about `output` when another process holds the lock, or the lock file
    ///   cannot be made.
    public init(for output: String) throws {
        let url = URL(fileURLWithPath: output)
        path = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).lock").path
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard fd >= 0 else {
                throw MiaError(.output(output), "cannot create its lock file \(path): \(String(cString: strerror(errno)))")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let code = errno
                close(fd)
                if code == EWOULDBLOCK {
                    throw MiaError(.output(output), "another mia-stitch run is rendering it right now (it holds \(path))")
                }
                throw MiaError(.output(output), "cannot lock \(path): \(String(cString: strerror(code)))")
            }
            // The holder before us may have removed the file between our open and our lock: only a lock
            // on the file that is at `path` now counts.
            var held = stat(), current = stat()
            if fstat(fd, &held) == 0, stat(path, &current) == 0, held.st_ino == current.st_ino, held.st_dev == current.st_dev {
                descriptor = fd
                return
            }
            close(fd)
        }
    }

    deinit {
        // Removed while still locked, so no one can lock this file after we let go.
        unlink(path)
        close(descriptor)
    }
}
