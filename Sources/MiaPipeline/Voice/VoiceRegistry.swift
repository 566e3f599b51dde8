import Foundation

/// The speech engines this run can use: eSpeak NG always (built in), a cloud voice when its key is set.
public struct VoiceRegistry: Sendable {
    private let engines: [VoiceEngine: any VoiceProvider]
    /// Why each engine that is not here is missing ("ELEVENLABS_API_KEY is not set").
    private let missing: [VoiceEngine: String]

    /// A registry of the given engines (the first of each wins), and eSpeak NG, built in, when none is given;
    /// tests and callers that build their own use this.
    public init(_ providers: [any VoiceProvider] = [], missing: [VoiceEngine: String] = [:]) {
        var engines: [VoiceEngine: any VoiceProvider] = [.espeak: ESpeakVoice()]
        var given = Set<VoiceEngine>()
        for provider in providers where given.insert(provider.engine).inserted { engines[provider.engine] = provider }
        self.engines = engines
        self.missing = missing
    }

    /// eSpeak NG, and each cloud voice whose key is set (`OPENAI_API_KEY` + `OPENAI_BASE_URL`,
    /// `ELEVENLABS_API_KEY` + `ELEVENLABS_BASE_URL`, read as the video providers' are). A base URL that is not
    /// an http(s) URL leaves that voice out, with a `[MIA:WARN]` saying why.
    public static func live(environment: [String: String] = ProcessInfo.processInfo.environment, log: any EventSink) -> VoiceRegistry {
        var providers: [any VoiceProvider] = []
        var missing: [VoiceEngine: String] = [:]
        func add(_ engine: VoiceEngine, _ make: () throws -> (any VoiceProvider)?) {
            do {
                if let provider = try make() {
                    providers.append(provider)
                } else {
                    missing[engine] = "\(engine == .openai ? "OPENAI_API_KEY" : "ELEVENLABS_API_KEY") is not set"
                }
            } catch {
                let reason = (error as? MiaError)?.message ?? "\(error)"
                missing[engine] = reason
                log.emit(MiaEvent("MIA:WARN", [("kind", "voice-config"), ("engine", .string(engine.rawValue)),
                                               ("message", .string("\(engine.displayName) voices are not available: \(reason)"))]))
            }
        }
        add(.openai) { try OpenAIVoice.live(environment: environment, log: log) }
        add(.elevenlabs) { try ElevenLabsVoice.live(environment: environment, log: log) }
        return VoiceRegistry(providers, missing: missing)
    }

    /// The engine's adapter.
    /// - Throws: `VoiceError.unavailable` saying why it is not connected.
    public func provider(_ engine: VoiceEngine) throws -> any VoiceProvider {
        guard let provider = engines[engine] else {
            throw VoiceError.unavailable(engine: engine, reason: missing[engine] ?? "it is not set up")
        }
        return provider
    }

    public func isConnected(_ engine: VoiceEngine) -> Bool { engines[engine] != nil }

    /// What `--voice auto` speaks with: a cloud voice when its key is set (ElevenLabs first: it gives word
    /// timings), else eSpeak NG.
    public var automatic: VoiceEngine {
        [VoiceEngine.elevenlabs, .openai].first { engines[$0] != nil } ?? .espeak
    }

    /// The voice an engine speaks with when none is named: eSpeak NG's voice for the language (""), OpenAI's
    /// `alloy` (it speaks every language OpenAI lists), ElevenLabs' `ELEVENLABS_VOICE_ID` or the voice its SDK
    /// documentation uses.
    public static func defaultVoice(_ engine: VoiceEngine, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        switch engine {
        case .espeak: ""
        case .openai: "alloy"
        case .elevenlabs:
            environment["ELEVENLABS_VOICE_ID"].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
                ?? "JBFqnCBsd6RMkjVDRZzb"
        }
    }

    /// Voices given in turn to a screenplay's speakers that `--voices` does not name, so each character
    /// keeps one distinct voice across the plan: eSpeak NG's variants, OpenAI's voices. ElevenLabs has no
    /// list without an account call, so its speakers share the default voice unless named.
    static func speakerPool(_ engine: VoiceEngine, base: String) -> [String] {
        switch engine {
        case .espeak:
            // eSpeak NG's variants of the same voice ("" is the language's own voice, so "+f3" works too).
            let stem = base.split(separator: "+", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            return [base] + ["m3", "f3", "m7", "f2", "m1", "f4", "m2"].map { "\(stem)+\($0)" }
        case .openai: return [base] + ["alloy", "nova", "onyx", "shimmer", "echo", "fable", "coral", "sage"].filter { $0 != base }
        case .elevenlabs: return [base]
        }
    }
}
