internal import CFFmpeg

/// A libavcodec encoder. Freed with `avcodec_free_context`.
package final class Encoder {
    let context: UnsafeMutablePointer<AVCodecContext>
    package let name: String

    /// What to encode: the codec's input and the stream it makes. Video is always yuv420p, audio
    /// planar float and pictures RGBA, the formats `Frame.video`, `Frame.audio` and `Frame.picture` allocate.
    package struct Configuration: Sendable {
        package enum Media: Sendable {
            /// BT.709, limited range, constant frame rate; time base one tick per frame.
            case video(width: Int, height: Int, frameRate: Rational, keyframeInterval: Int, bFrames: Int)
            /// Time base one tick per sample.
            case audio(sampleRate: Int, channels: Int, bitRate: Int)
            /// One RGBA picture (a PNG), from `Frame.picture`.
            case picture(width: Int, height: Int)
        }

        /// The encoder ("libx264", "aac").
        package var name: String
        package var media: Media
        /// Codec setup (SPS/PPS, AudioSpecificConfig) in extradata rather than in-band, as mp4 needs.
        package var globalHeader = true
        /// Encoder private options ("preset", "x264-params", …); one the encoder does not take is an error.
        package var options: [String: String] = [:]

        package init(name: String, media: Media, globalHeader: Bool = true, options: [String: String] = [:]) {
            self.name = name
            self.media = media
            self.globalHeader = globalHeader
            self.options = options
        }
    }

    /// - Throws: `FFmpegError` when this FFmpeg lacks the encoder or rejects the settings.
    package init(_ configuration: Configuration) throws {
        FFmpegLogging.configured
        let name = configuration.name
        self.name = name
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw FFmpegError(code: mia_averror_einval(), function: "avcodec_find_encoder_by_name (\(name))", path: nil)
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avcodec_alloc_context3", path: nil)
        }
        self.context = context
        switch configuration.media {
        case let .video(width, height, frameRate, keyframeInterval, bFrames):
            context.pointee.width = Int32(width)
            context.pointee.height = Int32(height)
            context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            context.pointee.time_base = Rational(frameRate.den, frameRate.num).av
            context.pointee.framerate = frameRate.av
            context.pointee.gop_size = Int32(keyframeInterval)
            context.pointee.max_b_frames = Int32(bFrames)
            context.pointee.colorspace = AVCOL_SPC_BT709
            context.pointee.color_primaries = AVCOL_PRI_BT709
            context.pointee.color_trc = AVCOL_TRC_BT709
            context.pointee.color_range = AVCOL_RANGE_MPEG
        case let .audio(sampleRate, channels, bitRate):
            context.pointee.sample_rate = Int32(sampleRate)
            av_channel_layout_default(&context.pointee.ch_layout, Int32(channels))
            context.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
            context.pointee.bit_rate = Int64(bitRate)
            context.pointee.time_base = Rational(1, sampleRate).av
        case let .picture(width, height):
            context.pointee.width = Int32(width)
            context.pointee.height = Int32(height)
            context.pointee.pix_fmt = AV_PIX_FMT_RGBA
            context.pointee.time_base = Rational(1, 1).av
        }
        if configuration.globalHeader { context.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in configuration.options { av_dict_set(&dictionary, key, value, 0) }
        try ffCheck(avcodec_open2(context, codec, &dictionary), "avcodec_open2 (\(name))")
        if let unused = av_dict_get(dictionary, "", nil, AV_DICT_IGNORE_SUFFIX) {
            throw FFmpegError(code: mia_averror_einval(),
                              function: "avcodec_open2 (\(name): unknown option \(String(cString: unused.pointee.key)))", path: nil)
        }
    }

    deinit {
        var toFree: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&toFree)
    }

    package var timeBase: Rational { context.pointee.time_base.rational }
    /// Samples per audio frame the encoder takes (1024 for AAC).
    package var frameSize: Int { Int(context.pointee.frame_size) }
    package var sampleRate: Int { Int(context.pointee.sample_rate) }
    package var channels: Int { Int(context.pointee.ch_layout.nb_channels) }

    /// The codec setup bytes (for H.264 from libx264: Annex B SPS and PPS).
    package var extradata: [UInt8] {
        guard let bytes = context.pointee.extradata else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(context.pointee.extradata_size)))
    }

    /// Sends a frame, or nil to flush.
    package func send(_ frame: Frame?) throws {
        try ffCheck(avcodec_send_frame(context, frame?.pointer), "avcodec_send_frame (\(name))")
    }

    /// Takes the next encoded packet, if one is ready.
    package func receive(into packet: Packet) throws -> CodecStep<Void> {
        packet.unref()
        let result = avcodec_receive_packet(context, packet.pointer)
        if result == mia_averror_eagain() { return .needsInput }
        if result == mia_averror_eof() { return .endOfStream }
        try ffCheck(result, "avcodec_receive_packet (\(name))")
        return .value(())
    }
}
