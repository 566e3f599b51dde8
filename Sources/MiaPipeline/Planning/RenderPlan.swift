import Foundation

/// The frame, rate and audio every clip of a plan is rendered to, so they stitch by stream copy.
public struct TargetFormat: Sendable, Codable, Equatable {
    public var width: Int
    public var height: Int
    public var fps: Int
    public var audioSampleRate: Int
    public var audioChannels: Int

    public init(width: Int, height: Int, fps: Int, audioSampleRate: Int = 48_000, audioChannels: Int = 2) {
        self.width = width
        self.height = height
        self.fps = fps
        self.audioSampleRate = audioSampleRate
        self.audioChannels = audioChannels
    }

    public var size: String { "\(width)x\(height)" }
}

/// Where a scene job stands. Stored as text in the job store and the plan file.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case pending
    /// Submitted to workers (`mia-stitch submit`), waiting for one to claim it.
    case queued
    /// A provider job was requested; its id is recorded before polling.
    case submitted
    case rendering
    case complete
    case failed
}

/// One scene's render: the child job of a plan.
public struct SceneJob: Sendable, Codable, Equatable {
    public var sceneNumber: Int
    public var title: String
    public var provider: ProviderID
    public var model: String
    /// Length to render, snapped to what the model accepts.
    public var seconds: Double
    /// What the provider is asked to render (for Template: the card's title).
    public var prompt: String
    public var narration: String
    public var onScreenText: String
    /// Where the clip goes, relative to the plan file's folder.
    public var output: String
    public var status: JobStatus
    public var estimatedCost: Double
    /// Why this provider (the analysis' reason, including any fallback).
    public var reason: String
    /// The scene's narration as spoken (nil: a silent scene, or a plan made with `--voice none`).
    public var speech: SceneSpeech?
    /// How long the scene lasts in the video when that differs from the clip rendered (`seconds`): a
    /// provider clip is trimmed to it, or held on its last frame up to it (`fit`). nil: `seconds`.
    public var sceneSeconds: Double?
    /// How the rendered clip is brought to `sceneSeconds`.
    public var fit: ClipFit?
    /// The user's own file the scene shows instead of a generated picture; its path relative to the plan's
    /// folder, or absolute (see `PlanFiles.mediaPath`). nil: none (and in plans written before it existed).
    public var media: SceneMedia?

    /// The scene's length in the video.
    public var length: Double { sceneSeconds ?? seconds }
}

/// How a clip of one length fills a scene of another.
public enum ClipFit: String, Sendable, Codable {
    /// The clip is longer: it is cut at the scene's end.
    case trim
    /// The speech outlasts the longest clip the model makes: the last frame is held to the scene's end.
    case hold
}

/// A scene's narration, synthesized before planning: its length sets the scene's.
public struct SceneSpeech: Sendable, Codable, Equatable {
    /// Who speaks, as `--voice` names it ("espeak:en-us", "elevenlabs:21m00Tcm4TlvDq8ikWAM"); several
    /// speakers (a screenplay with `--voices`) are joined by ", ".
    public var voice: String
    /// The speech as a WAV file, relative to the plan file's folder.
    public var file: String
    /// SHA-256 of the spoken text and every voice setting: what makes the cached speech this speech.
    public var key: String
    /// Seconds of speech in `file`.
    public var seconds: Double
    /// Seconds from the scene's start to the first sound of the speech.
    public var leadIn: Double
    /// When each word is spoken, from the start of `file`.
    public var words: [WordTiming]
    /// No engine gave timings for some of it: they were derived from the audio.
    public var approximateTimings: Bool
    /// Dollars the speech cost when it was bought (0 for eSpeak NG); charged to the first scene that says it.
    public var cost: Double

    public init(voice: String, file: String, key: String, seconds: Double, leadIn: Double, words: [WordTiming],
                approximateTimings: Bool, cost: Double) {
        self.voice = voice
        self.file = file
        self.key = key
        self.seconds = seconds
        self.leadIn = leadIn
        self.words = words
        self.approximateTimings = approximateTimings
        self.cost = cost
    }
}

