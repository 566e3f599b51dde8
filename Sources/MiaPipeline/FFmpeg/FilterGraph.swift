import CFFmpeg

/// A libavfilter graph with one output and one input, several (`xfade`, `acrossfade`: labelled
/// `[in0][in1]` in the description) or none (a generator such as `anullsrc`). Scaling, padding,
/// frame-rate conversion, resampling and transitions are FFmpeg's own filters, described the way
/// the ffmpeg CLI's `-vf`/`-af`/`-filter_complex` are. Freed with `avfilter_graph_free`.
final class FilterGraph {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private let sources: [UnsafeMutablePointer<AVFilterContext>]
    private let sink: UnsafeMutablePointer<AVFilterContext>
    let description: String

    /// What the graph's input receives.
    enum Input {
        case video(width: Int, height: Int, pixelFormat: Int32, timeBase: Rational, sampleAspectRatio: Rational,
                   frameRate: Rational? = nil)
        case audio(sampleRate: Int, sampleFormat: Int32, channelLayout: String, timeBase: Rational)
        /// No input: the description starts with a source filter.
        case generated(isVideo: Bool)

        var isVideo: Bool {
            switch self {
            case .video: return true
            case .audio: return false
            case .generated(let isVideo): return isVideo
            }
        }
    }

    /// A graph with one input (or none, for `.generated`), its open end unlabelled.
    /// - Parameters:
    ///   - description: the filter chain, e.g. `scale=1280:720,fps=30`.
    ///   - threads: worker threads for slice-threaded filters (1 when clips run in parallel).
    convenience init(input: Input, description: String, threads: Int = 0) throws {
        if case .generated = input {
            try self.init(inputs: [], isVideo: input.isVideo, description: description, threads: threads)
        } else {
            try self.init(inputs: [input], isVideo: input.isVideo, description: description, threads: threads)
        }
    }

    /// A graph with several inputs, labelled `in0`, `in1`, … in `description`.
    init(inputs: [Input], isVideo: Bool, description: String, threads: Int = 0) throws {
        FFmpegLogging.configured
        self.description = description
        guard let graph = avfilter_graph_alloc() else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avfilter_graph_alloc", path: nil)
        }
        self.graph = graph
        graph.pointee.nb_threads = Int32(threads)

        var sources: [UnsafeMutablePointer<AVFilterContext>] = []
        for (index, input) in inputs.enumerated() {
            var context: UnsafeMutablePointer<AVFilterContext>?
            let name = inputs.count == 1 ? "in" : "in\(index)"
            switch input {
            case let .video(width, height, pixelFormat, timeBase, sar, frameRate):
                let aspect = sar.isValid ? sar : Rational(1, 1)
                var arguments = "video_size=\(width)x\(height):pix_fmt=\(pixelFormat):time_base=\(timeBase.num)/\(timeBase.den):pixel_aspect=\(aspect.num)/\(aspect.den)"
                if let frameRate { arguments += ":frame_rate=\(frameRate.num)/\(frameRate.den)" }
                try ffCheck(avfilter_graph_create_filter(&context, avfilter_get_by_name("buffer"), name, arguments, nil, graph),
                            "avfilter_graph_create_filter (buffer)")
            case let .audio(rate, format, layout, timeBase):
                let arguments = "time_base=\(timeBase.num)/\(timeBase.den):sample_rate=\(rate):sample_fmt=\(format):channel_layout=\(layout)"
                try ffCheck(avfilter_graph_create_filter(&context, avfilter_get_by_name("abuffer"), name, arguments, nil, graph),
                            "avfilter_graph_create_filter (abuffer)")
            case .generated:
                continue
            }
            sources.append(context!)
        }
        self.sources = sources

        var sinkContext: UnsafeMutablePointer<AVFilterContext>?
        try ffCheck(avfilter_graph_create_filter(&sinkContext, avfilter_get_by_name(isVideo ? "buffersink" : "abuffersink"),
                                                 "out", nil, nil, graph), "avfilter_graph_create_filter (buffersink)")
        sink = sinkContext!

        // The description's open ends: its inputs are our sources (if any), its output our sink.
        var outputs: UnsafeMutablePointer<AVFilterInOut>?
        for (index, source) in sources.enumerated().reversed() {
            let end = avfilter_inout_alloc()
            end?.pointee.name = av_strdup(sources.count == 1 ? "in" : "in\(index)")
            end?.pointee.filter_ctx = source
            end?.pointee.next = outputs
            outputs = end
        }
        var inputs = avfilter_inout_alloc()
        inputs?.pointee.name = av_strdup("out")
        inputs?.pointee.filter_ctx = sinkContext
        defer {
            avfilter_inout_free(&inputs)
            avfilter_inout_free(&outputs)
        }
        try ffCheck(avfilter_graph_parse_ptr(graph, description, &inputs, &outputs, nil),
                    "avfilter_graph_parse_ptr (\(description))")
        try ffCheck(avfilter_graph_config(graph, nil), "avfilter_graph_config (\(description))")
    }

    deinit { avfilter_graph_free(&graph) }

    /// Hands a frame to input `input` (the graph takes its own reference), or nil at its end.
    func push(_ frame: Frame?, to input: Int = 0) throws {
        guard input < sources.count else { return }
        try ffCheck(av_buffersrc_add_frame_flags(sources[input], frame?.pointer, Int32(AV_BUFFERSRC_FLAG_KEEP_REF)),
                    "av_buffersrc_add_frame_flags (\(description))")
    }

    /// Takes the next filtered frame, if one is ready.
    func pull(into frame: Frame) throws -> CodecStep<Void> {
        frame.unref()
        let result = av_buffersink_get_frame(sink, frame.pointer)
        if result == mia_averror_eagain() { return .needsInput }
        if result == mia_averror_eof() { return .endOfStream }
        try ffCheck(result, "av_buffersink_get_frame (\(description))")
        return .value(())
    }
}
