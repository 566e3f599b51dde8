import Foundation

/// Decides a normalizing stitch: the target format and which clips' video may be copied as is.
enum NormalizePlanner {
    /// `--size`/`--fps` when given, else the most common size and rate among the clips (clip order
    /// breaks ties). Audio: the most common sample rate, stereo unless every clip is mono; none
    /// when no clip has audio.
    static func target(for clips: [ClipInfo], options: StitchOptions) -> NormalizeTarget {
        // Even sizes only: yuv420p halves the colour planes.
        let sizes = clips.compactMap { clip -> PixelSize? in
            guard let width = clip.video?.width, let height = clip.video?.height, width >= 2, height >= 2 else { return nil }
            return PixelSize(width: width / 2 * 2, height: height / 2 * 2)
        }
        let size = options.size ?? mostCommon(sizes) ?? PixelSize(width: 1920, height: 1080)
        let rates = clips.compactMap { $0.video?.frameRate }.filter { $0.isValid && $0.value > 0 && $0.value <= 240 }
            .map { reduced($0) }
        let fps = options.fps ?? mostCommon(rates) ?? Rational(30, 1)
        let audioStreams = clips.compactMap(\.audio)
        let audio = audioStreams.isEmpty ? nil : NormalizeTarget.Audio(
            sampleRate: mostCommon(audioStreams.compactMap(\.sampleRate)) ?? 48_000,
            channels: audioStreams.allSatisfy { $0.channels == 1 } ? 1 : 2)
        return NormalizeTarget(width: size.width, height: size.height, fps: fps, fit: options.fit, audio: audio)
    }

    /// Which clips' video can be copied into a normalized output: H.264 already at the target's
    /// size, rate and pixel format, progressive, square pixels, in an indexed container, and with
    /// the very SPS/PPS our encoder gives at the target (measured: `givesParameterSets`), so the
    /// re-encoded clips decode with them too. `NormalizingStitch` checks the segments it makes
    /// against them again before joining.
    static func copyableVideo(_ clips: [ClipInfo], target: NormalizeTarget, mode: NormalizeMode,
                              settings: EncodingSettings) throws -> [Bool] {
        guard mode != .always else { return clips.map { _ in false } }
        var verdicts: [Data: Bool] = [:]
        return try clips.map { clip in
            // Only indexed containers (mp4/mov): their packets carry every timestamp a copy needs.
            guard clip.indexedDataEnd != nil, let video = clip.video, video.codec == "h264",
                  video.width == target.width, video.height == target.height,
                  let rate = video.frameRate, rate.sameValue(as: target.fps),
                  video.pixelFormat == nil || video.pixelFormat == "yuv420p",
                  video.fieldOrder == nil || video.fieldOrder == "progressive" || video.fieldOrder == "unknown",
                  video.sampleAspectRatio.map({ !$0.isValid || $0.sameValue(as: Rational(1, 1)) }) ?? true,
                  !video.extradata.isEmpty else { return false }
            if let known = verdicts[video.extradata] { return known }
            let verdict = try settings.givesParameterSets(of: video.extradata, width: target.width, height: target.height,
                                                          fps: target.fps)
            verdicts[video.extradata] = verdict
            return verdict
        }
    }

    /// Why the clips need re-encoding, for `[MIA:STITCH:START] reason=`; nil when a stream copy
    /// gives what was asked.
    /// - Parameters:
    ///   - mismatches: what rules out a copy (`StitchCompatibility`), in clip order.
    ///   - containerRefusal: a codec of the clips the output container cannot hold, said for a message.
    ///   - unfitted: clips whose video does not last their target length (`lengthMismatches`).
    static func reasonToNormalize(mode: NormalizeMode, mismatches: [StitchMismatch], containerRefusal: String? = nil,
                                  unfitted: [LengthMismatch] = [], clips: [ClipInfo], options: StitchOptions) -> String? {
        if mode == .always { return "--normalize always" }
        if options.burnedCaptions != nil { return "captions are burned into the picture" }
        if let seconds = options.crossfade { return "a \(seconds) s crossfade re-encodes every clip" }
        if let first = mismatches.first { return first.description }
        if let containerRefusal, let first = clips.first { return "clip 1 (\(first.path)): \(containerRefusal)" }
        if let first = unfitted.first { return first.description }
        guard let video = clips.first?.video else { return nil }
        if let size = options.size, video.width != size.width || video.height != size.height {
            return "--size \(size) differs from the clips' \(video.size ?? "unknown size")"
        }
        if let fps = options.fps, !(video.frameRate.map { $0.sameValue(as: fps) } ?? false) {
            return "--fps \(fps) differs from the clips' \(video.frameRate?.description ?? "unknown") fps"
        }
        return nil
    }

    /// The clips whose video does not already last its target length (`StitchOptions.clipLengths`)
    /// within half a frame: only re-encoding can cut or hold them, so none of them is copied.
    static func lengthMismatches(_ clips: [ClipInfo], options: StitchOptions) -> [LengthMismatch] {
        guard let lengths = options.clipLengths else { return [] }
        return zip(clips.indices, lengths).compactMap { index, target in
            let clip = clips[index]
            let seconds = NormalizingStitch.videoSeconds(clip)
            let halfFrame = clip.video.map { Double($0.frameTicks) * $0.timeBase.value / 2 } ?? 0
            guard abs(seconds - target) > halfFrame else { return nil }
            return LengthMismatch(clipNumber: index + 1, file: clip.path, seconds: seconds, target: target)
        }
    }

    private static func mostCommon<T: Hashable>(_ values: [T]) -> T? {
        var counts: [T: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        let best = counts.values.max()
        return values.first { counts[$0] == best }
    }

    private static func reduced(_ rate: Rational) -> Rational {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? abs(a) : gcd(b, a % b) }
        let divisor = max(1, gcd(rate.num, rate.den))
        return Rational(rate.num / divisor, rate.den / divisor)
    }
}

/// A clip whose video lasts other than its target length (`StitchOptions.clipLengths`).
struct LengthMismatch: Equatable, CustomStringConvertible {
    /// 1-based position of the clip in the stitch order.
    let clipNumber: Int
    let file: String
    /// The clip's video length.
    let seconds: Double
    /// How long it is to last in the output.
    let target: Double

    /// A longer clip is cut at its end, a shorter one held on its last frame.
    var fit: ClipFit { seconds > target ? .trim : .hold }

    /// "its video is 4.000 s, its scene 2.500 s (trim)"
    var problem: String { String(format: "its video is %.3f s, its scene %.3f s (%@)", seconds, target, fit.rawValue) }

    var description: String { "clip \(clipNumber) (\(file)): \(problem)" }
}
