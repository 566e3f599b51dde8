import Foundation
internal import Crypto

// Who says what: the script's spoken lines as parts, each with the voice that speaks it, and the key that
// makes a piece of speech the same speech.
extension SpeechSynthesizer {
    /// The scenes' spoken lines as parts: consecutive lines of one speaker joined, each speaker with a voice
    /// (and an eSpeak NG variant of their own to fall back to).
    func parts(of scenes: [Scene], options: NarrationOptions, language: String) throws -> (parts: [Part], warnings: [String]) {
        let main = try resolve(options.voice, language: language)
        var assigned: [String: ResolvedVoice] = [:]
        var fallbacks: [String: ResolvedVoice] = [:]
        let espeakPool = VoiceRegistry.speakerPool(.espeak, base: "")
        var order: [String] = []
        func voice(for speaker: String?) throws -> ResolvedVoice {
            if let named = options.speakers.voice(for: speaker) { return try resolve(named, language: language) }
            guard let speaker, speaker != SpeakerVoices.narratorKey else { return main }
            if let known = assigned[speaker] { return known }
            let pool = VoiceRegistry.speakerPool(main.engine, base: main.voice)
            let given = ResolvedVoice(engine: main.engine, voice: pool[(assigned.count + 1) % pool.count])
            assigned[speaker] = given
            return given
        }
        func fallback(for speaker: String?) -> ResolvedVoice {
            let name = speaker ?? SpeakerVoices.narratorKey
            if let known = fallbacks[name] { return known }
            if !order.contains(name) { order.append(name) }
            // The narrator keeps eSpeak NG's own voice; each character the next variant.
            let index = name == SpeakerVoices.narratorKey ? 0 : order.filter { $0 != SpeakerVoices.narratorKey }.count
            let given = ResolvedVoice(engine: .espeak, voice: espeakPool[index % espeakPool.count])
            fallbacks[name] = given
            return given
        }
        var parts: [Part] = []
        var warnings: [String] = []
        var speakers = Set<String>()
        for scene in scenes {
            let lines = scene.dialogue.isEmpty
                ? (scene.narration.isEmpty ? [] : [SpokenLine(speaker: nil, text: scene.narration, line: 0)])
                : scene.dialogue
            for line in lines {
                let (spoken, hadMarkup) = SpeechText.withoutMarkup(line.text)
                if hadMarkup { warnings.append(MiaMessages.markupNotSpoken(scene: scene.number)) }
                let text = spoken.split { $0.isWhitespace }.joined(separator: " ")
                guard !text.isEmpty else { continue }
                let speaker = line.speaker.map(SpeakerVoices.normalized)
                if let speaker { speakers.insert(speaker) }
                if let last = parts.last, last.scene == scene.number, last.speaker == speaker {
                    parts[parts.count - 1].text += " " + text
                } else {
                    parts.append(Part(scene: scene.number, speaker: speaker, text: text, voice: try voice(for: speaker),
                                      fallback: fallback(for: speaker)))
                }
            }
        }
        // A name in --voices that no line is spoken by is most likely a typo for one that is.
        for name in options.speakers.voices.keys.sorted() where name != SpeakerVoices.narratorKey && !speakers.contains(name) {
            warnings.append(MiaMessages.unknownSpeaker(name, speakers: speakers.sorted()))
        }
        if parts.contains(where: { $0.voice.engine == .espeak }), language == "ja",
           parts.contains(where: { $0.text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } }) {
            warnings.append(MiaMessages.espeakCannotReadKanji())
        }
        return (parts, warnings)
    }

    /// A `--voice` choice as an engine and voice: `auto` picks the engine; no voice named takes the engine's
    /// default (for eSpeak NG "", its voice for the request's language).
    func resolve(_ choice: VoiceChoice, language: String) throws -> ResolvedVoice {
        switch choice {
        case .none, .auto:
            let engine = voices.automatic
            return ResolvedVoice(engine: engine, voice: VoiceRegistry.defaultVoice(engine))
        case .engine(let engine, let voice):
            return ResolvedVoice(engine: engine, voice: voice ?? VoiceRegistry.defaultVoice(engine))
        }
    }

    func request(_ part: Part, language: String, rate: Double) -> SpeechRequest {
        SpeechRequest(text: part.text, voice: part.voice.voice, language: language, rate: rate)
    }

    /// What makes a piece of speech the same speech: the text and every setting of the voice.
    func key(_ part: Part, language: String, rate: Double) -> String {
        SHA256.hex(["speech-v1", part.voice.engine.rawValue, part.voice.voice, language, String(format: "%.3f", rate), part.text]
            .joined(separator: "\u{1F}"))
    }
}
