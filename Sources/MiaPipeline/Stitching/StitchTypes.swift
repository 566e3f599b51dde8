import Foundation
import MiaFFmpeg

/// What the user asked for besides the clips and the output path.
public struct StitchOptions: Sendable {
    /// mp4/mov: index (moov) at the front, so playback starts before the download ends.
    public var faststart = true
    /// One chapter per clip, titled from `chapterTitles` or else its file name.
    public var chapters = true
    /// Chapter titles in clip order (a plan's scene titles); nil, or a blank one: the clip's file name.
    public var chapterTitles: [String]?
    /// Replace an existing output file.
    public var overwrite = false
    /// Whether clips that differ are re-encoded to one format or refused.
    public var normalize = NormalizeMode.auto
    /// Normalize to this size (else the most common size among the clips).
    public var size: PixelSize?
    /// Normalize to this frame rate (else the most common rate among the clips).
    public var fps: Rational?
    public var fit = NormalizeTarget.Fit.pad
    /// Seconds each clip dissolves into the next (video `xfade`, audio `acrossfade`); re-encodes
    /// every clip and shortens the total by the overlaps.
    public var crossfade: Double?
    /// Decode the written file, every frame, before publishing it (`--verify`). A copy stitch reads
    /// packets and checks parameters and lengths, but decodes nothing.
    public var verifyOutput = false
    /// Seconds each clip lasts in the output, in clip order (nil: its own length). A clip that
    /// lasts longer is cut there, one that ends sooner holds its last picture (and silence) to
    /// there; either re-encodes that clip. A plan's scene lengths (`SceneJob.length`) come in here.
    public var clipLengths: [Double]?
    /// A plan's stitch: music under its soundtrack in place of the plan's own `music`
    /// (`stitch --plan --music`). Clips stitched without a plan have no soundtrack to put it in.
    public var music: String?
    /// A narrated plan's captions, in place of the plan's own (`stitch --plan … --captions`); nil: the plan's.
    public var captions: CaptionMode?
    /// How burned captions look, in place of the plan's (`--caption-style`, `--caption-font`); nil: the plan's.
    public var captionAppearance: CaptionAppearance?
    /// Captions drawn into the picture: every clip is re-encoded once, with them (`stitchNarrated` sets it).
    public var burnedCaptions: BurnedCaptions?

    /// Clip `index`'s chapter title (see `chapterTitles`).
    func chapterTitle(_ index: Int, path: String) -> String {
        if let titles = chapterTitles, titles.indices.contains(index),
           !titles[index].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return titles[index]
        }
        return URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    public init(faststart: Bool = true, chapters: Bool = true, overwrite: Bool = false,
                normalize: NormalizeMode = .auto, size: PixelSize? = nil, fps: Rational? = nil,
                fit: NormalizeTarget.Fit = .pad, crossfade: Double? = nil, verifyOutput: Bool = false,
                clipLengths: [Double]? = nil, captions: CaptionMode? = nil) {
        self.captions = captions
        self.faststart = faststart
        self.chapters = chapters
        self.overwrite = overwrite
        self.normalize = normalize
        self.size = size
        self.fps = fps
        self.fit = fit
        self.crossfade = crossfade
        self.verifyOutput = verifyOutput
        self.clipLengths = clipLengths
    }
}

/// `--normalize`: what happens when the clips cannot be joined by stream copy.
public enum NormalizeMode: String, Sendable, CaseIterable {
    /// Copy when every clip allows it, else re-encode to one format.
    case auto
    /// Copy or refuse.
    case never
    /// Re-encode every clip.
    case always
}

/// A picture size, "1280x720" on the command line.
public struct PixelSize: Sendable, Hashable, CustomStringConvertible {
    public let width: Int
    public let height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Parses "1280x720"; sizes must be even (yuv420p) and at most 8192.
    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]),
              (16...8192).contains(width), (16...8192).contains(height), width % 2 == 0, height % 2 == 0 else { return nil }
        self.init(width: width, height: height)
    }

    public var description: String { "\(width)x\(height)" }
}

/// Progress of a running stitch, for a terminal display.
public struct StitchProgress: Sendable {
    public let clipsDone: Int
    public let clipCount: Int
}

/// Where one clip sits in the output, in the video time base.
public struct ClipSpan: Sendable, Equatable {
    public let path: String
    public let start: Int64
    public let end: Int64
    public let timeBase: Rational

    public var startSeconds: Double { Double(start) * timeBase.value }
    public var durationSeconds: Double { Double(end - start) * timeBase.value }
    /// The clip's file name without its extension (its chapter's title unless `StitchOptions.chapterTitles` names one).
    public var title: String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
}

