import Foundation

/// ElevenLabs speech with character timings (`POST /v1/text-to-speech/{voice_id}/with-timestamps`).
///
/// Word timings come from the answer's character alignment: its non-space characters grouped into the
/// words of the text sent. When the alignment is missing, or does not spell the text (different words,
/// times out of order, past the audio), they are estimated from the audio instead (`WordTimingEstimate`)
/// and the speech is marked `approximateTimings`.
///
/// API facts used, checked 2026-11 with the search tool:
/// - elevenlabs-python `src/elevenlabs/text_to_speech/raw_client.py` (`convert_with_timestamps`): `POST
///   v1/text-to-speech/{voice_id}/with-timestamps`, query `output_format` (`pcm_24000`: raw 16-bit
///   little-endian mono at 24 kHz), header `xi-api-key`, JSON `text`, `model_id`, `language_code`,
///   `voice_settings` (`speed`, 0.7–1.2 in `types/voice_settings.py`); the answer
///   (`types/audio_with_timestamps_response.py`) is `audio_base64`, `alignment` and
///   `normalized_alignment`, each `characters`, `character_start_times_seconds`,
///   `character_end_times_seconds`. The `alignment` is of the text as sent; the normalized one of the
///   text as spoken (numbers spelled out), so only the first can be matched to the words.
/// - `GET /v1/voices` (`voices/raw_client.py`): `{"voices": [{"voice_id", "name", "labels": {…}}]}`.
/// - Errors: `{"detail": {"status": "voice_not_found", "message": …}}` (404), validation 422 with a
///   `detail` list. Models and their request limits: `VoiceCatalog.characterLimit`.
/// - `language_code` is taken only by the newer models (Flash/Turbo v2.5, v3); others answer 400, so it is
///   sent only to those.
public struct ElevenLabsVoice: VoiceProvider {
    public static let defaultBaseURL = "https://api.elevenlabs.io"
    public static let sampleRate = 24_000
    /// The speeds `voice_settings.speed` takes.
    public static let speeds = 0.7...1.2
    /// Models that take `language_code`.
    static let languageModels: Set<String> = ["eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_v3"]

    /// The model, timeouts, retries and limits; tests shorten them.
    public struct Options: Sendable, Equatable {
        public var model: String
        public var http: HTTPSettings
        /// The largest speech answer taken, in bytes: 10,000 characters at speed 0.7 is about 16 minutes,
        /// 46 MB of PCM, 61 MB as base64.
        public var maxAudioBytes: Int
        /// The largest voice list taken, in bytes (a hostile server's endless list stops here).
        public var maxVoiceListBytes: Int

        public init(model: String = "eleven_multilingual_v2", http: HTTPSettings = HTTPSettings(requestTimeout: 300),
                    maxAudioBytes: Int = 160 << 20, maxVoiceListBytes: Int = 4 << 20) {
            self.model = model
            self.http = http
            self.maxAudioBytes = maxAudioBytes
            self.maxVoiceListBytes = maxVoiceListBytes
        }
    }

    public let engine = VoiceEngine.elevenlabs
    let http: HTTPClient
    let options: Options

    /// - Parameters:
    ///   - apiKey: `ELEVENLABS_API_KEY`; kept only for the `xi-api-key` header.
    ///   - baseURL: `ELEVENLABS_BASE_URL`, or nil for ElevenLabs' own endpoint.
    /// - Throws: `MiaError` when `baseURL` is not an http(s) URL.
    public init(apiKey: String, baseURL: String? = nil, options: Options = Options(), log: any EventSink) throws {
        let base = try baseURL.map { try ProviderVariables.checkedBaseURL($0, variable: "ELEVENLABS_BASE_URL") }
        self.init(key: APIKey(apiKey), baseURL: base, options: options, log: log)
    }

    init(key: APIKey, baseURL: URL?, options: Options, log: any EventSink) {
        http = HTTPClient(service: VoiceEngine.elevenlabs.rawValue, baseURL: baseURL ?? URL(string: Self.defaultBaseURL)!, key: key,
                          keyHeader: .named("xi-api-key"), settings: options.http, log: log)
        self.options = options
    }

    /// The adapter for this environment: nil when `ELEVENLABS_API_KEY` is unset or blank.
    /// - Throws: `MiaError` naming `ELEVENLABS_BASE_URL` when it is set and not an http(s) URL.
    public static func live(environment: [String: String] = ProcessInfo.processInfo.environment, options: Options = Options(),
                            log: any EventSink) throws -> ElevenLabsVoice? {
        let variables = ProviderVariables(environment)
        guard let key = variables.key(.elevenlabs) else { return nil }
        return ElevenLabsVoice(key: key, baseURL: try variables.baseURL(.elevenlabs), options: options, log: log)
    }

    // MARK: - VoiceProvider

