/// Whether a file holds what it says it holds: per stream, the length its packets span against the
/// length the file states. The stitch pre-flight (from the sample index, or by reading packets)
/// and `verify` (by decoding) ask this same question, so a file one refuses the other fails.
///
/// A damaged index (a sample count cut to 1, an absurd sample size that ends the index early) or a
/// truncated file shows up here as a stream far shorter than stated.
enum Completeness {
    /// What was measured of a file: each stream's span in its own time base, nil where not measured.
    struct Held {
        var video: Int64?
        var audio: Int64?
    }

    /// Every stream that holds clearly less than it states, as "holds 0.2 s of audio but states
    /// 2.0 s; the file is truncated or damaged".
    /// - Parameter fromIndex: the lengths come from a sample index, which knows when the last frame
    ///   starts but not how long it lasts (a variable-rate clip may hold its last frame a second).
    static func problems(_ clip: ClipInfo, held: Held, fromIndex: Bool = false) -> [String] {
        var problems: [String] = []
        if let video = clip.video, let span = held.video, video.durationTimestamp != nil,
           let problem = problem("video", held: span, stream: video, slack: fromIndex ? 1 : 0) {
            problems.append(problem)
        }
        // Audio may end a little before the video (encoders trim the last frame), never seconds before.
        if let audio = clip.audio, let span = held.audio, audio.durationTimestamp != nil,
           let problem = problem("audio", held: span, stream: audio, slack: 0.1) {
            problems.append(problem)
        }
        // Streams that state no length of their own: the container's length is its longest stream's,
        // so it is held against the longest of them (a second of slack).
        let unstated = [(clip.video, held.video), (clip.audio, held.audio)].compactMap { stream, span -> Double? in
            guard let stream, stream.durationTimestamp == nil, let span, stream.timeBase.num > 0, stream.timeBase.den > 0 else { return nil }
            return Double(span) * stream.timeBase.value
        }
        if let longest = unstated.max(), let stated = clip.duration, stated.isFinite, stated - longest > 1 + 2 / 24.0 {
            let kind = clip.audio == nil ? "video" : "media"
            problems.append("holds \(seconds(longest)) of \(kind) but states \(seconds(stated)); the file is truncated or damaged")
        }
        return problems
    }

    /// - Parameter slack: seconds allowed besides two frames.
    static func problem(_ kind: String, held: Int64, stream: StreamInfo, slack: Double) -> String? {
        let unit = stream.timeBase
        guard unit.num > 0, unit.den > 0, let stated = stream.durationTimestamp, stated > 0 else { return nil }
        let tolerance = (2 &* stream.frameTicks) &+ (Int64(exactly: (slack / unit.value).rounded()) ?? .max / 2)
        guard stated.clampedMinus(held) > tolerance else { return nil }
        return "holds \(seconds(Double(held) * unit.value)) of \(kind) but states \(seconds(Double(stated) * unit.value)); "
            + "the file is truncated or damaged"
    }

    private static func seconds(_ value: Double) -> String {
        let rounded = (max(0, value) * 1000).rounded() / 1000
        return "\(rounded) s"
    }
}
