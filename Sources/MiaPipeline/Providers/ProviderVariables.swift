import Foundation

/// The one reader of the provider variables: `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `RUNWAYML_API_SECRET`,
/// `RUNWAYML_BASE_URL`, `GEMINI_API_KEY`, `GEMINI_BASE_URL`, `LUMAAI_API_KEY`, `LUMAAI_BASE_URL`. The
/// analysis (`ProviderEnvironment.current`: which providers are connected) and the adapters (`ProviderRegistry.live`: their keys and endpoints) both read through it, so they never
/// disagree about whether a key is set.
///
/// Every value is trimmed (a key read with `$(cat file)` often ends in a newline) and an empty one counts
/// as not set. A base URL must be an absolute http(s) URL with a host.
struct ProviderVariables: Sendable {
    private let environment: [String: String]

    /// - Parameter environment: the variables to read (the process's by default).
    init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The variable holding a provider's API key; nil for the local ones, which need none.
    static func keyVariable(_ provider: ProviderID) -> String? {
        switch provider {
        case .template, .media: nil
        case .sora: "OPENAI_API_KEY"
        case .runway: "RUNWAYML_API_SECRET"
        case .veo: "GEMINI_API_KEY"
        case .luma: "LUMAAI_API_KEY"
        }
    }

    /// The variable that points a provider at another endpoint (a gateway, a test server).
    static func baseURLVariable(_ provider: ProviderID) -> String? {
        switch provider {
        case .template, .media: nil
        case .sora: "OPENAI_BASE_URL"
        case .runway: "RUNWAYML_BASE_URL"
        case .veo: "GEMINI_BASE_URL"
        case .luma: "LUMAAI_BASE_URL"
        }
    }

    /// `name`'s value without surrounding whitespace; nil when it is unset or blank.
    func value(_ name: String) -> String? {
        guard let trimmed = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    /// A provider's API key; nil when its variable is unset or blank (the provider is not connected).
    func key(_ provider: ProviderID) -> APIKey? { key(in: Self.keyVariable(provider)) }

    /// A provider's base URL, checked; nil when its variable is unset or blank (its own endpoint is used).
    /// - Throws: `MiaError` naming the variable when the value is not an http(s) URL.
    func baseURL(_ provider: ProviderID) throws -> URL? { try baseURL(in: Self.baseURLVariable(provider)) }

    /// The key in `variable`, read by the rules above (video providers and voice engines alike).
    private func key(in variable: String?) -> APIKey? { variable.flatMap(value).map(APIKey.init) }

    private func baseURL(in variable: String?) throws -> URL? {
        guard let variable, let text = value(variable) else { return nil }
        return try Self.checkedBaseURL(text, variable: variable)
    }

    /// Parses and checks a base URL (from the environment, or given to an adapter directly).
    /// - Throws: `MiaError` when it is not an absolute http(s) URL with a host. The message names the
    ///   variable, not the value.
    static func checkedBaseURL(_ string: String, variable: String) throws -> URL {
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let url = URL(string: trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed),
              let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty, url.query == nil, url.user == nil, url.password == nil else {
            throw MiaError("\(variable) is not an http(s) URL of the form https://host/path")
        }
        return url
    }
}

// The voice engines read their keys and endpoints here too, by the same rules: OpenAI speech shares
// `OPENAI_API_KEY` / `OPENAI_BASE_URL` with Sora; ElevenLabs has `ELEVENLABS_API_KEY` / `ELEVENLABS_BASE_URL`.
extension ProviderVariables {
    /// The variable holding a voice engine's API key; nil for eSpeak NG, which needs none.
    static func keyVariable(_ engine: VoiceEngine) -> String? {
        switch engine {
        case .espeak: nil
        case .openai: "OPENAI_API_KEY"
        case .elevenlabs: "ELEVENLABS_API_KEY"
        }
    }

    /// The variable that points a voice engine at another endpoint.
    static func baseURLVariable(_ engine: VoiceEngine) -> String? {
        switch engine {
        case .espeak: nil
        case .openai: "OPENAI_BASE_URL"
        case .elevenlabs: "ELEVENLABS_BASE_URL"
        }
    }

    /// A voice engine's API key; nil when its variable is unset or blank.
    func key(_ engine: VoiceEngine) -> APIKey? { key(in: Self.keyVariable(engine)) }

    /// A voice engine's base URL, checked; nil when its variable is unset or blank.
    /// - Throws: `MiaError` naming the variable when the value is not an http(s) URL.
    func baseURL(_ engine: VoiceEngine) throws -> URL? { try baseURL(in: Self.baseURLVariable(engine)) }
}
