import Foundation

/// What a path names, read with `stat` (symlinks followed) and without opening it: opening a FIFO
/// would block until a writer comes, and reading a device may never end.
public enum FileKind: Equatable, Sendable {
    case missing
    case regular(size: Int64)
    case directory
    case fifo
    case characterDevice
    case blockDevice
    case socket
    case other

    /// The kind of file at `path`, following symlinks.
    public static func of(_ path: String) -> FileKind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular(size: Int64(info.st_size))
        case S_IFDIR: return .directory
        case S_IFIFO: return .fifo
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFSOCK: return .socket
        default: return .other
        }
    }

    /// "a FIFO", for "is not a regular file (a FIFO)".
    public var name: String {
        switch self {
        case .missing: return "missing"
        case .regular: return "a regular file"
        case .directory: return "a directory"
        case .fifo: return "a FIFO"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .other: return "not a file"
        }
    }
}
