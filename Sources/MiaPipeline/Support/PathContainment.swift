import Foundation

/// Where a path really leads, and whether that is inside a folder: the check that keeps a manifest's
/// scripts and outputs in the folder it belongs to, symlinks included.
public enum PathContainment {
    /// `path` with every symlink resolved, including in a tail that does not exist yet (an output to be
    /// written): the deepest existing ancestor is resolved and the rest appended.
    public static func resolved(_ path: String) -> String {
        var existing = URL(fileURLWithPath: path).standardizedFileURL
        var tail: [String] = []
        while true {
            if let real = realPath(existing.path) {
                var result = URL(fileURLWithPath: real)
                for component in tail { result.appendPathComponent(component) }
                return result.standardizedFileURL.path
            }
            guard existing.path != "/" else { return URL(fileURLWithPath: path).standardizedFileURL.path }
            tail.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
    }

    /// `realpath(3)`: nil when the path does not exist (or cannot be searched).
    private static func realPath(_ path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return String(cString: real)
    }

    /// Whether resolved `path` is `folder` or inside it (both already resolved).
    public static func isInside(_ path: String, folder: String) -> Bool {
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        return path == folder || path.hasPrefix(base)
    }

    /// The first control character (C0, DEL, C1) in a path, named, or nil: a NUL or an escape
    /// sequence in a file name is an attack or an accident, never a file anyone meant.
    public static func controlCharacter(in path: String) -> String? {
        guard let scalar = path.unicodeScalars.first(where: { TerminalText.isControl($0) }) else { return nil }
        return scalar.value == 0 ? "a NUL byte" : String(format: "the control character U+%04X", scalar.value)
    }
}
