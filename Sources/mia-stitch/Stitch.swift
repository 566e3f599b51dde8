import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Stitch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join clips in order into one file.",
            discussion: """
                Clips with identical parameters are joined by stream copy (their packets unchanged). Clips that \
                differ (size, frame rate, codec, audio) are re-encoded to one format; --normalize never refuses \
                them instead. A normalizing stitch copies the clips already in the target format when the \
                re-encoded ones come out with the same codec parameters, and re-encodes the rest on all cores.
                """
        )

        @Argument(help: "Clips to join, in order.")
        var clips: [String] = []

        @Option(help: "A render plan: join its scene clips, in order (instead of listing CLIPs).")
        var plan: String?

        @Option(help: ArgumentHelp("With --plan: music under the soundtrack (mp3, m4a, wav, ogg, flac…), in place of the plan's own.",
                                   valueName: "file"))
        var music: String?

        @Option(name: .shortAndLong, help: "Output file; .mp4, .mov or .mkv picks the container.")
        var output: String

        @Flag(help: "Replace OUTPUT if it exists.")
        var overwrite = false

        @Flag(name: .customLong("no-faststart"), help: "Leave the mp4/mov index at the end of the file.")
        var noFaststart = false

        @Flag(name: .customLong("no-chapters"), help: "Do not add one chapter per clip.")
        var noChapters = false

        @Flag(help: "Decode the stitched video, every frame, before publishing it (a copy decodes nothing; clips of a --plan made by a provider are always decoded first).")
        var verify = false

        @Option(help: "When clips differ: auto (copy if possible, else re-encode), never (refuse), always (re-encode all).")
        var normalize: NormalizeModeArgument = .auto

        @Option(help: "Normalize to this size, e.g. 1280x720 (default: the plan's, else the most common among the clips).")
        var size: PixelSize?

        @Option(help: "Normalize to this frame rate: 30, 29.97 or 30000/1001 (default: the plan's, else the most common).")
        var fps: FrameRate?

        @Option(help: "A clip of another shape: pad (black bars, keeps the whole picture) or crop (fills the frame).")
        var fit: FitArgument = .pad

        @Option(help: "Between clips: none (a cut) or crossfade:SECONDS, e.g. crossfade:0.5 (re-encodes every clip; the total gets shorter by the overlaps).")
        var transition: Transition = .cut

        @Option(help: ArgumentHelp("With --plan, a narrated plan's captions: sidecar (NAME.srt and NAME.vtt beside the video), soft (those, and a subtitle track in the video), burn (those, and drawn into the picture) or none (default: the plan's).",
                                   valueName: "mode"))
        var captions: CaptionsArgument?

        @OptionGroup var captionLook: CaptionLookArguments

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if clips.isEmpty && plan == nil { throw ValidationError("give the clips to stitch, or --plan") }
            if !clips.isEmpty && plan != nil { throw ValidationError("give either CLIPs or --plan, not both") }
            if music != nil && plan == nil { throw ValidationError("--music goes with --plan: a plan's stitch has a soundtrack to put it in") }
            if (captions != nil || captionLook.given != nil) && plan == nil {
                throw ValidationError("--captions, --caption-style and --caption-font come from a plan's narration: give --plan")
            }
            if normalize == .never && captions == .burn {
                throw ValidationError("--captions burn re-encodes the picture; it cannot go with --normalize never")
            }
            if normalize == .never && (size != nil || fps != nil || transition.crossfade != nil) {
                throw ValidationError("--size, --fps and --transition re-encode the clips; they cannot go with --normalize never")
            }
        }

        func run() async throws {
            installInterruptCleanup()
            let display = global.showsProgress ? ProgressLine() : nil
            // Events stay on by default here (they are what a stitch reports); with a progress line they print above it.
            let log: any EventSink = display.map { StandardErrorLog(format: global.format, region: $0.region) } ?? global.makeLog()
            let stitcher = Stitcher(log: log, progress: display.map { line in
                { @Sendable progress in line.show("stitching: clip \(progress.clipsDone)/\(progress.clipCount)") }
            })
            do {
                var options = StitchOptions(faststart: !noFaststart, chapters: !noChapters, overwrite: overwrite,
                                            normalize: normalize.mode, size: size, fps: fps?.rate, fit: fit.fit,
                                            crossfade: transition.crossfade, verifyOutput: verify, captions: captions?.mode)
                if let plan {
                    options.music = music
                    options.captionAppearance = captionLook.given
                    try stitcher.stitch(plan: try PlanFiles.load(plan), to: output, options: options)
                } else {
                    try stitcher.stitch(clips, to: output, options: options)
                }
                display?.clear()
            } catch {
                display?.clear()
                throw fail(error)
            }
        }
    }
}

enum NormalizeModeArgument: String, ExpressibleByArgument, CaseIterable {
    case auto, never, always
    var mode: NormalizeMode { NormalizeMode(rawValue: rawValue)! }
}

enum FitArgument: String, ExpressibleByArgument, CaseIterable {
    case pad, crop
    var fit: NormalizeTarget.Fit { NormalizeTarget.Fit(rawValue: rawValue)! }
}

/// A frame rate on the command line: "30", "30000/1001", or "29.97" (the NTSC rates exactly).
struct FrameRate: ExpressibleByArgument {
    let rate: Rational

    init?(argument: String) {
        let parts = argument.split(separator: "/")
        if parts.count == 2, let num = Int(parts[0]), let den = Int(parts[1]), num > 0, den > 0 {
            rate = Rational(num, den)
        } else if let whole = Int(argument), whole > 0 {
            rate = Rational(whole, 1)
        } else if let value = Double(argument), value > 0 {
            // 23.976, 29.97, 59.94 mean the NTSC rates N×1000/1001.
            let ntsc = (value * 1.001).rounded()
            rate = abs(ntsc / 1.001 - value) < 0.01 && abs(ntsc - value) > 0.01
                ? Rational(Int(ntsc) * 1000, 1001) : Rational(Int((value * 1000).rounded()), 1000)
        } else {
            return nil
        }
        guard rate.value >= 1, rate.value <= 240 else { return nil }
    }
}

/// `--transition`: "none", or "crossfade:SECONDS" ("crossfade" alone is half a second).
struct Transition: ExpressibleByArgument {
    let crossfade: Double?
    static let cut = Transition(crossfade: nil)

    private init(crossfade: Double?) { self.crossfade = crossfade }

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        switch parts.first {
        case "none", "cut":
            guard parts.count == 1 else { return nil }
            crossfade = nil
        case "crossfade":
            let seconds = parts.count == 2 ? Double(parts[1]) : 0.5
            guard let seconds, seconds > 0, seconds <= 10 else { return nil }
            crossfade = seconds
        default:
            return nil
        }
    }
}
