internal import CFFmpeg

/// A file being written by a libavformat muxer. Torn down as remux.c does:
/// `avio_closep` on the file, then `avformat_free_context` (which also frees chapters).
package final class OutputContainer {
    package let path: String
    let context: UnsafeMutablePointer<AVFormatContext>

    /// - Parameters:
    ///   - path: the file to create.
    ///   - formatName: libavformat's muxer name ("mp4", "mov", "matroska").
    package init(path: String, formatName: String) throws {
        FFmpegLogging.configured
        self.path = path
        var allocated: UnsafeMutablePointer<AVFormatContext>?
        try ffCheck(avformat_alloc_output_context2(&allocated, nil, formatName, path),
                    "avformat_alloc_output_context2", path: path)
        guard let allocated else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avformat_alloc_output_context2", path: path)
        }
        context = allocated
    }

    deinit {
        if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0, context.pointee.pb != nil {
            avio_closep(&context.pointee.pb)
        }
        avformat_free_context(context)
    }

    /// The muxer refuses a codec (`avformat_query_codec`), before any stream or header is written.
    package struct CodecRefused: Error, CustomStringConvertible {
        package let codec: String
        package let muxer: String
        package var description: String { "the \(muxer) container cannot hold \(codec)" }
    }

    /// libavformat's muxer name ("mp4").
    package var muxerName: String { String(cString: context.pointee.oformat.pointee.name) }

    /// Whether this muxer can hold `codec` (libavcodec's name).
    package func canHold(codec: String) -> Bool { Self.muxer(muxerName, canHold: codec) }

    /// Whether libavformat's muxer `muxer` ("mp4", "matroska") can hold `codec`: false only when the
    /// muxer says it cannot (`avformat_query_codec`); one that keeps no list is given the benefit of the doubt.
    package static func muxer(_ muxer: String, canHold codec: String) -> Bool {
        guard let format = av_guess_format(muxer, nil, nil) else { return false }
        guard let descriptor = avcodec_descriptor_get_by_name(codec) else { return false }
        return avformat_query_codec(format, descriptor.pointee.id, FF_COMPLIANCE_NORMAL) != 0
    }

    /// Adds a stream whose packets are copied as they are (no encoder), with the codec parameters
    /// of `input`'s stream `inputStream`.
    /// - Returns: the new stream's index.
    /// - Throws: `CodecRefused` when this container cannot hold the stream's codec.
    package func addCopiedStream(from input: InputContainer, stream inputStream: Int, timeBase: Rational) throws -> Int {
        guard let parameters = input.stream(inputStream).pointee.codecpar else {
            throw FFmpegError(code: mia_averror_invaliddata(), function: "stream \(inputStream) has no codec parameters", path: input.path)
        }
        let codec = String(cString: avcodec_get_name(parameters.pointee.codec_id))
        guard canHold(codec: codec) else { throw CodecRefused(codec: codec, muxer: muxerName) }
        guard let stream = avformat_new_stream(context, nil) else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avformat_new_stream", path: path)
        }
        try ffCheck(avcodec_parameters_copy(stream.pointee.codecpar, parameters), "avcodec_parameters_copy", path: path)
        // The input's codec tag may not be valid in the output container; let the muxer choose.
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = timeBase.av
        return Int(stream.pointee.index)
    }

    /// Adds a stream for what `encoder` produces.
    /// - Returns: the new stream's index.
    /// - Throws: `CodecRefused` when this container cannot hold the encoder's codec.
    package func addEncodedStream(from encoder: Encoder) throws -> Int {
        try addEncodedStream(codecContext: encoder.context)
    }

    /// Adds a subtitle stream for what `encoder` produces, tagged with its language.
    /// - Parameter language: ISO 639-2 (`eng`), the stream's `language` metadata.
    /// - Returns: the new stream's index.
    /// - Throws: `CodecRefused` when this container cannot hold the encoder's codec.
    package func addEncodedStream(from encoder: SubtitleEncoder, language: String) throws -> Int {
        let index = try addEncodedStream(codecContext: encoder.context)
        try ffCheck(av_dict_set(&context.pointee.streams[index]!.pointee.metadata, "language", language, 0), "av_dict_set", path: path)
        return index
    }

    private func addEncodedStream(codecContext: UnsafeMutablePointer<AVCodecContext>) throws -> Int {
        let codec = String(cString: avcodec_get_name(codecContext.pointee.codec_id))
        guard canHold(codec: codec) else { throw CodecRefused(codec: codec, muxer: muxerName) }
        guard let stream = avformat_new_stream(context, nil) else {
            throw FFmpegError(code: mia_averror_enomem(), function: "avformat_new_stream", path: path)
        }
        try ffCheck(avcodec_parameters_from_context(stream.pointee.codecpar, codecContext),
                    "avcodec_parameters_from_context", path: path)
        stream.pointee.time_base = codecContext.pointee.time_base
        return Int(stream.pointee.index)
    }

    /// Copies `input`'s metadata tags (title, comment, encoder, …): the container's, and stream
    /// `inputStream`'s onto stream `outputStream` when both are given. Call before `writeHeader`.
    package func copyMetadata(from input: InputContainer, stream inputStream: Int? = nil, to outputStream: Int? = nil) throws {
        if let inputStream, let outputStream {
            try ffCheck(av_dict_copy(&context.pointee.streams[outputStream]!.pointee.metadata,
                                     input.stream(inputStream).pointee.metadata, 0), "av_dict_copy", path: path)
        } else {
            try ffCheck(av_dict_copy(&context.pointee.metadata, input.context.pointee.metadata, 0), "av_dict_copy", path: path)
        }
    }

    /// The time base the muxer settled on for a stream (valid after `writeHeader`).
    package func timeBase(ofStream index: Int) -> Rational {
        context.pointee.streams[index]!.pointee.time_base.rational
    }

    /// Replaces the chapter list. Times are in `timeBase` units.
    /// Call before `writeHeader`: muxers (Matroska, mp4's chapter track) take chapters from there.
    package func setChapters(_ chapters: [(title: String, start: Int64, end: Int64)], timeBase: Rational) throws {
        freeChapters()
        guard !chapters.isEmpty else { return }
        let array = av_calloc(chapters.count, MemoryLayout<UnsafeMutablePointer<AVChapter>?>.stride)
        guard let array else { throw FFmpegError(code: mia_averror_enomem(), function: "av_calloc", path: path) }
        let slots = array.bindMemory(to: UnsafeMutablePointer<AVChapter>?.self, capacity: chapters.count)
        context.pointee.chapters = slots
        for (i, chapter) in chapters.enumerated() {
            guard let raw = av_mallocz(MemoryLayout<AVChapter>.size) else {
                throw FFmpegError(code: mia_averror_enomem(), function: "av_mallocz", path: path)
            }
            let item = raw.bindMemory(to: AVChapter.self, capacity: 1)
            item.pointee.id = Int64(i + 1)
            item.pointee.time_base = timeBase.av
            item.pointee.start = chapter.start
            item.pointee.end = chapter.end
            av_dict_set(&item.pointee.metadata, "title", chapter.title, 0)
            slots[i] = item
            // Counted as we go, so avformat_free_context frees exactly what was allocated.
            context.pointee.nb_chapters = UInt32(i + 1)
        }
    }

    private func freeChapters() {
        for i in 0..<Int(context.pointee.nb_chapters) {
            av_dict_free(&context.pointee.chapters[i]!.pointee.metadata)
            av_free(context.pointee.chapters[i])
        }
        av_freep(&context.pointee.chapters)
        context.pointee.nb_chapters = 0
    }

    /// Opens the file and writes the container header.
    /// - Parameter options: muxer options such as `movflags`; any the muxer does not take is an error.
    package func writeHeader(options: [String: String]) throws {
        if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            try ffCheck(avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE), "avio_open", path: path)
        }
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        try ffCheck(avformat_write_header(context, &dictionary), "avformat_write_header", path: path)
        if let unused = av_dict_get(dictionary, "", nil, AV_DICT_IGNORE_SUFFIX) {
            throw FFmpegError(code: mia_averror_einval(),
                              function: "avformat_write_header (unknown option \(String(cString: unused.pointee.key)))",
                              path: path)
        }
    }

    /// Hands a packet to the interleaving muxer, which takes its data (the packet is left blank).
    package func write(_ packet: Packet) throws {
        try ffCheck(av_interleaved_write_frame(context, packet.pointer), "av_interleaved_write_frame", path: path)
    }

    /// Flushes interleaving queues and writes the trailer (mp4/mov: the index).
    package func finish() throws {
        try ffCheck(av_write_trailer(context), "av_write_trailer", path: path)
        if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0, context.pointee.pb != nil {
            try ffCheck(avio_closep(&context.pointee.pb), "avio_closep", path: path)
        }
    }
}
