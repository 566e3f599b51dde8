import Foundation

/// Small per-user settings that persist between runs ($XDG_CONFIG_HOME/mia-stitch/config.json).
public struct UserConfig: Codable, Sendable, Equatable {
    /// The web studio's two modes: ask before spending (guided), or go straight through (autopilot).
    public enum Mode: String, Codable, Sendable { case guided, autopilot }

    public var mode: Mode = .guided

    public init(mode: Mode = .guided) { self.mode = mode }

    public static func path(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        URL(fileURLWithPath: UserFolders.config(environment)).appendingPathComponent("mia-stitch/config.json").path
    }

    /// The saved settings, or the defaults when there are none (or the file is unreadable).
    public static func load(from path: String = UserConfig.path()) -> UserConfig {
        guard let data = FileManager.default.contents(atPath: path),
              let config = try? JSONDecoder().decode(UserConfig.self, from: data) else { return UserConfig() }
        return config
    }

    public func save(to path: String = UserConfig.path()) throws {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicOutput(destination: path, overwrite: true).write { try encoder.encode(self).write(to: URL(fileURLWithPath: $0)) }
    }
}
