import Foundation

/// Which providers this run can use, from the environment. Only whether each key is set is kept here:
/// a key itself is never stored, logged, or written to a plan.
public struct ProviderEnvironment: Sendable, Equatable {
    public var openAIKeySet: Bool
    public var openAIBaseURL: String?
    public var runwayKeySet: Bool
    public var runwayBaseURL: String?
    /// `GEMINI_API_KEY`: Veo through the Gemini API.
    public var geminiKeySet: Bool
    /// `LUMAAI_API_KEY`: Luma Dream Machine.
    public var lumaKeySet: Bool

    public init(openAIKeySet: Bool = false, openAIBaseURL: String? = nil, runwayKeySet: Bool = false, runwayBaseURL: String? = nil,
                geminiKeySet: Bool = false, lumaKeySet: Bool = false) {
        self.openAIKeySet = openAIKeySet
        self.openAIBaseURL = openAIBaseURL
        self.runwayKeySet = runwayKeySet
        self.runwayBaseURL = runwayBaseURL
        self.geminiKeySet = geminiKeySet
        self.lumaKeySet = lumaKeySet
    }

    /// Reads the provider variables (`ProviderVariables` lists them) as the registry does: a blank key is
    /// not set, and a base URL the registry would refuse is left out here too (the registry's warning says
    /// why).
    public static func current(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ProviderEnvironment {
        let variables = ProviderVariables(environment)
        func base(_ provider: ProviderID) -> String? { (try? variables.baseURL(provider))?.absoluteString }
        return ProviderEnvironment(openAIKeySet: variables.key(.sora) != nil, openAIBaseURL: base(.sora),
                                   runwayKeySet: variables.key(.runway) != nil, runwayBaseURL: base(.runway),
                                   geminiKeySet: variables.key(.veo) != nil, lumaKeySet: variables.key(.luma) != nil)
    }

    /// A provider is connected when its key is set.
    public func isConnected(_ provider: ProviderID) -> Bool {
        switch provider {
        case .template, .media: true
        case .sora: openAIKeySet
        case .runway: runwayKeySet
        case .veo: geminiKeySet
        case .luma: lumaKeySet
        }
    }

    /// Sora is alive only behind an OpenAI-compatible gateway: the public endpoint is gone.
    public var soraGatewayConfigured: Bool {
        guard let base = openAIBaseURL, let host = URL(string: base)?.host else { return false }
        return host != "api.openai.com"
    }

    /// The environment variable that connects a provider.
    public static func keyVariable(_ provider: ProviderID) -> String? { ProviderVariables.keyVariable(provider) }
}
