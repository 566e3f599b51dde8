import MiaFFmpeg

/// Draws burned captions on pictures already in the target format: libavfilter's `ass` filter, which
/// is libass (shaping, right-to-left, font fallback), reading the script `CaptionScript` wrote. Each
/// re-encoded piece of the output has its own, and gives each picture its frame number on the output
/// timeline, so a caption lands on the frames its cue covers whichever piece holds them.
final class CaptionOverlay {
    /// The script, and the folder of a caption font given as a file (libass's `fontsdir`).
    struct Source: Sendable {
        let script: String
        let fontsDirectory: String?
    }

    private let graph: FilterGraph
    private let drawn = Frame()

    init(_ source: Source, target: NormalizeTarget, threads: Int) throws {
        var description = "ass=filename=\(FilterGraph.escapedOption(source.script))"
        if let folder = source.fontsDirectory { description += ":fontsdir=\(FilterGraph.escapedOption(folder))" }
        // One tick a frame: a picture's pts is its frame number, and libass is asked for that time.
        graph = try FilterGraph(input: .video(width: target.width, height: target.height, pixelFormat: .yuv420p,
                                              timeBase: Rational(target.fps.den, target.fps.num), sampleAspectRatio: Rational(1, 1),
                                              frameRate: target.fps),
                                description: description, threads: threads)
    }

    /// `picture` with the captions of output frame `frame` drawn on it (valid until the next call). The
    /// filter draws on a copy when `picture` is still held elsewhere (a clip's last picture, repeated).
    func draw(_ picture: Frame, frame: Int) throws -> Frame {
        picture.pts = Int64(frame)
        try graph.push(picture)
        guard case .value = try graph.pull(into: drawn) else {
            throw MiaError("the caption filter (libass) gave back no picture for frame \(frame)")
        }
        return drawn
    }
}
