import Foundation
import MiaFFmpeg

/// What one media file holds: the container and each stream's parameters.
/// A plain value, produced by `MediaProbe` and consumed by probe, verify and the stitch pre-flight.
public struct ClipInfo: Sendable, Codable, Equatable {
    public var path: String
    public var container: String
    /// Seconds, as the container states it.
    public var duration: Double?
    public var sizeBytes: Int64
    public var bitRate: Int64?
    public var streams: [StreamInfo]
    /// Where the indexed media data ends, for containers that index every sample (mp4/mov);
    /// nil for others. Past the file size means the file is truncated.
    public var indexedDataEnd: Int64?

    /// The main video stream, as FFmpeg's `av_find_best_stream` picks it.
    public var video: StreamInfo? { streams.first { $0.index == videoIndex } }
    public var audio: StreamInfo? { streams.first { $0.index == audioIndex } }
    public var videoIndex: Int?
    public var audioIndex: Int?

    public var truncation: String? {
        guard let end = indexedDataEnd, end > sizeBytes else { return nil }
        return "truncated: its index points to byte \(end) but the file has \(sizeBytes) bytes"
    }
}

public enum StreamKind: String, Sendable, Codable {
    case video, audio, subtitle, data, attachment, unknown
}

/// One stream's parameters. Fields that do not apply to the stream's kind are nil.
public struct StreamInfo: Sendable, Codable, Equatable {
    public var index: Int
    public var kind: StreamKind
    public var codec: String
    public var profile: String?
    public var timeBase: Rational
    /// Length in `timeBase` units, when the container states it.
    public var durationTimestamp: Int64?
    /// First presentation timestamp in `timeBase` units (after any edit list).
    public var startTimestamp: Int64?
    public var frameCount: Int?
    public var bitRate: Int64?
    /// Codec-private setup bytes (H.264 SPS/PPS, AAC AudioSpecificConfig); equal bytes mean
    /// a decoder set up for one clip decodes the others.
    public var extradata: Data

    // Video
    public var width: Int?
    public var height: Int?
    public var pixelFormat: String?
    public var frameRate: Rational?
    public var sampleAspectRatio: Rational?
    public var fieldOrder: String?
    /// The stream holds B-frames (decode order differs from presentation order).
    public var hasBFrames: Bool?

    // Audio
    public var sampleRate: Int?
    public var channels: Int?
    public var channelLayout: String?
    /// Samples per coded frame (1024 for AAC); 0 when it varies.
    public var frameSize: Int?

    // What the file holds, where its container indexes every sample (mp4/mov)
    /// Samples in the index: what a demuxer will read, whatever the header's counts say.
    public var indexedFrames: Int?
    /// The indexed samples' length in `timeBase` units.
    public var indexedDurationTimestamp: Int64?

    /// Seconds from the stream's start to its end, when known.
    public var duration: Double? { durationTimestamp.map { Double($0) * timeBase.value } }
    /// First presentation time in seconds.
    public var startTime: Double? { startTimestamp.map { Double($0) * timeBase.value } }

    /// One coded frame's length in `timeBase` units: a video frame at its rate, an audio frame of
    /// `frameSize` samples (AAC's 1024 when unknown); 1 when neither is known.
    var frameTicks: Int64 {
        switch kind {
        case .video:
            guard let rate = frameRate, rate.num > 0, rate.den > 0 else { return 1 }
            return max(1, Rational(rate.den, rate.num).rescale(1, to: timeBase))
        case .audio:
            guard let rate = sampleRate, rate > 0 else { return 1 }
            let samples = (frameSize ?? 0) > 0 ? frameSize! : 1024
            return max(1, Rational(1, rate).rescale(Int64(samples), to: timeBase))
        default:
            return 1
        }
    }
}

extension StreamInfo {
    /// Set to `true` in an encoder's `userInfo` to leave out the codec-private bytes, which are a wall of
    /// base64 to a person (`probe --json` shows them only with `--show-extradata`, as ffprobe does).
    public static let omitExtradata = CodingUserInfoKey(rawValue: "mia.omitExtradata")!

    // Written out only to make `extradata` optional in output; the keys are the synthesized ones, so
    // decoding (synthesized) reads what this writes.
    public func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(kind, forKey: .kind)
        try c.encode(codec, forKey: .codec)
        try c.encodeIfPresent(profile, forKey: .profile)
        try c.encode(timeBase, forKey: .timeBase)
        try c.encodeIfPresent(durationTimestamp, forKey: .durationTimestamp)
        try c.encodeIfPresent(startTimestamp, forKey: .startTimestamp)
        try c.encodeIfPresent(frameCount, forKey: .frameCount)
        try c.encodeIfPresent(bitRate, forKey: .bitRate)
        if encoder.userInfo[Self.omitExtradata] as? Bool != true { try c.encode(extradata, forKey: .extradata) }
        try c.encodeIfPresent(width, forKey: .width)
        try c.encodeIfPresent(height, forKey: .height)
        try c.encodeIfPresent(pixelFormat, forKey: .pixelFormat)
        try c.encodeIfPresent(frameRate, forKey: .frameRate)
        try c.encodeIfPresent(sampleAspectRatio, forKey: .sampleAspectRatio)
        try c.encodeIfPresent(fieldOrder, forKey: .fieldOrder)
        try c.encodeIfPresent(hasBFrames, forKey: .hasBFrames)
        try c.encodeIfPresent(sampleRate, forKey: .sampleRate)
        try c.encodeIfPresent(channels, forKey: .channels)
        try c.encodeIfPresent(channelLayout, forKey: .channelLayout)
        try c.encodeIfPresent(frameSize, forKey: .frameSize)
        try c.encodeIfPresent(indexedFrames, forKey: .indexedFrames)
        try c.encodeIfPresent(indexedDurationTimestamp, forKey: .indexedDurationTimestamp)
    }
}
