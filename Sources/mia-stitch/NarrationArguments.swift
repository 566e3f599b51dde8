import ArgumentParser
import Foundation
import MiaPipeline

/// Who speaks the narration, the music under it, how the soundtrack is mixed and what captions it gets
/// (`plan`, `render`, `submit`).
struct NarrationArguments: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Who speaks the narration: auto (a cloud voice when ELEVENLABS_API_KEY or OPENAI_API_KEY is set, else the built-in eSpeak NG), none (silent scenes), espeak[:VOICE], openai[:VOICE] or elevenlabs:VOICE_ID. `mia-stitch voices` lists them.",
        valueName: "voice"))
    var voice: String = "auto"

    @Option(help: ArgumentHelp("YAML file naming a voice for each screenplay character (MAYA: espeak:en-us+f3; narrator: openai:nova).",
                               valueName: "file"))
    var voices: String?

    @Option(help: ArgumentHelp("The script's language as an ISO 639-1 code (en, de, ja); default: detected from the script.",
                               valueName: "code"))
    var language: String?

    // Unconditional: every useful value is negative, and "-6" must not be taken for an option.
    @Option(parsing: .unconditional, help: ArgumentHelp("Decibels a clip's own sound is lowered while the narration speaks.", valueName: "dB"))
    var duck: Double = -12

    @Option(help: ArgumentHelp("Music under the whole video (mp3, m4a, wav, ogg, flac…): looped or cut to the video's length, faded in and out, lowered while the narration speaks.",
                               valueName: "file"))
    var music: String?

    @Option(name: .customLong("music-duck"), parsing: .unconditional,
            help: ArgumentHelp("Decibels the music is lowered while the narration speaks (--duck is the clips' own sound).", valueName: "dB"))
    var musicDuck: Double = -15

    @Option(parsing: .unconditional, help: ArgumentHelp("Loudness of the finished soundtrack, LUFS integrated (true peak at most -1 dBTP).", valueName: "LUFS"))
    var loudness: Double = -14

    @Option(help: ArgumentHelp("Captions from the narration: sidecar (NAME.srt and NAME.vtt beside the video), soft (those, and a subtitle track in the video), burn (those, and drawn into the picture) or none.",
                               valueName: "mode"))
    var captions: CaptionsArgument = .sidecar

    @OptionGroup var captionLook: CaptionLookArguments

    func validate() throws {
        if try choice() == .none, captions == .soft || captions == .burn {
            throw ValidationError("--captions \(captions.rawValue) comes from the narration, and --voice none has none")
        }
        if let problem = language.flatMap(RenderLimits.language) { throw ValidationError("--language \(problem)") }
        if let problem = RenderLimits.duck(duck) { throw ValidationError("--duck \(problem)") }
        if let problem = RenderLimits.duck(musicDuck) { throw ValidationError("--music-duck \(problem)") }
        if let problem = RenderLimits.loudness(loudness) { throw ValidationError("--loudness \(problem)") }
    }

    private func choice() throws -> VoiceChoice {
        do {
            return try VoiceChoice(parsing: voice)
        } catch let error as MiaError {
            throw ValidationError("--voice: \(error.message)")
        }
    }

    /// `plan` with the narration and the music set; reads the `--voices` file.
    /// - Throws: `MiaError` naming the voices file when it cannot be used.
    func applied(to plan: PlanOptions, fallback: Bool) throws -> PlanOptions {
        var plan = plan
        plan.narration = NarrationOptions(voice: try choice(), speakers: try voices.map(SpeakerVoices.load) ?? SpeakerVoices(),
                                          language: language?.lowercased(), rate: plan.wordsPerMinute / 150, fallback: fallback,
                                          soundtrack: SoundtrackSettings(duck: duck, loudness: loudness, musicDuck: musicDuck),
                                          captions: captions.mode, captionAppearance: captionLook.appearance)
        plan.music = music
        return plan
    }
}

/// `--captions`.
enum CaptionsArgument: String, ExpressibleByArgument, CaseIterable {
    case none, sidecar, soft, burn
    var mode: CaptionMode { CaptionMode(rawValue: rawValue)! }
}

extension CaptionStyle: ExpressibleByArgument {}

/// How burned captions look (`plan`, `render`, `submit`, `stitch --plan`).
struct CaptionLookArguments: ParsableArguments {
    @Option(name: .customLong("caption-style"),
            help: ArgumentHelp("Burned captions: subtitle (bottom, two lines, outlined) or karaoke (a few words at a time, the spoken word highlighted).",
                               valueName: "style"))
    var style: CaptionStyle?

    @Option(name: .customLong("caption-font"),
            help: ArgumentHelp("Burned captions' font: an installed family (fc-list : family) or a font file. Default: DejaVu Sans.",
                               valueName: "font"))
    var font: String?

    func validate() throws {
        do {
            _ = try font.map(CaptionFont.resolve)
        } catch let error as MiaError {
            throw ValidationError("--caption-font: \(error.message)")
        }
    }

    /// Nil when neither option was given (a plan keeps its own).
    var given: CaptionAppearance? { style == nil && font == nil ? nil : appearance }

    /// A font file is kept by its absolute path: the plan may be stitched from another folder.
    var appearance: CaptionAppearance {
        let file = font.map { $0.contains("/") || FileManager.default.fileExists(atPath: $0) } ?? false
        return CaptionAppearance(style: style ?? .subtitle,
                                 font: file ? font.map { URL(fileURLWithPath: $0).standardizedFileURL.path } : font)
    }
}