    /// The account's voices (`GET /v1/voices`). A voice whose `language` label is set is listed for that
    /// language only; the others (multilingual) for any. Ids that could not go into a URL path are left out.
    /// - Throws: `ProviderError`.
    public func voices(language: String?) async throws -> [VoiceInfo] {
        let url = http.url("v1", "voices")
        let label = "GET \(url.path)"
        // A list answers in a second or two; it must not wait as long as a long synthesis may.
        let response = try await http.send("GET", url, mode: .idempotent, limit: options.maxVoiceListBytes,
                                           timeout: min(30, options.http.requestTimeout))
        guard response.isSuccess else { throw ProviderError.rejected(status: response.status, message: summary(response.body)) }
        let list = try response.decode(VoiceList.self, label: label)
        let wanted = language?.lowercased()
        return list.voices.compactMap { voice -> VoiceInfo? in
            guard Self.isVoiceID(voice.voice_id) else { return nil }
            let languages = voice.labels?.language.map { [SpeechText.oneLine($0, limit: 16).lowercased()] } ?? []
            if let wanted, !languages.isEmpty, !languages.contains(where: { $0 == wanted || $0.hasPrefix(wanted + "-") }) { return nil }
            return VoiceInfo(engine: .elevenlabs, id: voice.voice_id, name: SpeechText.oneLine(voice.name ?? voice.voice_id), languages: languages)
        }
    }

    /// Speaks `request.text`, one API request per model limit (cut at sentence ends), as one speech.
    /// - Throws: `VoiceError.unknownVoice` (an id that is not letters and digits, or a 404
    ///   `voice_not_found`, with close names from `/v1/voices`), `.refused` (a 400/422: the text or a
    ///   content policy), `ProviderError` (`.rejected` for 401/403, `.unavailable` after the retries or a
    ///   deadline, `.malformedResponse` for an answer that is not base64 16-bit PCM).
    public func synthesize(_ request: SpeechRequest) async throws -> SynthesizedSpeech {
        guard Self.isVoiceID(request.voice) else {
            throw VoiceError.unknownVoice(engine: .elevenlabs, voice: SpeechText.oneLine(request.voice), suggestions: [])
        }
        let speed = request.rate.isFinite ? min(max(request.rate, Self.speeds.lowerBound), Self.speeds.upperBound) : 1
        let language = Self.languageModels.contains(options.model) && !request.language.isEmpty ? request.language : nil
        var pieces: [SynthesizedSpeech] = []
        for chunk in SpeechText.chunks(request.text, limit: VoiceCatalog.characterLimit(engine: .elevenlabs, model: options.model)) {
            pieces.append(try await speak(chunk, voice: request.voice, speed: speed, language: language))
        }
        return SpeechText.joined(pieces, sampleRate: Self.sampleRate)
    }

    public func price(of request: SpeechRequest) -> Double {
        VoiceCatalog.price(engine: .elevenlabs, model: options.model, text: request.text)
    }

