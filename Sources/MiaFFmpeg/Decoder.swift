internal import CFFmpeg

/// A libavcodec decoder for one stream. Freed with `avcodec_free_context`.
package final class Decoder {
    let context: UnsafeMutablePointer<AVCodecContext>
    package let path: String

    /// - Parameters:
    ///   - threads: decoding threads; 0 picks one per core.
    ///   - deterministic: slice threads only, never frame threads. With frame threads, whether a
    ///     damaged frame is flagged depends on thread timing; a verdict must not.
    /// - Throws: `FFmpegError` when this FFmpeg has no decoder for the codec or cannot open it.
    package init(input: InputContainer, stream index: Int, threads: Int = 0, deterministic: Bool = false) throws {
        path = input.path
        let stream = input.stream(index)
        guard let parameters = stream.pointee.codecpar else {
            throw FFmpegError(code: mia_averror_invaliddata(), function: "stream \(index) has no codec parameters", path: path)
        }
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            throw FFmpegError(code: mia_averror_invaliddata(),
                              function: "avcodec_find_decoder (\(String(cString: avcodec_get_name(parameters.pointee.codec_id))))",
                              path: path)
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avcodec_alloc_context3", path: path)
        }
        self.context = context
        try ffCheck(avcodec_parameters_to_context(context, parameters), "avcodec_parameters_to_context", path: path)
        context.pointee.pkt_timebase = stream.pointee.time_base
        context.pointee.thread_count = Int32(threads)
        if deterministic { context.pointee.thread_type = FF_THREAD_SLICE }
        try ffCheck(avcodec_open2(context, codec, nil), "avcodec_open2", path: path)
    }

    /// A decoder for what `encoder` makes: its packets decoded back, to hear what was written.
    /// - Throws: `FFmpegError` when this FFmpeg has no decoder for the encoder's codec or cannot open it.
    package init(decoding encoder: Encoder) throws {
        path = encoder.name
        guard let codec = avcodec_find_decoder(encoder.context.pointee.codec_id) else {
            throw FFmpegError(code: mia_averror_invaliddata(), function: "avcodec_find_decoder (\(encoder.name))", path: nil)
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avcodec_alloc_context3", path: nil)
        }
        self.context = context
        var parameters = avcodec_parameters_alloc()
        defer { avcodec_parameters_free(&parameters) }
        try ffCheck(avcodec_parameters_from_context(parameters, encoder.context), "avcodec_parameters_from_context", path: nil)
        try ffCheck(avcodec_parameters_to_context(context, parameters), "avcodec_parameters_to_context", path: nil)
        context.pointee.pkt_timebase = encoder.context.pointee.time_base
        context.pointee.thread_count = 1
        try ffCheck(avcodec_open2(context, codec, nil), "avcodec_open2", path: nil)
    }

    deinit {
        var toFree: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&toFree)
    }

    /// Sends a packet, or nil to start draining at the end of the stream.
    /// - Throws: `FFmpegError` when the decoder rejects the packet (damaged data).
    package func send(_ packet: Packet?) throws {
        try ffCheck(avcodec_send_packet(context, packet?.pointer), "avcodec_send_packet", path: path)
    }

    /// Takes the next decoded frame, if one is ready.
    /// - Throws: `FFmpegError` for a decoding error.
    package func receive(into frame: Frame) throws -> CodecStep<Void> {
        frame.unref()
        let result = avcodec_receive_frame(context, frame.pointer)
        if result == mia_averror_eagain() { return .needsInput }
        if result == mia_averror_eof() { return .endOfStream }
        try ffCheck(result, "avcodec_receive_frame", path: path)
        return .value(())
    }
}

extension Decoder {
    /// What an audio decoder puts out: the input a filter graph needs to take its frames.
    package func audioInput(timeBase: Rational) -> FilterGraph.Input {
        var layout = context.pointee.ch_layout
        // Some files state only a channel count; the default layout for it is what players assume.
        if layout.order == AV_CHANNEL_ORDER_UNSPEC {
            av_channel_layout_default(&layout, layout.nb_channels)
        }
        var description = [CChar](repeating: 0, count: 128)
        av_channel_layout_describe(&layout, &description, description.count)
        return .audio(sampleRate: Int(context.pointee.sample_rate), sampleFormat: SampleFormat(raw: context.pointee.sample_fmt.rawValue),
                      channelLayout: String(filledBuffer: description), timeBase: timeBase)
    }
}
