import Dispatch
import Foundation
internal import CESpeakNG

/// eSpeak NG, the built-in voice: offline, free, about 100 languages, exact word timings.
///
/// `request.voice` is an eSpeak NG voice ("en-us", "de", "en-us-nyc", or its name, "English (America)");
/// empty means the default voice for `request.language`, and a language eSpeak NG has no voice for is
/// spoken by its English voice (a render with no matching voice still speaks; `voices(language:)` tells a
/// caller beforehand). A voice asked for by name that does not exist is `VoiceError.unknownVoice`.
///
/// The text is spoken as plain text: no SSML, no `[[phonemes]]`, so `<speak>` is read, not obeyed.
///
/// eSpeak NG 1.51 is not bit-for-bit repeatable within one process: its pitch flutter phase, noise
/// generator and wave phase carry over from one message to the next, so the same request spoken twice
/// differs slightly (about 1 % in length, tens of milliseconds; the words and their order never do).
/// Restarting the engine per call is no way out (see `started()`); the speech cache is what makes a rerun
/// identical.
public struct ESpeakVoice: VoiceProvider {
    public let engine = VoiceEngine.espeak
    /// The longest text one call speaks, in Unicode scalars (about 2 hours of speech, 200 MB of samples).
    public static let maximumTextLength = 100_000

    public init() {}

    /// - Throws: `VoiceError.unavailable` when eSpeak NG or its data cannot be loaded.
    public func voices(language: String?) async throws -> [VoiceInfo] {
        let engine = try await ESpeakEngine.run { try ESpeakEngine.started() }
        guard let language else { return engine.voices.map(\.info) }
        let code = ESpeakEngine.languageCode(language)
        return engine.voices.filter { $0.info.languages.contains(code) }.map(\.info)
    }

    /// - Throws: `VoiceError.unknownVoice` for a voice eSpeak NG does not have, `.refused` for text over
    ///   `maximumTextLength` or a rate that is no speed, `.unavailable` when eSpeak NG cannot start.
    public func synthesize(_ request: SpeechRequest) async throws -> SynthesizedSpeech {
        let length = request.text.unicodeScalars.count
        guard length <= Self.maximumTextLength else {
            throw VoiceError.refused(engine: .espeak, reason: "the text is \(length) characters; eSpeak NG speaks at most \(Self.maximumTextLength) at once")
        }
        guard request.rate.isFinite, request.rate > 0 else {
            throw VoiceError.refused(engine: .espeak, reason: "speaking rate \(request.rate) is not a speed (1 is normal)")
        }
        return try await ESpeakEngine.run { try ESpeakEngine.speak(request) }
    }

    public func price(of request: SpeechRequest) -> Double { 0 }
}

/// One voice from `espeak_ListVoices`, with what selecting it needs.
struct ESpeakVoiceEntry: Sendable {
    var info: VoiceInfo
    /// The file under espeak-ng-data/voices ("gmw/en-US"): what `espeak_SetVoiceByName` is given.
    var identifier: String
    /// eSpeak NG's own language names ("en-us", "en") with their priority (lower is preferred).
    var languages: [(name: String, priority: Int)]
}

/// Everything that touches eSpeak NG's C library.
///
/// The library keeps its whole state in globals (the voice, the parameters, the synth callback, the
/// wave generator) and is not thread-safe, so every call into it runs on one serial queue. A queue rather
/// than a lock or an actor: synthesis is seconds of blocking C work, and waiting callers then hold no
/// thread of Swift's cooperative pool.
enum ESpeakEngine {
    struct Started: Sendable {
        var sampleRate: Int
        var voices: [ESpeakVoiceEntry]
        /// Voice variants ("f3", "m7", "whisper") in espeak-ng-data/voices/!v: `en-us+f3` speaks en-us with
        /// variant f3 (how a screenplay's characters get voices of their own).
        var variants: [String]
    }

    /// The one queue every eSpeak NG call runs on.
    private static let queue = DispatchQueue(label: "mia-stitch.espeak-ng")
    // nonisolated(unsafe): both are read and written only on `queue`.
    nonisolated(unsafe) private static var startResult: Result<Started, VoiceError>?
    /// Where the synth callback puts what it is given; set only around one `espeak_Synth` on `queue`.
    nonisolated(unsafe) private static var capture: Capture?

    private final class Capture {
        var samples: [Int16] = []
        var events: [ESpeakWordTimings.Event] = []
    }

    /// Runs `work` on eSpeak NG's queue.
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Starts eSpeak NG once per process (it cannot be restarted: a second `espeak_Initialize` after
    /// `espeak_Terminate` hangs in 1.51) and lists its voices. On `queue` only.
    static func started() throws -> Started {
        dispatchPrecondition(condition: .onQueue(queue))
        if let startResult { return try startResult.get() }
        let result = Result<Started, VoiceError> { () throws(VoiceError) in
            let sampleRate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nil, mia_espeak_initialize_dont_exit)
            guard sampleRate > 0 else { throw unavailable("it found no voice data") }
            espeak_SetSynthCallback { samples, count, events in ESpeakEngine.receive(samples, count, events) }
            let voices = listVoices()
            guard !voices.isEmpty else { throw unavailable("its voice data lists no voices") }
            return Started(sampleRate: Int(sampleRate), voices: voices, variants: listVariants())
        }
        startResult = result
        return try result.get()
    }

