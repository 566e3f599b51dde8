internal import CFFmpeg

/// An opened media file to read from. Torn down with `avformat_close_input`, as remux.c does.
package final class InputContainer {
    package let path: String
    let context: UnsafeMutablePointer<AVFormatContext>

    /// Opens `path` and reads its stream parameters.
    /// - Parameter findStreamInfo: read (and decode) the first packets to complete every stream's
    ///   parameters. A stream copy of a clip already probed does not need it; containers that only
    ///   reveal their streams while reading (MPEG-TS) always get it.
    /// - Throws: `FFmpegError` naming the function and the file.
    package init(path: String, findStreamInfo: Bool = true) throws {
        FFmpegLogging.configured
        self.path = path
        var opened: UnsafeMutablePointer<AVFormatContext>?
        // On failure avformat_open_input frees the context itself, so there is nothing to clean up.
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        av_dict_set(&options, "fpsprobesize", "0", 0)
        try ffCheck(avformat_open_input(&opened, path, nil, &options), "avformat_open_input", path: path)
        guard let opened else { throw FFmpegError(code: mia_averror_enomem(), function: "avformat_open_input", path: path) }
        // From here on `deinit` owns the context: it runs even when the rest of init throws, so
        // nothing below may close it (doing so was a double free).
        context = opened
        let streamsFromHeader = opened.pointee.ctx_flags & AVFMTCTX_NOHEADER == 0
        if !findStreamInfo && streamsFromHeader { return }
        try ffCheck(avformat_find_stream_info(context, nil), "avformat_find_stream_info", path: path)
    }

    deinit {
        var toClose: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&toClose)
    }

    package var streamCount: Int { Int(context.pointee.nb_streams) }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> {
        context.pointee.streams[index]!
    }

    /// A stream's time base (read while the container is alive).
    package func timeBase(ofStream index: Int) -> Rational { stream(index).pointee.time_base.rational }

    /// The demuxer's short names, e.g. "mov,mp4,m4a,3gp,3g2,mj2".
    package var formatName: String { String(cString: context.pointee.iformat.pointee.name) }

    /// The demuxer indexes every sample up front (mp4, mov and relatives), so stream lengths are exact.
    package var hasSampleIndex: Bool { formatName.hasPrefix("mov,mp4") }

    /// Container duration in seconds, when the container states one.
    package var duration: Double? {
        let value = context.pointee.duration
        return value == noTimestamp || value <= 0 ? nil : Double(value) / Double(AV_TIME_BASE)
    }

    package var bitRate: Int64 { context.pointee.bit_rate }

    /// Size of the file in bytes as the I/O layer sees it.
    package var fileSize: Int64 {
        guard let pb = context.pointee.pb else { return -1 }
        return avio_size(pb)
    }

    /// The stream FFmpeg considers the main one of `kind` (`av_find_best_stream`), if any.
    package func bestStream(_ kind: MediaKind) -> Int? {
        let index = av_find_best_stream(context, kind.avType, -1, -1, nil, 0)
        return index >= 0 ? Int(index) : nil
    }

    /// Reads the next packet into `packet`.
    /// - Returns: `false` at the end of the file (a normal end, not an error).
    /// - Throws: `FFmpegError` for any read error, and for a packet the demuxer marks corrupt
    ///   (a truncated file), so damage never passes as a short, successful read.
    package func read(into packet: Packet) throws -> Bool {
        packet.unref()
        let result = av_read_frame(context, packet.pointer)
        if result == mia_averror_eof() { return false }
        try ffCheck(result, "av_read_frame", path: path)
        if packet.pointer.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 {
            throw FFmpegError(code: mia_averror_invaliddata(), function: "av_read_frame (corrupt packet)", path: path)
        }
        return true
    }

    /// What a sample index (mp4/mov: every sample, listed up front) holds for one stream.
    package struct IndexSummary: Sendable {
        /// Samples indexed: what the demuxer will read, whatever the header's counts say.
        package var entries: Int
        /// The first and the last sample's decode timestamp, in the stream's time base.
        package var firstTimestamp: Int64
        package var lastTimestamp: Int64
        /// The furthest byte any sample reaches: past the file's end means the file is truncated.
        package var dataEnd: Int64
    }

    /// The stream's sample index, read without touching media data; nil when it has none.
    package func indexSummary(ofStream streamIndex: Int) -> IndexSummary? {
        let st = stream(streamIndex)
        let count = avformat_index_get_entries_count(st)
        guard count > 0 else { return nil }
        var summary = IndexSummary(entries: Int(count), firstTimestamp: .max, lastTimestamp: .min, dataEnd: 0)
        for i in 0..<count {
            guard let entry = avformat_index_get_entry(st, i) else { continue }
            // size is a bitfield in AVIndexEntry; Swift exposes it as a property.
            summary.dataEnd = max(summary.dataEnd, entry.pointee.pos &+ Int64(entry.pointee.size))
            summary.firstTimestamp = min(summary.firstTimestamp, entry.pointee.timestamp)
            summary.lastTimestamp = max(summary.lastTimestamp, entry.pointee.timestamp)
        }
        return summary
    }
}