/// How a narrated (or scored) plan's one soundtrack is mixed.
public struct SoundtrackSettings: Sendable, Codable, Equatable {
    /// Decibels a clip's own sound is lowered by while the narration speaks (`--duck`, default −12).
    public var duck: Double
    /// Integrated loudness of the whole track, LUFS (`--loudness`, default −14); the true peak stays at
    /// or under −1 dBTP.
    public var loudness: Double
    /// Decibels the music is lowered by while the narration speaks (`--music-duck`, default −15).
    public var musicDuck: Double

    public init(duck: Double = -12, loudness: Double = -14, musicDuck: Double = -15) {
        self.duck = duck
        self.loudness = loudness
        self.musicDuck = musicDuck
    }

    private enum CodingKeys: String, CodingKey { case duck, loudness, musicDuck }

    // Plans written before music existed have no `musicDuck`: they get the default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        duck = try container.decode(Double.self, forKey: .duck)
        loudness = try container.decode(Double.self, forKey: .loudness)
        musicDuck = try container.decodeIfPresent(Double.self, forKey: .musicDuck) ?? -15
    }

    /// The true-peak ceiling, dBTP.
    public static let truePeakCeiling = -1.0
}

/// A render plan: the parent job for one script, and one child job per scene.
///
/// Deterministic: the same script and options give the same plan, byte for byte (no clock, no
/// random ids), so a rerun finds its earlier work in the job store.
public struct RenderPlan: Sendable, Codable, Equatable {
    public var version = 1
    public var renderPlanId: String
    /// SHA-256 of the script text (after decoding and line-ending normalisation).
    public var scriptHash: String
    public var script: String
    public var format: ScriptFormat
    public var target: TargetFormat
    public var budget: Double?
    public var targetDuration: Double?
    public var estimatedCost: Double
    public var totalSeconds: Double
    /// Folder for the scene clips, relative to the plan file's folder.
    public var outputDirectory: String
    public var warnings: [String]
    public var scenes: [SceneJob]
    /// Narrated plans: `--voice` as asked ("auto", "espeak:en"), and how the soundtrack is mixed. nil: silent.
    public var voice: String?
    public var soundtrack: SoundtrackSettings?
    /// Music under the whole video (`--music`): relative to the plan file's folder when it lies inside
    /// it, else absolute. nil: none.
    public var music: String?
    /// Narrated plans: the script's language, ISO 639-1 ("en"); the caption track is tagged with it.
    public var language: String?
    /// Narrated plans: what captions the stitch writes (`--captions`); nil: `sidecar`.
    public var captions: CaptionMode?
    /// Plans whose captions are burned: their style and font; nil: a subtitle in the default font.
    public var captionAppearance: CaptionAppearance?
}

extension RenderPlan {
    /// Dollars the plan's narration cost (spoken while planning).
    public var speechCost: Double { scenes.reduce(0) { $0 + ($1.speech?.cost ?? 0) } }

    /// How long the stitched video lasts: every scene's `length` (a clip fitted to its scene lasts
    /// the scene, not what its provider rendered).
    public var videoSeconds: Double { scenes.reduce(0) { $0 + $1.length } }

    /// The plan as pretty, stable JSON (sorted keys), as written to PLAN.json.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a plan file.
    /// - Throws: `MiaError` naming the file when it is missing or not a plan.
    public static func load(_ path: String) throws -> RenderPlan {
        guard let data = FileManager.default.contents(atPath: path) else { throw MiaError(file: path, "file not found") }
        do {
            return try JSONDecoder().decode(RenderPlan.self, from: data)
        } catch {
            throw MiaError(file: path, "is not a mia-stitch render plan (\(Self.describe(error)))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return context.codingPath.map { $0.stringValue }.joined(separator: ".") + ": " + context.debugDescription
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        default: return "\(error)"
        }
    }
}
