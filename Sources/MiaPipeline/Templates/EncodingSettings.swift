import MiaFFmpeg

/// The one set of encoder settings for everything mia-stitch encodes: template cards and clips
/// re-encoded by a normalizing stitch. Equal settings give equal SPS/PPS, so clips made by either
/// join by stream copy.
public struct EncodingSettings: Sendable, Equatable {
    public var preset = "veryfast"
    public var crf = 20
    /// Seconds between keyframes (seek points).
    public var keyframeSeconds = 2.0
    public var audioSampleRate = 48_000
    public var audioChannels = 2
    public var audioBitRate = 128_000

    public init() {}

    /// Frames between keyframes at `fps`.
    func keyframeInterval(fps: Rational) -> Int {
        max(2, Int((keyframeSeconds * fps.value).rounded()))
    }

    /// libx264, yuv420p BT.709, a fixed keyframe interval and no B-frames (still stretches of
    /// cards are written as skip pictures, which needs CAVLC and picture order type 2).
    /// - Parameter threads: x264 threads; 0 picks one per core. It does not change the SPS/PPS.
    func videoEncoder(width: Int, height: Int, fps: Rational, threads: Int = 0) throws -> Encoder {
        let interval = keyframeInterval(fps: fps)
        let params = ["cabac=0", "bframes=0", "weightp=0", "scenecut=0", "sliced-threads=0",
                      "keyint=\(interval)", "min-keyint=\(interval)"].joined(separator: ":")
        return try Encoder(Encoder.Configuration(
            name: "libx264",
            media: .video(width: width, height: height, frameRate: fps, keyframeInterval: interval, bFrames: 0),
            options: ["preset": preset, "crf": String(crf), "profile": "high",
                      "x264-params": params, "forced-idr": "1", "threads": String(threads)]))
    }

    /// The SPS/PPS these settings give at a size and rate: a clip whose extradata equals this
    /// joins by copy with clips we encode.
    func videoExtradata(width: Int, height: Int, fps: Rational) throws -> [UInt8] {
        try videoEncoder(width: width, height: height, fps: fps, threads: 1).extradata
    }

    /// AAC (FFmpeg's encoder), planar float input.
    func audioEncoder(sampleRate: Int, channels: Int) throws -> Encoder {
        try Encoder(Encoder.Configuration(name: "aac", media: .audio(sampleRate: sampleRate, channels: channels, bitRate: audioBitRate)))
    }
}
