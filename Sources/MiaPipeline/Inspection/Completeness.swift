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
    static func problems(_ clip: ClipInfo, held: Held) -> [String] {
        var problems: [String] = []
        if let video = clip.video, let span = held.video,
           let problem = problem("video", held: span, stream: video, fallback: clip.duration, slack: 0) {
            problems.append(problem)
        }
        // Audio may end a little before the video (encoders trim the last frame), never seconds before.
        if let audio = clip.audio, let span = held.audio,
           let problem = problem("audio", held: span, stream: audio, fallback: nil, slack: 0.1) {
            problems.append(problem)
        }
        return problems
    }

    /// - Parameters:
    ///   - fallback: the container's length in seconds, for a stream that states none of its own
    ///     (it covers the longest stream, so a second more is allowed against it).
    ///   - slack: seconds allowed besides two frames.
    static func problem(_ kind: String, held: Int64, stream: StreamInfo, fallback: Double?, slack: Double) -> String? {
        let unit = stream.timeBase
        guard unit.num > 0, unit.den > 0 else { return nil }
        var stated = stream.durationTimestamp
        var allowance = slack
        if stated == nil, let fallback, fallback.isFinite, fallback > 0 {
            stated = Int64(exactly: (fallback / unit.value).rounded(.down)) ?? nil
            allowance += 1
        }
        guard let stated, stated > 0 else { return nil }
        let tolerance = (2 &* stream.frameTicks) &+ (Int64(exactly: (allowance / unit.value).rounded()) ?? .max / 2)
        guard stated.clampedMinus(held) > tolerance else { return nil }
        return "holds \(seconds(Double(held) * unit.value)) of \(kind) but states \(seconds(Double(stated) * unit.value)); "
            + "the file is truncated or damaged"
    }

    private static func seconds(_ value: Double) -> String {
        let rounded = (max(0, value) * 1000).rounded() / 1000
        return "\(rounded) s"
    }
}
