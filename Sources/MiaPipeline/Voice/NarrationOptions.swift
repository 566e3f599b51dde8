import Foundation

/// `--voice`, `--voices`, `--language`, `--duck`, `--loudness`: how a plan's narration is spoken and mixed.
public struct NarrationOptions: Sendable, Equatable {
    public var voice: VoiceChoice
    /// Voices for a screenplay's characters (`--voices FILE`).
    public var speakers: SpeakerVoices
    /// ISO 639-1 code of the script's language; nil: detected from the script.
    public var language: String?
    /// Speaking speed, 1 = each voice's normal rate.
    public var rate: Double
    /// A cloud voice that fails (or is over budget) falls back to eSpeak NG; `--no-fallback` fails instead.
    public var fallback: Bool
    public var soundtrack: SoundtrackSettings
    /// `--captions`: stored in the plan, so whoever stitches it (a worker too) writes the same. Not part of
    /// `identity`: captions change no scene, and a rerun with other captions finds its earlier work.
    public var captions: CaptionMode
    /// `--caption-style`, `--caption-font`: how burned captions look (stored in the plan with `captions`).
    public var captionAppearance: CaptionAppearance

    public init(voice: VoiceChoice = .auto, speakers: SpeakerVoices = SpeakerVoices(), language: String? = nil, rate: Double = 1,
                fallback: Bool = true, soundtrack: SoundtrackSettings = SoundtrackSettings(), captions: CaptionMode = .sidecar,
                captionAppearance: CaptionAppearance = CaptionAppearance()) {
        self.captions = captions
        self.captionAppearance = captionAppearance
        self.voice = voice
        self.speakers = speakers
        self.language = language
        self.rate = rate
        self.fallback = fallback
        self.soundtrack = soundtrack
    }

    /// Everything here that changes the plan, for its id.
    var identity: String {
        let speakerList = speakers.voices.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return ["voice=\(voice)", "speakers=\(speakerList)", "language=\(language ?? "-")", String(format: "rate=%.2f", rate),
                String(format: "duck=%.1f", soundtrack.duck), String(format: "loudness=%.1f", soundtrack.loudness)]
            .joined(separator: "|")
    }
}

/// Where speech sits in its scene.
public enum NarrationTiming {
    /// Seconds of picture before the first word: a cut never lands on a syllable.
    public static let leadIn = 0.25
    /// Seconds after the last word before the next scene.
    public static let tail = 0.5
    /// Silence between two speakers' parts within a scene.
    public static let speakerGap = 0.3

    /// How long a scene must last to hold `speech` seconds of narration.
    public static func sceneSeconds(speaking speech: Double) -> Double { leadIn + speech + tail }
}
