import Foundation
@testable import MiaPipeline

// Stand-ins for the cloud voice APIs, as real HTTP servers on loopback (`LoopbackHTTPServer`). Their
// "speech" is tone bursts: each word a burst 60 ms per character, 40 ms of silence between words (too short
// to be a pause) and 250 ms after a word ending in punctuation, so a test knows where every word is.

/// Speech a fake makes for a text, with the true time of every word and character.
struct FakeSpeech {
    static let rate = 24_000
    static let perCharacter = 0.06
    static let wordGap = 0.04
    static let phraseGap = 0.25

    let pace: Double
    var samples: [Int16] = []
    var words: [WordTiming] = []
    /// ElevenLabs-style alignment: every character of the text, spaces included.
    var characters: [String] = []
    var starts: [Double] = []
    var ends: [Double] = []

    /// - Parameter pace: every length times this (long texts in tests are spoken fast to stay small).
    init(_ text: String, pace: Double = 1) {
        self.pace = pace
        let tokens = text.split(separator: " ", omittingEmptySubsequences: false)
        for (index, token) in tokens.enumerated() {
            if index > 0 {
                let gapStart = seconds
                let gap = WordTimingEstimate.endsPhrase(String(tokens[index - 1])) ? Self.phraseGap : Self.wordGap
                silence(gap)
                characters.append(" "); starts.append(gapStart); ends.append(seconds)
            }
            guard !token.isEmpty else { continue }
            let start = seconds
            for character in token {
                let from = seconds
                tone(Self.perCharacter)
                characters.append(String(character)); starts.append(from); ends.append(seconds)
            }
            words.append(WordTiming(word: String(token), start: start, end: seconds))
        }
    }

    var seconds: Double { Double(samples.count) / Double(Self.rate) }

    mutating func tone(_ length: Double) {
        let count = Int((length * pace * Double(Self.rate)).rounded())
        let base = samples.count
        samples += (0..<count).map { Int16(8000 * sin(2 * Double.pi * 220 * Double(base + $0) / Double(Self.rate))) }
    }

    mutating func silence(_ length: Double) {
        samples += [Int16](repeating: 0, count: Int((length * pace * Double(Self.rate)).rounded()))
    }

    /// The samples as raw 16-bit little-endian PCM.
    var pcm: Data {
        var data = Data(capacity: samples.count * 2)
        for sample in samples {
            let bits = UInt16(bitPattern: sample)
            data.append(UInt8(bits & 0xff)); data.append(UInt8(bits >> 8))
        }
        return data
    }
}

/// Damage a fake does to one successful speech answer.
enum AudioDamage: Sendable {
    /// One byte more than whole samples.
    case oddLength
    /// audio_base64 cut mid-quantum (ElevenLabs).
    case truncatedBase64
    /// No alignment (ElevenLabs).
    case noAlignment
    /// An alignment that spells other words (ElevenLabs).
    case wrongAlignment
}

/// Bookkeeping shared by the voice fakes: `FakeAPI`'s requests and faults, plus damage to successful answers.
class FakeVoiceAPI: FakeAPI, @unchecked Sendable {
    // @unchecked: `damages` is only touched under `lock`.
    private var damages: [AudioDamage] = []
    private var _pace = 1.0

    /// `FakeSpeech`'s pace for every answer.
    var pace: Double { get { lock.withLock { _pace } } set { lock.withLock { _pace = newValue } } }

    /// The next successful speech answers get these damages, one each, in order.
    func damage(_ list: [AudioDamage]) { lock.withLock { damages += list } }

    func nextDamage() -> AudioDamage? { lock.withLock { damages.isEmpty ? nil : damages.removeFirst() } }

    /// The texts of the speech requests received, in order.
    var spokenTexts: [String] {
        requests.compactMap { $0.json.flatMap { ($0["input"] ?? $0["text"]) as? String } }
    }
}

/// OpenAI's `POST /v1/audio/speech`. Endpoint for `inject`: "speech".
final class FakeOpenAISpeechServer: FakeVoiceAPI, @unchecked Sendable {
    let key: String
    private var server: LoopbackHTTPServer?

    init(key: String) throws {
        self.key = key
        super.init()
        server = try LoopbackHTTPServer { [weak self] request in self?.handle(request) ?? FakeReply(status: 503) }
    }

    /// `OPENAI_BASE_URL` for this server.
    var baseURL: String { "http://127.0.0.1:\(server!.port)/v1" }

