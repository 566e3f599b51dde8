import Foundation

/// `--voice`: who speaks the narration.
public enum VoiceChoice: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// A cloud voice when its key is set (ElevenLabs, then OpenAI), else eSpeak NG: a render with no
    /// keys still speaks.
    case auto
    /// Silent scenes, as before narration was spoken.
    case none
    /// One engine, with its default voice for the script's language (nil) or a voice of its own.
    case engine(VoiceEngine, voice: String?)

    /// Parses `auto`, `none`, `espeak`, `espeak:VOICE`, `openai`, `openai:VOICE`, `elevenlabs:VOICE_ID`.
    /// - Throws: `MiaError` naming what is accepted.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.lowercased() {
        case "auto": self = .auto; return
        case "none", "off", "silent": self = .none; return
        default: break
        }
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let engine = VoiceEngine(rawValue: first.lowercased()) else {
            throw MiaError("unknown voice \"\(text)\"; use auto, none, espeak[:VOICE], openai[:VOICE] or elevenlabs:VOICE_ID")
        }
        let voice = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : nil
        if let voice, voice.isEmpty || voice.count > 200 || voice.contains(where: { $0.isNewline || $0 == "/" }) {
            throw MiaError("voice \"\(text)\": \(voice.isEmpty ? "the voice after \"\(first):\" is empty" : "not a voice name")")
        }
        if engine == .elevenlabs && voice == nil {
            throw MiaError("voice \"\(text)\": ElevenLabs needs a voice id (elevenlabs:VOICE_ID; mia-stitch voices --engine elevenlabs lists them)")
        }
        self = .engine(engine, voice: voice)
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .none: "none"
        case .engine(let engine, let voice): voice.map { "\(engine.rawValue):\($0)" } ?? engine.rawValue
        }
    }
}

/// Close matches for a name someone mistyped: what an "unknown voice" error suggests.
public enum ClosestNames {
    /// Up to `limit` of `candidates`, closest first: by edits, a name containing the other counting as two.
    public static func closest(to name: String, in candidates: [String], limit: Int = 3) -> [String] {
        let wanted = name.lowercased()
        guard !wanted.isEmpty else { return [] }
        let scored = candidates.map { candidate -> (String, Int) in
            let lower = candidate.lowercased()
            let edits = distance(Array(wanted), Array(lower))
            // One name inside the other ("rachel" in "rachel-v2") is close however many letters it lacks.
            let contained = lower.contains(wanted) || wanted.contains(lower) ? 2 : Int.max
            return (candidate, min(edits, contained))
        }
        let allowed = max(2, wanted.count / 3) + 2
        return scored.filter { $0.1 <= allowed }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
    }

    /// Levenshtein distance, capped by the lengths (names are short).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
