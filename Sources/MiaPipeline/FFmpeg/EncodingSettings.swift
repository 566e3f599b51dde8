import CFFmpeg

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
        return try Encoder(name: "libx264", globalHeader: true,
                           options: ["preset": preset, "crf": String(crf), "profile": "high",
                                     "x264-params": params, "forced-idr": "1", "threads": String(threads)]) { c in
            c.pointee.width = Int32(width)
            c.pointee.height = Int32(height)
            c.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            c.pointee.time_base = Rational(fps.den, fps.num).av
            c.pointee.framerate = fps.av
            c.pointee.gop_size = Int32(interval)
            c.pointee.max_b_frames = 0
            c.pointee.colorspace = AVCOL_SPC_BT709
            c.pointee.color_primaries = AVCOL_PRI_BT709
            c.pointee.color_trc = AVCOL_TRC_BT709
            c.pointee.color_range = AVCOL_RANGE_MPEG
        }
    }

    /// The SPS/PPS these settings give at a size and rate: a clip whose extradata equals this
    /// joins by copy with clips we encode.
    func videoExtradata(width: Int, height: Int, fps: Rational) throws -> [UInt8] {
        try videoEncoder(width: width, height: height, fps: fps, threads: 1).extradata
    }

    /// AAC (FFmpeg's encoder), planar float input.
    func audioEncoder(sampleRate: Int, channels: Int) throws -> Encoder {
        try Encoder(name: "aac", globalHeader: true) { c in
            c.pointee.sample_rate = Int32(sampleRate)
            av_channel_layout_default(&c.pointee.ch_layout, Int32(channels))
            c.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
            c.pointee.bit_rate = Int64(audioBitRate)
            c.pointee.time_base = Rational(1, sampleRate).av
        }
    }
}
