internal import CFFmpeg

/// A libavfilter graph with one output and one input, several (`xfade`, `acrossfade`: labelled
/// `[in0][in1]` in the description) or none (a generator such as `anullsrc`). Scaling, padding,
/// frame-rate conversion, resampling and transitions are FFmpeg's own filters, described the way
/// the ffmpeg CLI's `-vf`/`-af`/`-filter_complex` are. Freed with `avfilter_graph_free`.
package final class FilterGraph {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private let sources: [UnsafeMutablePointer<AVFilterContext>]
    private let sink: UnsafeMutablePointer<AVFilterContext>
    package let description: String

    /// What the graph's input receives.
    package enum Input {
        case video(width: Int, height: Int, pixelFormat: PixelFormat, timeBase: Rational, sampleAspectRatio: Rational,
                   frameRate: Rational? = nil)
        case audio(sampleRate: Int, sampleFormat: SampleFormat, channelLayout: String, timeBase: Rational)
        /// No input: the description starts with a source filter.
        case generated(isVideo: Bool)

        package var isVideo: Bool {
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
    package convenience init(input: Input, description: String, threads: Int = 0) throws {
        if case .generated = input {
            try self.init(inputs: [], isVideo: input.isVideo, description: description, threads: threads)
        } else {
            try self.init(inputs: [input], isVideo: input.isVideo, description: description, threads: threads)
        }
    }

    /// A graph with several inputs, labelled `in0`, `in1`, … in `description`.
    package init(inputs: [Input], isVideo: Bool, description: String, threads: Int = 0) throws {
        FFmpegLogging.configured
        self.description = description
        guard let graph = avfilter_graph_alloc() else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avfilter_graph_alloc", path: nil)
        }
        // Until every part is built the graph belongs to this function: any failure frees it here
        // (deinit does not run for an object that was never fully initialized).
        var built = false
        defer {
            if !built {
                var owned: UnsafeMutablePointer<AVFilterGraph>? = graph
                avfilter_graph_free(&owned)
            }
        }
        let (sources, sink) = try Self.build(graph, inputs: inputs, isVideo: isVideo, description: description, threads: threads)
        self.graph = graph
        self.sources = sources
        self.sink = sink
        built = true
    }

    /// Adds the sources and the sink to `graph`, parses `description` between them and configures it.
    private static func build(_ graph: UnsafeMutablePointer<AVFilterGraph>, inputs: [Input], isVideo: Bool,
                              description: String, threads: Int)
        throws -> (sources: [UnsafeMutablePointer<AVFilterContext>], sink: UnsafeMutablePointer<AVFilterContext>) {
        graph.pointee.nb_threads = Int32(threads)
        var sources: [UnsafeMutablePointer<AVFilterContext>] = []
        for (index, input) in inputs.enumerated() {
            var context: UnsafeMutablePointer<AVFilterContext>?
            let name = inputs.count == 1 ? "in" : "in\(index)"
            switch input {
            case let .video(width, height, pixelFormat, timeBase, sar, frameRate):
                let aspect = sar.isValid ? sar : Rational(1, 1)
                var arguments = "video_size=\(width)x\(height):pix_fmt=\(pixelFormat.raw):time_base=\(timeBase.num)/\(timeBase.den):pixel_aspect=\(aspect.num)/\(aspect.den)"
                if let frameRate { arguments += ":frame_rate=\(frameRate.num)/\(frameRate.den)" }
                try ffCheck(avfilter_graph_create_filter(&context, avfilter_get_by_name("buffer"), name, arguments, nil, graph),
                            "avfilter_graph_create_filter (buffer)")
            case let .audio(rate, format, layout, timeBase):
                let arguments = "time_base=\(timeBase.num)/\(timeBase.den):sample_rate=\(rate):sample_fmt=\(format.raw):channel_layout=\(layout)"
                try ffCheck(avfilter_graph_create_filter(&context, avfilter_get_by_name("abuffer"), name, arguments, nil, graph),
                            "avfilter_graph_create_filter (abuffer)")
            case .generated:
                continue
            }
            guard let context else {
                throw FFmpegError(code: mia_averror_enomem(), function: "avfilter_graph_create_filter", path: nil)
            }
            sources.append(context)
        }

        var sinkContext: UnsafeMutablePointer<AVFilterContext>?
        try ffCheck(avfilter_graph_create_filter(&sinkContext, avfilter_get_by_name(isVideo ? "buffersink" : "abuffersink"),
                                                 "out", nil, nil, graph), "avfilter_graph_create_filter (buffersink)")
        guard let sink = sinkContext else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avfilter_graph_create_filter (buffersink)", path: nil)
        }

        // The description's open ends: its inputs are our sources (if any), its output our sink.
        var outputs: UnsafeMutablePointer<AVFilterInOut>?
        var inputs = avfilter_inout_alloc()
        defer {
            avfilter_inout_free(&inputs)
            avfilter_inout_free(&outputs)
        }
        for (index, source) in sources.enumerated().reversed() {
            guard let end = avfilter_inout_alloc() else {
                throw FFmpegError(code: mia_averror_enomem(), function: "avfilter_inout_alloc", path: nil)
            }
            end.pointee.name = av_strdup(sources.count == 1 ? "in" : "in\(index)")
            end.pointee.filter_ctx = source
            end.pointee.next = outputs
            outputs = end
        }
        guard let sinkEnd = inputs else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avfilter_inout_alloc", path: nil)
        }
        sinkEnd.pointee.name = av_strdup("out")
        sinkEnd.pointee.filter_ctx = sink
        try ffCheck(avfilter_graph_parse_ptr(graph, description, &inputs, &outputs, nil),
                    "avfilter_graph_parse_ptr (\(description))")
        try ffCheck(avfilter_graph_config(graph, nil), "avfilter_graph_config (\(description))")
        return (sources, sink)
    }

    deinit { avfilter_graph_free(&graph) }

    /// `value` as one option value inside a graph description, whatever it holds (a file name with
    /// `:`, `'`, `,` or `[`): escaped for the option parser, then again for the graph parser, as
    /// FFmpeg's "Notes on filtergraph escaping" describe.
    package static func escapedOption(_ value: String) -> String {
        func escape(_ text: String, _ specials: Set<Character>) -> String {
            String(text.flatMap { specials.contains($0) ? ["\\", $0] : [$0] })
        }
        return escape(escape(value, ["\\", "'", ":"]), ["\\", "'", "[", "]", ",", ";"])
    }

    /// Hands a frame to input `input` (the graph takes its own reference), or nil at its end.
    package func push(_ frame: Frame?, to input: Int = 0) throws {
        guard input < sources.count else { return }
        try ffCheck(av_buffersrc_add_frame_flags(sources[input], frame?.pointer, Int32(AV_BUFFERSRC_FLAG_KEEP_REF)),
                    "av_buffersrc_add_frame_flags (\(description))")
    }

    /// Ends input `input` at `pts` (its time base): the end of its last frame. `push(nil)` ends it
    /// at the last frame's start, so a constant-rate `fps` filter drops that frame.
    package func close(at pts: Int64, to input: Int = 0) throws {
        guard input < sources.count else { return }
        try ffCheck(av_buffersrc_close(sources[input], pts, 0), "av_buffersrc_close (\(description))")
    }

    /// Takes the next filtered frame, if one is ready.
    package func pull(into frame: Frame) throws -> CodecStep<Void> {
        frame.unref()
        let result = av_buffersink_get_frame(sink, frame.pointer)
        if result == mia_averror_eagain() { return .needsInput }
        if result == mia_averror_eof() { return .endOfStream }
        try ffCheck(result, "av_buffersink_get_frame (\(description))")
        return .value(())
    }
}

/// A libavutil sample format, for describing an audio filter graph's input.
package struct SampleFormat: Equatable, Sendable {
    let raw: Int32

    /// 32-bit float, one plane per channel: what FFmpeg's AAC encoder takes.
    package static let planarFloat = SampleFormat(raw: AV_SAMPLE_FMT_FLTP.rawValue)
}