    /// A voice id that can go into a URL path as it is: ElevenLabs' ids are 20 letters and digits.
    static func isVoiceID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.unicodeScalars.allSatisfy { $0.isASCII && CharacterSet.alphanumerics.contains($0) }
    }

    // MARK: - One request

    func speak(_ text: String, voice: String, speed: Double, language: String?) async throws -> SynthesizedSpeech {
        let path = http.url("v1", "text-to-speech", voice, "with-timestamps")
        let label = "POST \(path.path)"
        guard let url = URL(string: path.absoluteString + "?output_format=pcm_\(Self.sampleRate)") else {
            throw ProviderError.malformedResponse(message: "\(label): cannot form the request URL")
        }
        let body = SpeechBody(text: text, model_id: options.model, language_code: language,
                              voice_settings: speed == 1 ? nil : .init(speed: speed))
        // The answer's audio is decoded, never shown; its alignment is only compared with the text sent.
        let response = try await http.send("POST", url, body: body, mode: .create, limit: options.maxAudioBytes, dataBody: true)
        guard response.isSuccess else { throw await failure(response, voice: voice) }
        let answer = try response.decode(WithTimestamps.self, label: label)
        guard let audio = Data(base64Encoded: answer.audio_base64) else {
            throw ProviderError.malformedResponse(message: "\(label): audio_base64 is not base64 (\(answer.audio_base64.count) characters)")
        }
        guard !audio.isEmpty else { throw ProviderError.malformedResponse(message: "\(label): the answer has no audio") }
        guard let samples = SpeechText.pcm16(audio) else {
            throw ProviderError.malformedResponse(message: "\(label): \(audio.count) bytes is not 16-bit PCM (an odd count)")
        }
        let seconds = Double(samples.count) / Double(Self.sampleRate)
        if let alignment = answer.alignment, let words = Self.words(of: text, alignment: alignment, seconds: seconds) {
            return SynthesizedSpeech(samples: samples, sampleRate: Self.sampleRate, words: words, approximateTimings: false)
        }
        return SynthesizedSpeech(samples: samples, sampleRate: Self.sampleRate,
                                 words: WordTimingEstimate.words(of: text, samples: samples, sampleRate: Self.sampleRate),
                                 approximateTimings: true)
    }

    /// The words of `text` timed by the character alignment; nil when the alignment does not spell them
    /// (lists of different lengths, times that are not finite, go backwards, or end past the audio).
    static func words(of text: String, alignment: Alignment, seconds: Double) -> [WordTiming]? {
        let characters = alignment.characters, starts = alignment.character_start_times_seconds
        let ends = alignment.character_end_times_seconds
        guard !characters.isEmpty, characters.count == starts.count, characters.count == ends.count else { return nil }
        // Servers round: allow a little past the audio's end, then clamp.
        let limit = seconds + 0.25
        var words: [WordTiming] = []
        var current = "", start = 0.0, end = 0.0, previous = 0.0
        func flush() {
            if !current.isEmpty { words.append(WordTiming(word: current, start: start, end: max(end, start))) }
            current = ""
        }
        for index in characters.indices {
            let from = starts[index], to = ends[index]
            guard from.isFinite, to.isFinite, from >= 0, to >= from - 0.001, from >= previous - 0.001, to <= limit else { return nil }
            previous = from
            if characters[index].allSatisfy(\.isWhitespace) { flush(); continue }
            if current.isEmpty { start = min(from, seconds) }
            current += characters[index]
            end = min(to, seconds)
        }
        flush()
        return words.map(\.word) == SpeechText.words(text) ? words : nil
    }

    // MARK: - Errors

    /// A final answer (3xx/4xx) as the error a user acts on.
    func failure(_ response: HTTPResponse, voice: String) async -> any Error {
        let detail = Self.detail(response.body)
        let message = summary(response.body)
        if response.status == 404 || detail.status == "voice_not_found" {
            if detail.status == "voice_not_found" || message.lowercased().contains("voice") {
                // Close names, if the voice list answers; the error stands without them.
                let known = (try? await voices(language: nil)) ?? []
                var suggestions: [String] = []
                for name in ClosestNames.closest(to: voice, in: known.map(\.name)) {
                    if let id = known.first(where: { $0.name == name })?.id { suggestions.append(id) }
                }
                suggestions += ClosestNames.closest(to: voice, in: known.map(\.id))
                var seen = Set<String>()
                return VoiceError.unknownVoice(engine: .elevenlabs, voice: SpeechText.oneLine(voice),
                                               suggestions: Array(suggestions.filter { seen.insert($0).inserted }.prefix(3)))
            }
        }
        if [400, 422].contains(response.status) { return VoiceError.refused(engine: .elevenlabs, reason: message) }
        return ProviderError.rejected(status: response.status, message: message)
    }

    /// ElevenLabs' `detail`: `{"status", "message"}`, a string, or a validation list (`[{"msg", "loc"}]`).
    static func detail(_ body: Data) -> (status: String?, message: String?) {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return (nil, nil) }
        switch object["detail"] {
        case let detail as [String: Any]:
            return (detail["status"] as? String, detail["message"] as? String)
        case let text as String:
            return (nil, text)
        case let list as [Any]:
            let messages = list.compactMap { ($0 as? [String: Any])?["msg"] as? String }
            return (nil, messages.isEmpty ? nil : messages.joined(separator: "; "))
        default:
            return (nil, nil)
        }
    }

    /// One line saying what went wrong, without the key.
    func summary(_ body: Data) -> String {
        let detail = Self.detail(body)
        let text = detail.message.map { message in detail.status.map { "[\($0)] \(message)" } ?? message }
            ?? APIErrorBody.summary(body) ?? "no details"
        return http.redact(SpeechText.oneLine(text, limit: 300))
    }

    // MARK: - Wire types

    struct SpeechBody: Encodable {
        let text: String
        let model_id: String
        let language_code: String?
        let voice_settings: Settings?

        struct Settings: Encodable { let speed: Double }
    }

    struct Alignment: Decodable {
        let characters: [String]
        let character_start_times_seconds: [Double]
        let character_end_times_seconds: [Double]
    }

    struct WithTimestamps: Decodable {
        let audio_base64: String
        /// Nil when missing or not the expected shape: the timings are then estimated, the audio still used.
        let alignment: Alignment?

        enum CodingKeys: String, CodingKey { case audio_base64, alignment }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            audio_base64 = try container.decode(String.self, forKey: .audio_base64)
            alignment = (try? container.decodeIfPresent(Alignment.self, forKey: .alignment)) ?? nil
        }
    }

    struct VoiceList: Decodable {
        let voices: [Voice]
    }

    struct Voice: Decodable {
        let voice_id: String
        let name: String?
        let labels: Labels?
    }

    /// The labels a voice carries; only `language` is read, and a label that is not a string is skipped.
    struct Labels: Decodable {
        let language: String?

        init(from decoder: any Decoder) throws {
            let container = try? decoder.container(keyedBy: Key.self)
            language = (try? container?.decodeIfPresent(String.self, forKey: Key(stringValue: "language")!)) ?? nil
        }

        struct Key: CodingKey {
            let stringValue: String
            init?(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
    }
}
