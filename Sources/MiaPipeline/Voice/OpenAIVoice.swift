import Foundation

/// OpenAI speech (`POST /audio/speech`), or an OpenAI-compatible gateway set in `OPENAI_BASE_URL`.
///
/// The API returns audio only, no timings: they are estimated from the audio (`WordTimingEstimate`) and the
/// speech is marked `approximateTimings`. Audio is asked for as `pcm`: raw 24 kHz 16-bit signed
/// little-endian mono, nothing to decode.
///
/// API facts used, checked 2026-11 with the search tool:
/// - openai-python `src/openai/resources/audio/speech.py` and `types/audio/speech_create_params.py`:
///   `POST /audio/speech` with `input` (at most 4096 characters), `model` (`tts-1`, `tts-1-hd`,
///   `gpt-4o-mini-tts`), `voice`, `response_format` (mp3, opus, aac, flac, wav, pcm), `speed` 0.25–4.0,
///   `instructions` (not for tts-1 / tts-1-hd); the SDK sends `Accept: application/octet-stream`.
/// - The API reference's voice list: alloy, ash, ballad, coral, echo, fable, onyx, nova, sage, shimmer,
///   verse, and since 2025 marin and cedar. PCM: 24 kHz, 16-bit signed, little-endian, no header.
/// - Errors are `{"error": {"message", "type", "param", "code"}}`; an unknown voice is a 400 whose
///   `param` is `voice`.
public struct OpenAIVoice: VoiceProvider {
    public static let defaultBaseURL = "https://api.openai.com/v1"
    /// The built-in voices (a gateway or a newer API may know more: a name not listed here is still sent).
    public static let voiceNames = ["alloy", "ash", "ballad", "cedar", "coral", "echo", "fable", "marin", "nova", "onyx",
                                    "sage", "shimmer", "verse"]
    public static let models = ["gpt-4o-mini-tts", "tts-1", "tts-1-hd"]
    /// The rate of `pcm` answers.
    public static let sampleRate = 24_000
    /// The speeds the API takes.
    public static let speeds = 0.25...4.0

    /// The model, timeouts, retries and limits; tests shorten them.
    public struct Options: Sendable, Equatable {
        public var model: String
        /// A long input takes a while to speak: the request timeout is longer than a video call's.
        public var http: HTTPSettings
        /// The largest audio answer taken, in bytes: 4096 characters at speed 0.25 is about 20 minutes,
        /// 58 MB of PCM.
        public var maxAudioBytes: Int

        public init(model: String = "gpt-4o-mini-tts", http: HTTPSettings = HTTPSettings(requestTimeout: 300, retry: .openAI),
                    maxAudioBytes: Int = 128 << 20) {
            self.model = model
            self.http = http
            self.maxAudioBytes = maxAudioBytes
        }
    }

    public let engine = VoiceEngine.openai
    let http: HTTPClient
    let options: Options

    /// - Parameters:
    ///   - apiKey: `OPENAI_API_KEY`; kept only for the `Authorization` header.
    ///   - baseURL: `OPENAI_BASE_URL`, or nil for OpenAI's own endpoint.
    /// - Throws: `MiaError` when `baseURL` is not an http(s) URL.
    public init(apiKey: String, baseURL: String? = nil, options: Options = Options(), log: any EventSink) throws {
        let base = try baseURL.map { try ProviderVariables.checkedBaseURL($0, variable: "OPENAI_BASE_URL") }
        self.init(key: APIKey(apiKey), baseURL: base, options: options, log: log)
    }

    init(key: APIKey, baseURL: URL?, options: Options, log: any EventSink) {
        http = HTTPClient(service: VoiceEngine.openai.rawValue, baseURL: baseURL ?? URL(string: Self.defaultBaseURL)!, key: key,
                          keyHeader: .bearer, settings: options.http, log: log)
        self.options = options
    }

    /// The adapter for this environment: nil when `OPENAI_API_KEY` is unset or blank.
    /// - Throws: `MiaError` naming `OPENAI_BASE_URL` when it is set and not an http(s) URL.
    public static func live(environment: [String: String] = ProcessInfo.processInfo.environment, options: Options = Options(),
                            log: any EventSink) throws -> OpenAIVoice? {
        let variables = ProviderVariables(environment)
        guard let key = variables.key(.openai) else { return nil }
        return OpenAIVoice(key: key, baseURL: try variables.baseURL(.openai), options: options, log: log)
    }