/// What a finished stitch produced.
public struct StitchResult: Sendable {
    public let output: String
    public let mode: String
    public let clips: [ClipSpan]
    /// Video length in seconds.
    public let duration: Double
    /// Where the audio ends, in seconds (nil without audio).
    public let audioEnd: Double?
    public let bytes: Int64
    public let videoPackets: Int
    public let audioPackets: Int
    /// Audio frames left out at joins (encoder priming and overhang past a clip's video).
    public let droppedAudioPackets: Int
    public let elapsed: Double
    /// Normalizing stitches: the format clips were brought to, and which clips (1-based) had their
    /// video copied unchanged or re-encoded.
    public var target: NormalizeTarget? = nil
    public var copiedClips: [Int] = []
    public var reencodedClips: [Int] = []
    /// Narrated plans: the soundtrack's mix and its measured loudness.
    public var soundtrack: SoundtrackReport? = nil
    /// Narrated plans: the captions made from the narration (empty with `--captions none`), and the
    /// sidecar files written beside the output.
    public var captions: [CaptionCue] = []
    public var captionFiles: [String] = []
}

/// What a stitch pass wrote, for the read-back check and the result.
struct StitchOutcome {
    var spans: [ClipSpan]
    var videoPackets: Int
    var audioPackets: Int
    var droppedAudioPackets: Int
    var videoTimeBase: Rational
    var audioEnd: Double?
}

/// The output container, chosen from the output file's extension.
struct OutputContainerFormat: Equatable {
    /// libavformat's muxer name.
    let muxer: String
    /// The output's extension, lowercased ("m4v").
    let fileExtension: String

    static let byExtension: [String: String] = ["mp4": "mp4", "m4v": "mp4", "mov": "mov", "mkv": "matroska"]

    init(outputPath: String) throws {
        let ext = URL(fileURLWithPath: outputPath).pathExtension.lowercased()
        guard let muxer = Self.byExtension[ext] else {
            let known = Self.byExtension.keys.sorted().map { "." + $0 }.joined(separator: ", ")
            throw MiaError(.output(outputPath), ext.isEmpty
                ? "the output needs an extension to choose its container (\(known))"
                : "unsupported output extension .\(ext) (use \(known))")
        }
        self.muxer = muxer
        self.fileExtension = ext
    }

    /// Why clips with these codecs cannot be copied into this container ("prores cannot go in a .mp4
    /// file; write a .mov or .mkv file"); nil when the muxer takes them all.
    func refusal(of codecs: [String]) -> String? {
        guard let codec = codecs.first(where: { !OutputContainer.muxer(muxer, canHold: $0) }) else { return nil }
        return "its \(codec) cannot go in \(extensionText); write \(alternativesText(for: codec))"
    }

    /// "a .mp4 file", for messages.
    var extensionText: String { "a .\(fileExtension) file" }

    /// The other containers that can hold `codec`, for messages: "a .mov or .mkv file".
    func alternativesText(for codec: String) -> String {
        let others = ["mov": "mov", "mkv": "matroska", "mp4": "mp4"]
            .filter { $0.value != muxer && OutputContainer.muxer($0.value, canHold: codec) }
            .keys.sorted().map { "." + $0 }
        return others.isEmpty ? "another container" : "a \(others.joined(separator: " or ")) file"
    }

    var isQuickTimeFamily: Bool { muxer == "mp4" || muxer == "mov" }

    /// How an mp4/mov output gets its index (moov) in front of the media data.
    enum IndexPlacement: Equatable {
        /// At the end of the file (`--no-faststart`).
        case atEnd
        /// In space reserved after the header, sized from the sample count: one pass, no rewrite.
        case reserved(bytes: Int)
        /// Written at the end, then the whole file is rewritten with it in front (movflags faststart).
        case secondPass
    }

    /// The reservation for `samples` samples over `tracks` tracks: generous per-sample table costs
    /// (stsz 4, stts 8, ctts 8, stss 4, stsc 12, co64 8 bytes) plus fixed headers. Unused space
    /// becomes a `free` box, a fraction of a percent of the media data.
    static func indexReservation(samples: Int, tracks: Int, chapters: Int) -> Int {
        44 * samples + 4_096 * tracks + 256 * chapters + 16_384
    }

    func headerOptions(_ placement: IndexPlacement) -> [String: String] {
        guard isQuickTimeFamily else { return [:] }
        switch placement {
        case .atEnd: return [:]
        case .reserved(let bytes): return ["moov_size": String(bytes)]
        case .secondPass: return ["movflags": "+faststart"]
        }
    }
}
