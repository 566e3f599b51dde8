import Foundation

/// The provider adapters this run can use: one for each provider whose key is set. Template scenes are
/// rendered by the orchestrator itself, so `.template` is never here.
public struct ProviderRegistry: Sendable {
    private let adapters: [ProviderID: any VideoProvider]

    /// A registry of the given adapters (the first of each provider wins); tests and callers that build
    /// their own adapters use this.
    public init(_ providers: [any VideoProvider]) {
        var adapters: [ProviderID: any VideoProvider] = [:]
        for provider in providers where adapters[provider.id] == nil { adapters[provider.id] = provider }
        self.adapters = adapters
    }

    /// Adapters for the connected providers, from the environment: `OPENAI_API_KEY` (+ `OPENAI_BASE_URL`)
    /// for Sora, `RUNWAYML_API_SECRET` (+ `RUNWAYML_BASE_URL`) for Runway. Each key is handed to its
    /// adapter and kept nowhere else. The variables are read by `ProviderVariables`, as the analysis reads
    /// them: trimmed, a blank one not set. A base URL that is not an http(s) URL leaves that provider out,
    /// with a `[MIA:WARN]` event saying why.
    /// - Parameters:
    ///   - environment: the variables to read (the process's by default).
    ///   - log: where the adapters report retries and warnings.
    ///   - sora: Sora's timeouts, retries and polling.
    ///   - runway: Runway's timeouts, retries and polling.
    public static func live(environment: [String: String] = ProcessInfo.processInfo.environment, log: any EventSink,
                            sora: SoraProvider.Options = SoraProvider.Options(),
                            runway: RunwayProvider.Options = RunwayProvider.Options()) -> ProviderRegistry {
        let variables = ProviderVariables(environment)
        func warn(_ provider: ProviderID, _ message: String) {
            log.emit(MiaEvent("MIA:WARN", [("kind", "provider-config"), ("provider", .string(provider.rawValue)),
                                           ("message", .string(message))]))
        }
        var providers: [any VideoProvider] = []
        if let key = variables.key(.sora) {
            do {
                let adapter = SoraProvider(key: key, baseURL: try variables.baseURL(.sora), options: sora, log: log)
                if let note = plainHTTPNote(adapter.http.baseURL, variable: "OPENAI_BASE_URL") { warn(.sora, note) }
                providers.append(adapter)
            } catch {
                warn(.sora, "Sora is not available: \((error as? MiaError)?.message ?? "invalid OPENAI_BASE_URL")")
            }
        }
        if let key = variables.key(.runway) {
            do {
                let adapter = RunwayProvider(key: key, baseURL: try variables.baseURL(.runway), options: runway, log: log)
                if let note = plainHTTPNote(adapter.http.baseURL, variable: "RUNWAYML_BASE_URL") { warn(.runway, note) }
                providers.append(adapter)
            } catch {
                warn(.runway, "Runway is not available: \((error as? MiaError)?.message ?? "invalid RUNWAYML_BASE_URL")")
            }
        }
        return ProviderRegistry(providers)
    }

    /// The adapter for `id`, or nil when that provider is not connected (and always for `.template`).
    public func provider(_ id: ProviderID) -> (any VideoProvider)? { adapters[id] }

    /// The connected providers, in `ProviderID` order.
    public var connected: [ProviderID] { ProviderID.allCases.filter { adapters[$0] != nil } }

    /// A warning when the key would cross the network unencrypted (plain http to a host other than this machine).
    private static func plainHTTPNote(_ url: URL, variable: String) -> String? {
        guard url.scheme?.lowercased() == "http", let host = url.host?.lowercased(),
              !["localhost", "127.0.0.1", "::1", "[::1]"].contains(host) else { return nil }
        return "\(variable) uses plain http to \(host): the API key is sent unencrypted"
    }
}
