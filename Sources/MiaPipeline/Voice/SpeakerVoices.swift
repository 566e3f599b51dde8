import Foundation
import Yams

/// `--voices FILE`: which voice speaks each character of a screenplay, as YAML (or JSON):
///
/// ```yaml
/// MAYA: elevenlabs:21m00Tcm4TlvDq8ikWAM
/// DEV: espeak:en-us+m3
/// narrator: openai:nova      # voiceover and lines without a speaker
/// ```
///
/// Names match the script's speakers whatever their case. Speakers the file does not name get voices of
/// their own in turn (`VoiceRegistry.speakerPool`), the same in every scene of the plan.
public struct SpeakerVoices: Sendable, Equatable {
    /// Upper-cased speaker name → voice; `narratorKey` for the narrator.
    public private(set) var voices: [String: VoiceChoice]

    public static let narratorKey = "NARRATOR"

    public init(_ voices: [String: VoiceChoice] = [:]) {
        self.voices = Dictionary(voices.map { (Self.normalized($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The voice the file names for `speaker` (nil: the narrator).
    public func voice(for speaker: String?) -> VoiceChoice? { voices[Self.normalized(speaker ?? Self.narratorKey)] }

    static func normalized(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespaces).uppercased()
    }

    /// Reads a voices file.
    /// - Throws: `MiaError` naming the file (and line) when it is missing, too large, not a mapping of
    ///   names to voices, or names a voice `--voice` would not accept.
    public static func load(_ path: String) throws -> SpeakerVoices {
        switch FileKind.of(path) {
        case .regular(let size) where size > 1_000_000:
            throw MiaError(file: path, "is \(size) bytes; a voices file is a short list of names")
        case .regular: break
        case .missing: throw MiaError(file: path, "file not found")
        case let kind: throw MiaError(file: path, "is not a regular file (\(kind.name))")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw MiaError(file: path, "cannot be read") }
        guard data.count <= 1_000_000 else { throw MiaError(file: path, "is \(data.count) bytes; a voices file is a short list of names") }
        guard let text = String(data: data, encoding: .utf8) else { throw MiaError(file: path, "is not UTF-8 text") }
        return try parse(text, name: path)
    }

    static func parse(_ text: String, name: String) throws -> SpeakerVoices {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let (line, reason) = YAMLProblem.describe(error)
            throw MiaError(file: line.map { "\(name):\($0)" } ?? name, "is not valid YAML or JSON: \(reason)")
        }
        guard let mapping = root?.mapping else {
            throw MiaError(file: name, "a voices file maps speaker names to voices (MAYA: espeak:en-us+f3)")
        }
        var voices: [String: VoiceChoice] = [:]
        for (key, value) in mapping {
            let place = "\(name):\(key.mark?.line ?? 0)"
            guard let speaker = key.string, !speaker.trimmingCharacters(in: .whitespaces).isEmpty, speaker.count <= 200 else {
                throw MiaError(file: place, "a speaker name must be text")
            }
            guard let voiceText = value.string else {
                throw MiaError(file: place, "\(speaker)'s voice must be text such as espeak:en-us or openai:nova")
            }
            let choice: VoiceChoice
            do {
                choice = try VoiceChoice(parsing: voiceText)
            } catch let error as MiaError {
                throw MiaError(file: place, error.message)
            }
            if choice == .none || choice == .auto {
                throw MiaError(file: place, "\(speaker)'s voice must name an engine (espeak, openai or elevenlabs), not \(choice)")
            }
            let normalized = normalized(speaker)
            if voices[normalized] != nil { throw MiaError(file: place, "\(speaker) is named twice") }
            voices[normalized] = choice
        }
        return SpeakerVoices(voices)
    }
}