    private static func unavailable(_ what: String) -> VoiceError {
        let dataPath = ProcessInfo.processInfo.environment["ESPEAK_DATA_PATH"].map { "ESPEAK_DATA_PATH=\($0)" }
            ?? "the default data folder"
        return .unavailable(engine: .espeak, reason: "\(what) in \(dataPath) (install espeak-ng-data, or set ESPEAK_DATA_PATH to the folder holding espeak-ng-data)")
    }

    private static func listVariants() -> [String] {
        var dataPath: UnsafePointer<CChar>?
        _ = espeak_Info(&dataPath)
        guard let dataPath else { return [] }
        let folder = URL(fileURLWithPath: String(cString: dataPath)).appendingPathComponent("voices/!v").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        // Names go into `SetVoiceByName` after a "+": nothing that could reach outside the folder.
        return names.filter { name in !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } }.sorted()
    }

    private static func listVoices() -> [ESpeakVoiceEntry] {
        guard let list = espeak_ListVoices(nil) else { return [] }
        var entries: [ESpeakVoiceEntry] = []
        var seen = Set<String>()
        var index = 0
        while let voice = list[index] {
            index += 1
            guard let identifierPointer = voice.pointee.identifier else { continue }
            let identifier = String(cString: identifierPointer)
            let id = String(identifier.split(separator: "/").last ?? Substring(identifier)).lowercased()
            // Ids are what `--voice espeak:ID` takes, so they must be unique and hold no "/".
            guard !id.isEmpty, seen.insert(id).inserted else { continue }
            let name = voice.pointee.name.map { String(cString: $0) } ?? id
            let languages = languageList(voice.pointee.languages)
            var codes: [String] = []
            for language in languages where !codes.contains(languageCode(language.name)) {
                codes.append(languageCode(language.name))
            }
            entries.append(ESpeakVoiceEntry(
                info: VoiceInfo(engine: .espeak, id: id, name: name, languages: codes),
                identifier: identifier, languages: languages))
        }
        return entries
    }

    /// eSpeak NG's language list: a priority byte, a NUL-terminated name, again, until an empty name.
    private static func languageList(_ pointer: UnsafePointer<CChar>?) -> [(name: String, priority: Int)] {
        guard var cursor = pointer else { return [] }
        var languages: [(name: String, priority: Int)] = []
        while cursor.pointee != 0 {
            let priority = Int(UInt8(bitPattern: cursor.pointee))
            let name = String(cString: cursor + 1)
            guard !name.isEmpty else { break }
            languages.append((name.lowercased(), priority))
            cursor += 1 + name.utf8.count + 1
        }
        return languages
    }

    /// "en-US", "en_GB", "EN" → "en": the ISO 639 code in front of any region or variant.
    static func languageCode(_ language: String) -> String {
        String(language.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first ?? "")
    }

    /// The voice a request asks for, with its variant (`en-us+f3`, or `+f3` for the language's own voice)
    /// when it names one. On any thread.
    static func resolve(voice: String, language: String, in voices: [ESpeakVoiceEntry], variants: [String]) throws -> ESpeakVoiceEntry {
        let parts = voice.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return try resolve(voice: voice, language: language, in: voices) }
        guard let variant = variants.first(where: { $0.lowercased() == parts[1].lowercased() }) else {
            throw VoiceError.unknownVoice(engine: .espeak, voice: voice, suggestions: ClosestNames.closest(to: parts[1], in: variants).map {
                "\(parts[0])+\($0)"
            })
        }
        var entry = try resolve(voice: parts[0], language: language, in: voices)
        entry.identifier += "+" + variant
        entry.info.id += "+" + variant.lowercased()
        return entry
    }

    /// The voice a request asks for (no variant). On any thread.
    static func resolve(voice: String, language: String, in voices: [ESpeakVoiceEntry]) throws -> ESpeakVoiceEntry {
        let wanted = voice.trimmingCharacters(in: .whitespaces).lowercased()
        if !wanted.isEmpty {
            if let match = voices.first(where: { $0.info.id == wanted || $0.identifier.lowercased() == wanted || $0.info.name.lowercased() == wanted }) {
                return match
            }
            // A language eSpeak NG names inside another voice file ("en-gb" is spoken by `gmw/en`).
            let speakers = voices.compactMap { entry in entry.languages.first { $0.name == wanted }.map { (entry, $0.priority) } }
            if let best = speakers.min(by: { $0.1 < $1.1 }) { return best.0 }
            throw VoiceError.unknownVoice(engine: .espeak, voice: voice, suggestions: ClosestNames.closest(to: wanted, in: voices.map(\.info.id)))
        }
        if let match = defaultVoice(for: languageCode(language), in: voices) { return match }
        // No voice for the script's language: English speaks it rather than nothing (documented on ESpeakVoice).
        if let english = defaultVoice(for: "en", in: voices) { return english }
        throw VoiceError.unavailable(engine: .espeak, reason: "its voice data has no voice for \"\(language)\" and no English voice")
    }

    /// The voice named after the language ("de"), else the one listing it with the best priority.
    private static func defaultVoice(for code: String, in voices: [ESpeakVoiceEntry]) -> ESpeakVoiceEntry? {
        guard !code.isEmpty else { return nil }
        if let exact = voices.first(where: { $0.info.id == code }) { return exact }
        let ranked = voices.compactMap { entry -> (ESpeakVoiceEntry, Int)? in
            let priorities = entry.languages.filter { $0.name == code }.map(\.priority)
            return priorities.min().map { (entry, $0) }
        }
        if let best = ranked.min(by: { $0.1 < $1.1 }) { return best.0 }
        return voices.first { $0.info.languages.contains(code) }
    }

    /// Speaks one request. On `queue` only.
    static func speak(_ request: SpeechRequest) throws -> SynthesizedSpeech {
        dispatchPrecondition(condition: .onQueue(queue))
        let engine = try started()
        let voice = try resolve(voice: request.voice, language: request.language, in: engine.voices, variants: engine.variants)
        // A NUL would end the C string early; a space keeps every later character at its position, so
        // eSpeak NG's positions still point into the request's own words ("a\0b" stays one word).
        let text = request.text.replacingOccurrences(of: "\u{0}", with: " ")
        // Nothing but whitespace and NULs: nothing to say.
        guard !ESpeakWordTimings.words(of: text).isEmpty else {
            return SynthesizedSpeech(samples: [], sampleRate: engine.sampleRate, words: [], approximateTimings: false)
        }
        guard espeak_SetVoiceByName(voice.identifier) == EE_OK else {
            throw VoiceError.unavailable(engine: .espeak, reason: "voice \(voice.info.id) (\(voice.identifier)) would not load from its data")
        }
        // Parameters persist between calls: set every one, so no request inherits another's.
        let rate = min(max(Double(mia_espeak_rate_normal) * request.rate, Double(mia_espeak_rate_minimum)), Double(mia_espeak_rate_maximum))
        espeak_SetParameter(espeakRATE, Int32(rate.rounded()), 0)
        espeak_SetParameter(espeakVOLUME, 100, 0)
        espeak_SetParameter(espeakPITCH, 50, 0)
        espeak_SetParameter(espeakRANGE, 50, 0)
        espeak_SetParameter(espeakPUNCTUATION, Int32(espeakPUNCT_NONE.rawValue), 0)
        espeak_SetParameter(espeakCAPITALS, 0, 0)
        espeak_SetParameter(espeakWORDGAP, 0, 0)

        let current = Capture()
        capture = current
        defer { capture = nil }
        // UTF-8 and nothing else: no espeakSSML (markup is read as text), no espeakPHONEMES, no end pause.
        let status = text.withCString { pointer in
            espeak_Synth(pointer, text.utf8.count + 1, 0, POS_CHARACTER, 0, mia_espeak_chars_utf8, nil, nil)
        }
        guard status == EE_OK else {
            throw VoiceError.unavailable(engine: .espeak, reason: "espeak_Synth failed (error \(status.rawValue))")
        }
        let voicedEnd = voicedEnd(of: current.samples)
        let words = ESpeakWordTimings.timings(text: request.text, events: current.events, voicedEnd: voicedEnd, sampleRate: engine.sampleRate)
        return SynthesizedSpeech(samples: current.samples, sampleRate: engine.sampleRate, words: words, approximateTimings: false)
    }

    /// The sample after the last one above the noise floor: where the voice stops.
    private static func voicedEnd(of samples: [Int16]) -> Int {
        let floor = 64
        guard let last = samples.lastIndex(where: { abs(Int($0)) > floor }) else { return samples.count }
        return last + 1
    }

    /// The synth callback: samples and word events as eSpeak NG produces them (on `queue`, inside
    /// `espeak_Synth`). Returns 1 (abort) when no synthesis is waiting for them.
    private static func receive(_ samples: UnsafeMutablePointer<Int16>?, _ count: Int32, _ events: UnsafeMutablePointer<espeak_EVENT>?) -> Int32 {
        guard let capture else { return 1 }
        if let samples, count > 0 {
            capture.samples.append(contentsOf: UnsafeBufferPointer(start: samples, count: Int(count)))
        }
        var event = events
        while let current = event, current.pointee.type != espeakEVENT_LIST_TERMINATED {
            if current.pointee.type == espeakEVENT_WORD {
                capture.events.append(.init(textPosition: Int(current.pointee.text_position), sample: Int(current.pointee.sample)))
            }
            event = current + 1
        }
        return 0
    }
}