    private func handle(_ request: RecordedRequest) -> FakeReply {
        record(request)
        guard request.header("authorization") == "Bearer \(key)" else {
            let presented = request.header("authorization")?.replacingOccurrences(of: "Bearer ", with: "") ?? ""
            return .json(401, ["error": ["message": "Incorrect API key provided: \(presented).", "code": "invalid_api_key"]])
        }
        guard request.method == "POST", request.path == "/v1/audio/speech" else {
            return .json(404, ["error": ["message": "Invalid URL (\(request.method) \(request.path))"]])
        }
        let fault = nextFault("speech")
        if let reply = Self.replacement(fault) { return reply }
        guard let body = request.json, let input = body["input"] as? String, let voice = body["voice"] as? String,
              body["model"] is String, body["response_format"] as? String == "pcm" else {
            return .json(400, ["error": ["message": "Missing required parameter.", "param": NSNull(), "code": "missing_required_parameter"] as [String: Any]])
        }
        guard input.unicodeScalars.count <= 4096 else {
            return .json(400, ["error": ["message": "string too long. Expected a string with maximum length 4096", "param": "input"]])
        }
        guard OpenAIVoice.voiceNames.contains(voice) else {
            return .json(400, ["error": ["message": "Invalid value: '\(voice)'. Supported values are: 'alloy', 'ash', 'nova'.",
                                         "param": "voice", "code": "invalid_value"]])
        }
        var audio = FakeSpeech(input, pace: pace).pcm
        if nextDamage() == .oddLength { audio.append(0x7f) }
        return Self.delayed(FakeReply(status: 200, headers: ["Content-Type": "application/octet-stream"], body: audio), fault)
    }
}

/// ElevenLabs' `POST /v1/text-to-speech/{voice_id}/with-timestamps` and `GET /v1/voices`.
/// Endpoints for `inject`: "speech", "voices".
final class FakeElevenLabsServer: FakeVoiceAPI, @unchecked Sendable {
    static let voices: [(id: String, name: String, language: String?)] = [
        ("21m00Tcm4TlvDq8ikWAM", "Rachel", "en"), ("AZnzlk1XvdvUeBnXmlld", "Domi", nil), ("ErXwobaYiN019PkySvjV", "Antoni", "de"),
        ("JBFqnCBsd6RMkjVDRZzb", "George", "en"),   // mia-stitch's default ElevenLabs voice
    ]

    let key: String
    private var server: LoopbackHTTPServer?

    init(key: String) throws {
        self.key = key
        super.init()
        server = try LoopbackHTTPServer { [weak self] request in self?.handle(request) ?? FakeReply(status: 503) }
    }

    /// `ELEVENLABS_BASE_URL` for this server.
    var baseURL: String { "http://127.0.0.1:\(server!.port)" }

    private func handle(_ request: RecordedRequest) -> FakeReply {
        record(request)
        guard request.header("xi-api-key") == key else {
            return .json(401, ["detail": ["status": "invalid_api_key", "message": "Invalid API key: \(request.header("xi-api-key") ?? "")"]])
        }
        let parts = request.path.split(separator: "/").map(String.init)
        if request.method == "GET", parts == ["v1", "voices"] { return voiceList() }
        if request.method == "POST", parts.count == 4, parts[0] == "v1", parts[1] == "text-to-speech", parts[3] == "with-timestamps" {
            return speech(request, voice: parts[2])
        }
        return .json(404, ["detail": "Not Found"])
    }

    private func voiceList() -> FakeReply {
        let fault = nextFault("voices")
        if let reply = Self.replacement(fault) { return reply }
        let voices: [[String: Any]] = Self.voices.map { voice in
            ["voice_id": voice.id, "name": voice.name, "labels": voice.language.map { ["language": $0, "accent": "neutral"] } ?? [:]]
        }
        return Self.delayed(.json(200, ["voices": voices]), fault)
    }

    private func speech(_ request: RecordedRequest, voice: String) -> FakeReply {
        let fault = nextFault("speech")
        if let reply = Self.replacement(fault) { return reply }
        guard request.target.hasSuffix("?output_format=pcm_24000") else {
            return .json(422, ["detail": [["loc": ["query", "output_format"], "msg": "unexpected output_format", "type": "value_error"] as [String: Any]]])
        }
        guard Self.voices.contains(where: { $0.id == voice }) else {
            return .json(404, ["detail": ["status": "voice_not_found", "message": "A voice with the voice_id \(voice) was not found."]])
        }
        guard let body = request.json, let text = body["text"] as? String, body["model_id"] is String else {
            return .json(422, ["detail": [["loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"] as [String: Any]]])
        }
        guard text.unicodeScalars.count <= 10_000 else {
            return .json(400, ["detail": ["status": "max_character_limit_exceeded", "message": "Text is too long."]])
        }
        let speech = FakeSpeech(text, pace: pace)
        var object: [String: Any] = ["audio_base64": speech.pcm.base64EncodedString()]
        let alignment: [String: Any] = ["characters": speech.characters, "character_start_times_seconds": speech.starts,
                                        "character_end_times_seconds": speech.ends]
        object["alignment"] = alignment
        object["normalized_alignment"] = alignment
        switch nextDamage() {
        case .oddLength?: object["audio_base64"] = (speech.pcm + Data([0x7f])).base64EncodedString()
        case .truncatedBase64?:
            let full = speech.pcm.base64EncodedString()
            object["audio_base64"] = String(full.prefix(full.count - 3))
        case .noAlignment?: object["alignment"] = NSNull()
        case .wrongAlignment?:
            object["alignment"] = ["characters": Array(speech.characters.reversed()), "character_start_times_seconds": speech.starts,
                                   "character_end_times_seconds": speech.ends] as [String: Any]
        case nil: break
        }
        return Self.delayed(.json(200, object), fault)
    }
}
