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
    /// for Sora, `RUNWAYML_API_SECRET` (+ `RUNWAYML_BASE_URL`) for Runway, `GEMINI_API_KEY` (+
    /// `GEMINI_BASE_URL`) for Veo, `LUMAAI_API_KEY` (+ `LUMAAI_BASE_URL`) for Luma. Each key is handed to
    /// its adapter and kept nowhere else. The variables are read by `ProviderVariables`, as the analysis
    /// reads them: trimmed, a blank one not set. A base URL that is not an http(s) URL leaves that provider
    /// out, with a `[MIA:WARN]` event saying why.
    /// - Parameters:
    ///   - environment: the variables to read (the process's by default).
    ///   - log: where the adapters report retries and warnings.
    ///   - sora, runway, veo, luma: each provider's timeouts, retries and polling.
    public static func live(environment: [String: String] = ProcessInfo.processInfo.environment, log: any EventSink,
                            sora: SoraProvider.Options = SoraProvider.Options(),
                            runway: RunwayProvider.Options = RunwayProvider.Options(),
                            veo: VeoProvider.Options = VeoProvider.defaultOptions,
                            luma: LumaProvider.Options = LumaProvider.defaultOptions) -> ProviderRegistry {
        let variables = ProviderVariables(environment)
        func warn(_ provider: ProviderID, _ message: String) {
            log.emit(MiaEvent("MIA:WARN", [("kind", "provider-config"), ("provider", .string(provider.rawValue)),
                                           ("message", .string(message))]))
        }
        var providers: [any VideoProvider] = []
        // Adds `provider`'s adapter when its key is set; `make` builds it and names the endpoint it talks to.
        func connect(_ provider: ProviderID, _ make: (APIKey, URL?) -> (adapter: any VideoProvider, endpoint: URL)) {
            guard let key = variables.key(provider), let variable = ProviderVariables.baseURLVariable(provider) else { return }
            do {
                let (adapter, endpoint) = make(key, try variables.baseURL(provider))
                if let note = plainHTTPNote(endpoint, variable: variable) { warn(provider, note) }
                providers.append(adapter)
            } catch {
                warn(provider, "\(provider.displayName) is not available: \((error as? MiaError)?.message ?? "invalid \(variable)")")
            }
        }
        connect(.sora) { let adapter = SoraProvider(key: $0, baseURL: $1, options: sora, log: log); return (adapter, adapter.http.baseURL) }
        connect(.runway) { let adapter = RunwayProvider(key: $0, baseURL: $1, options: runway, log: log); return (adapter, adapter.http.baseURL) }
        connect(.veo) { let adapter = VeoProvider(key: $0, baseURL: $1, options: veo, log: log); return (adapter, adapter.http.baseURL) }
        connect(.luma) { let adapter = LumaProvider(key: $0, baseURL: $1, options: luma, log: log); return (adapter, adapter.http.baseURL) }
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
