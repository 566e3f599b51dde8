import CFFmpeg

/// A libavcodec encoder. Freed with `avcodec_free_context`.
final class Encoder {
    let context: UnsafeMutablePointer<AVCodecContext>
    let name: String

    /// - Parameters:
    ///   - name: the encoder ("libx264", "aac").
    ///   - globalHeader: put codec setup (SPS/PPS, AudioSpecificConfig) in extradata, as mp4 needs.
    ///   - configure: sets size, rates, formats and time base before opening.
    ///   - options: encoder private options ("preset", "x264-params", ...).
    /// - Throws: `FFmpegError` when this FFmpeg lacks the encoder or rejects the settings.
    init(name: String, globalHeader: Bool, options: [String: String] = [:],
         configure: (UnsafeMutablePointer<AVCodecContext>) -> Void) throws {
        FFmpegLogging.configured
        self.name = name
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw FFmpegError(code: mia_averror_einval(), function: "avcodec_find_encoder_by_name (\(name))", path: nil)
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avcodec_alloc_context3", path: nil)
        }
        self.context = context
        configure(context)
        if globalHeader { context.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
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

    var timeBase: Rational { context.pointee.time_base.rational }
    /// Samples per audio frame the encoder takes (1024 for AAC).
    var frameSize: Int { Int(context.pointee.frame_size) }

    /// The codec setup bytes (for H.264 from libx264: Annex B SPS and PPS).
    var extradata: [UInt8] {
        guard let bytes = context.pointee.extradata else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(context.pointee.extradata_size)))
    }

    /// Sends a frame, or nil to flush.
    func send(_ frame: Frame?) throws {
        try ffCheck(avcodec_send_frame(context, frame?.pointer), "avcodec_send_frame (\(name))")
    }

    /// Takes the next encoded packet, if one is ready.
    func receive(into packet: Packet) throws -> CodecStep<Void> {
        packet.unref()
        let result = avcodec_receive_packet(context, packet.pointer)
        if result == mia_averror_eagain() { return .needsInput }
        if result == mia_averror_eof() { return .endOfStream }
        try ffCheck(result, "avcodec_receive_packet (\(name))")
        return .value(())
    }
}

extension Frame {
    /// A frame with its own buffers for `width`x`height` yuv420p video.
    static func video(width: Int, height: Int) throws -> Frame {
        let frame = Frame()
        frame.pointer.pointee.width = Int32(width)
        frame.pointer.pointee.height = Int32(height)
        frame.pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        try ffCheck(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
        return frame
    }

    /// A frame with its own buffers for `samples` planar-float samples (AAC's input format).
    static func audio(samples: Int, rate: Int, channels: Int) throws -> Frame {
        let frame = Frame()
        frame.pointer.pointee.nb_samples = Int32(samples)
        frame.pointer.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        frame.pointer.pointee.sample_rate = Int32(rate)
        av_channel_layout_default(&frame.pointer.pointee.ch_layout, Int32(channels))
        try ffCheck(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
        return frame
    }

    /// A frame of `samples` silent planar-float samples.
    static func silence(samples: Int, rate: Int, channels: Int) throws -> Frame {
        let frame = try audio(samples: samples, rate: rate, channels: channels)
        try ffCheck(av_samples_set_silence(frame.pointer.pointee.extended_data, 0, Int32(samples), Int32(channels),
                                           AV_SAMPLE_FMT_FLTP), "av_samples_set_silence")
        return frame
    }

    var pts: Int64 {
        get { pointer.pointee.pts }
        set { pointer.pointee.pts = newValue }
    }

    /// Asks the encoder to start a new IDR picture here.
    func forceKeyframe(_ force: Bool) {
        pointer.pointee.pict_type = force ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
    }
}
