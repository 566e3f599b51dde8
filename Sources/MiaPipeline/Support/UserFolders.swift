import Foundation

/// The user's folders, as the environment names them: `$HOME` first (a user running under sudo, a
/// container or a test sets it), then the account's home directory.
enum UserFolders {
    static func home(_ environment: [String: String]) -> URL {
        if let home = environment["HOME"], !home.isEmpty { return URL(fileURLWithPath: home) }
        return FileManager.default.homeDirectoryForCurrentUser
    }

    /// `$XDG_DATA_HOME`, else `$HOME/.local/share`.
    static func data(_ environment: [String: String]) -> String {
        environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home(environment).appendingPathComponent(".local/share").path
    }

    /// `$XDG_CONFIG_HOME`, else `$HOME/.config`.
    static func config(_ environment: [String: String]) -> String {
        environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home(environment).appendingPathComponent(".config").path
    }
}
