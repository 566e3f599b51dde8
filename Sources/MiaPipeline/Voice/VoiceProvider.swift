import Foundation

/// The speech engines a scene can be voiced with.
public enum VoiceEngine: String, Sendable, Codable, CaseIterable {
    /// eSpeak NG, built in: offline, no key, about 100 languages.
    case espeak
    /// OpenAI speech (`POST /v1/audio/speech`).
    case openai
    /// ElevenLabs (`POST /v1/text-to-speech/{voice_id}/with-timestamps`).
    case elevenlabs

    public var displayName: String {
        switch self {
        case .espeak: "eSpeak NG"
        case .openai: "OpenAI"
        case .elevenlabs: "ElevenLabs"
        }
    }
}

/// What one synthesis is asked for: a run of text in one voice.
public struct SpeechRequest: Sendable, Hashable {
    public var text: String
    /// The engine's own voice id: an eSpeak NG voice ("en-us", "de"), an OpenAI voice ("alloy"), an
    /// ElevenLabs voice id (a cloned voice is just another id).
    public var voice: String
    /// The script's language, as an ISO 639-1 code ("en", "de"); engines that take it are told.
    public var language: String
    /// Speaking speed, 1 = the voice's normal rate.
    public var rate: Double

    public init(text: String, voice: String, language: String, rate: Double = 1) {
        self.text = text
        self.voice = voice
        self.language = language
        self.rate = rate
    }
}

/// When one word is spoken, in seconds from the start of its speech.
public struct WordTiming: Sendable, Codable, Equatable {
    public var word: String
    public var start: Double
    public var end: Double

    public init(word: String, start: Double, end: Double) {
        self.word = word
        self.start = start
        self.end = end
    }
}

/// Synthesized speech: mono 16-bit PCM and when each word is spoken.
public struct SynthesizedSpeech: Sendable, Equatable {
    public var samples: [Int16]
    public var sampleRate: Int
    /// Every word of the request's text, in order.
    public var words: [WordTiming]
    /// The engine gave no timings: they were derived from the audio (`WordTimingEstimate`), so
    /// captions made from them are approximate.
    public var approximateTimings: Bool

    public init(samples: [Int16], sampleRate: Int, words: [WordTiming], approximateTimings: Bool) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.words = words
        self.approximateTimings = approximateTimings
    }

    public var seconds: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }
}

/// One voice an engine offers.
public struct VoiceInfo: Sendable, Codable, Equatable {
    public var engine: VoiceEngine
    /// What `--voice ENGINE:ID` takes.
    public var id: String
    /// A name for people ("English (America)", "Rachel").
    public var name: String
    /// ISO 639-1 codes the voice speaks ("en"); empty: any (multilingual cloud voices).
    public var languages: [String]

    public init(engine: VoiceEngine, id: String, name: String, languages: [String]) {
        self.engine = engine
        self.id = id
        self.name = name
        self.languages = languages
    }
}

/// A speech engine. One adapter per engine; `SpeechSynthesizer` drives them, caches their work in the job
/// store and falls back to eSpeak NG when a cloud voice cannot deliver.
///
/// Contract:
/// - `synthesize` returns the whole speech or throws; it never returns part of it.
/// - Cloud adapters retry as video adapters do (429 with Retry-After, 5xx, deadlines) through the shared
///   HTTP layer, and throw `ProviderError` (whose messages never hold a key) when they give up.
/// - A voice the engine does not have is `VoiceError.unknownVoice`, with the closest names it has.
public protocol VoiceProvider: Sendable {
    var engine: VoiceEngine { get }
    /// The voices this engine can speak with here, optionally only those for `language`.
    func voices(language: String?) async throws -> [VoiceInfo]
    func synthesize(_ request: SpeechRequest) async throws -> SynthesizedSpeech
    /// Dollars this text costs to speak (0 for eSpeak NG), from `VoiceCatalog`.
    func price(of request: SpeechRequest) -> Double
}

/// Why a voice cannot be used, in words a user can act on.
public enum VoiceError: Error, Sendable, Equatable {
    /// No such voice; `suggestions` are the closest the engine has.
    case unknownVoice(engine: VoiceEngine, voice: String, suggestions: [String])
    /// The engine cannot start (eSpeak NG's data missing, a key not set).
    case unavailable(engine: VoiceEngine, reason: String)
    /// The engine refused this text (too long, a content policy).
    case refused(engine: VoiceEngine, reason: String)

    public var message: String {
        switch self {
        case .unknownVoice(let engine, let voice, let suggestions):
            "\(engine.displayName) has no voice \"\(voice)\""
                + (suggestions.isEmpty ? "" : "; did you mean \(suggestions.map { "\(engine.rawValue):\($0)" }.joined(separator: ", "))?")
                + " (mia-stitch voices --engine \(engine.rawValue) lists them)"
        case .unavailable(let engine, let reason): "\(engine.displayName) cannot speak here: \(reason)"
        case .refused(let engine, let reason): "\(engine.displayName) refused the text: \(reason)"
        }
    }
}