    // MARK: - VoiceProvider

    /// The built-in voices; each speaks any language the model does, so `language` filters nothing.
    public func voices(language: String?) async throws -> [VoiceInfo] {
        Self.voiceNames.map { VoiceInfo(engine: .openai, id: $0, name: $0.prefix(1).uppercased() + $0.dropFirst(), languages: []) }
    }

    /// Speaks `request.text`, one API request per 4096 characters (cut at sentence ends), as one speech.
    /// - Throws: `VoiceError.unknownVoice` (a 400 about the voice), `.refused` (any other 400/422: the text
    ///   or a content policy), `ProviderError` (`.rejected` for 401/403/404, `.unavailable` after the
    ///   retries or a deadline, `.malformedResponse` for an answer that is not 16-bit PCM).
    public func synthesize(_ request: SpeechRequest) async throws -> SynthesizedSpeech {
        let speed = request.rate.isFinite ? min(max(request.rate, Self.speeds.lowerBound), Self.speeds.upperBound) : 1
        var pieces: [SynthesizedSpeech] = []
        for chunk in SpeechText.chunks(request.text, limit: VoiceCatalog.characterLimit(engine: .openai, model: options.model)) {
            let samples = try await speak(chunk, voice: request.voice, speed: speed)
            pieces.append(SynthesizedSpeech(samples: samples, sampleRate: Self.sampleRate,
                                            words: WordTimingEstimate.words(of: chunk, samples: samples, sampleRate: Self.sampleRate),
                                            approximateTimings: true))
        }
        return SpeechText.joined(pieces, sampleRate: Self.sampleRate)
    }

    public func price(of request: SpeechRequest) -> Double {
        VoiceCatalog.price(engine: .openai, model: options.model, text: request.text)
    }

    // MARK: - One request

    /// One request's audio.
    func speak(_ text: String, voice: String, speed: Double) async throws -> [Int16] {
        let url = http.url("audio", "speech")
        let label = "POST \(url.path)"
        let body = SpeechBody(model: options.model, input: text, voice: voice, response_format: "pcm", speed: speed)
        // A create: the speech is billed, so it is sent again only when the answer proves it was not made.
        let response = try await http.send("POST", url, body: body, mode: .create, accept: "application/octet-stream",
                                           limit: options.maxAudioBytes, dataBody: true)
        guard response.isSuccess else { throw failure(response, voice: voice) }
        let type = response.header("content-type")?.lowercased() ?? ""
        if type.contains("json") || type.hasPrefix("text/") {
            throw ProviderError.malformedResponse(message: "\(label): the answer is \(SpeechText.oneLine(type, limit: 40)), not PCM audio")
        }
        guard !response.body.isEmpty else { throw ProviderError.malformedResponse(message: "\(label): the answer has no audio") }
        guard let samples = SpeechText.pcm16(response.body) else {
            throw ProviderError.malformedResponse(message: "\(label): \(response.body.count) bytes is not 16-bit PCM (an odd count)")
        }
        return samples
    }

    /// A final answer (3xx/4xx) as the error a user acts on.
    func failure(_ response: HTTPResponse, voice: String) -> any Error {
        let summary = APIErrorBody.summary(response.body).map(http.redact) ?? "no details"
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let param = (object?["error"] as? [String: Any])?["param"] as? String
        guard [400, 422].contains(response.status) else { return ProviderError.rejected(status: response.status, message: summary) }
        if param == "voice" || (param == nil && summary.lowercased().contains("voice")) {
            return VoiceError.unknownVoice(engine: .openai, voice: SpeechText.oneLine(voice),
                                           suggestions: ClosestNames.closest(to: voice, in: Self.voiceNames))
        }
        if param == "model" { return ProviderError.rejected(status: response.status, message: summary) }
        return VoiceError.refused(engine: .openai, reason: summary)
    }

    struct SpeechBody: Encodable {
        let model: String
        let input: String
        let voice: String
        let response_format: String
        let speed: Double
    }
}