extension InputContainer {
    /// Reads every packet of the given streams (skipping the others' payloads) and returns where
    /// each one's shown frames start and end, in its time base. For containers without a sample
    /// index, this is the only exact length there is.
    /// - Parameter streams: stream index → the frame duration to use for packets that state none.
    /// - Returns: the span of each stream that had at least one packet.
    /// - Throws: `FFmpegError` when the file cannot be read to its end (truncated or damaged).
    package func measureSpans(of streams: [Int: Int64]) throws -> [Int: (start: Int64, end: Int64)] {
        for other in 0..<streamCount where streams[other] == nil {
            stream(other).pointee.discard = AVDISCARD_ALL
        }
        let packet = Packet()
        var spans: [Int: (start: Int64, end: Int64)] = [:]
        while try read(into: packet) {
            guard let fallback = streams[packet.streamIndex], let pts = packet.pts, !packet.isDiscarded else { continue }
            let end = pts &+ (packet.duration > 0 ? packet.duration : fallback)
            let span = spans[packet.streamIndex]
            spans[packet.streamIndex] = (min(span?.start ?? pts, pts), max(span?.end ?? end, end))
        }
        return spans
    }
}

/// What a stream carries, as libavformat classifies it.
package enum MediaKind: String, Sendable {
    case video, audio, subtitle, data, attachment, unknown

    init(_ type: AVMediaType) {
        switch type {
        case AVMEDIA_TYPE_VIDEO: self = .video
        case AVMEDIA_TYPE_AUDIO: self = .audio
        case AVMEDIA_TYPE_SUBTITLE: self = .subtitle
        case AVMEDIA_TYPE_DATA: self = .data
        case AVMEDIA_TYPE_ATTACHMENT: self = .attachment
        default: self = .unknown
        }
    }

    var avType: AVMediaType {
        switch self {
        case .video: AVMEDIA_TYPE_VIDEO
        case .audio: AVMEDIA_TYPE_AUDIO
        case .subtitle: AVMEDIA_TYPE_SUBTITLE
        case .data: AVMEDIA_TYPE_DATA
        case .attachment: AVMEDIA_TYPE_ATTACHMENT
        case .unknown: AVMEDIA_TYPE_UNKNOWN
        }
    }
}

extension InputContainer {
    /// One chapter as the container states it, in its own time base.
    package struct Chapter: Sendable {
        package var title: String
        package var start: Int64
        package var end: Int64
        package var timeBase: Rational
    }

    package var chapters: [Chapter] {
        (0..<Int(context.pointee.nb_chapters)).compactMap { index in
            guard let chapter = context.pointee.chapters[index] else { return nil }
            let title = av_dict_get(chapter.pointee.metadata, "title", nil, 0).map { String(cString: $0.pointee.value) } ?? ""
            return Chapter(title: title, start: chapter.pointee.start, end: chapter.pointee.end,
                           timeBase: chapter.pointee.time_base.rational)
        }
    }

    /// Moves to the last keyframe of `stream` at or before `seconds`, so decoding from there reaches
    /// that time with every frame it depends on.
    /// - Throws: `FFmpegError` when the file cannot seek.
    package func seek(stream index: Int, toSeconds seconds: Double) throws {
        let timeBase = self.stream(index).pointee.time_base
        let target = av_rescale_q(Int64((seconds * 1_000_000).rounded()), Rational(1, 1_000_000).av, timeBase)
        try ffCheck(av_seek_frame(context, Int32(index), target, AVSEEK_FLAG_BACKWARD), "av_seek_frame", path: path)
    }

    /// Makes the demuxer skip every stream but `streams` (their packets are never handed out).
    package func readOnly(_ streams: Set<Int>) {
        for index in 0..<streamCount {
            stream(index).pointee.discard = streams.contains(index) ? AVDISCARD_DEFAULT : AVDISCARD_ALL
        }
    }
}
