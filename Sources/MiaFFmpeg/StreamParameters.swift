internal import CFFmpeg
import Foundation

/// One stream's parameters as the container (and `avformat_find_stream_info`) states them, copied
/// out of FFmpeg's structs into a plain value. Timestamps are in `timeBase` units.
package struct StreamParameters: Sendable {
    package var kind: MediaKind
    /// libavcodec's codec name ("h264", "aac").
    package var codec: String
    package var profile: String?
    package var timeBase: Rational
    package var duration: Int64?
    package var startTime: Int64?
    package var frameCount: Int?
    package var bitRate: Int64?
    package var extradata: Data
    /// Cover art: a "video" stream that is one still picture, not a clip's picture track.
    package var isAttachedPicture: Bool
    /// The stream's metadata tags (Matroska keeps per-stream lengths only as a "DURATION" tag).
    package var tags: [String: String]

    // Video
    package var width = 0
    package var height = 0
    package var pixelFormat: String?
    package var averageFrameRate = Rational(0, 1)
    package var realFrameRate = Rational(0, 1)
    package var sampleAspectRatio = Rational(0, 1)
    package var fieldOrder = FieldOrder.unknown
    /// Frames of delay from reordering: B-frames.
    package var videoDelay = 0

    // Audio
    package var sampleRate = 0
    package var channels = 0
    package var channelLayout: String?
    package var frameSize = 0

    package enum FieldOrder: String, Sendable {
        case progressive, topFirst = "top first", bottomFirst = "bottom first", unknown
    }
}

extension InputContainer {
    /// The parameters of stream `index`.
    package func parameters(ofStream index: Int) -> StreamParameters {
        let stream = stream(index)
        let par = stream.pointee.codecpar.pointee
        func timestamp(_ ts: Int64) -> Int64? { ts == noTimestamp ? nil : ts }
        var tags: [String: String] = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>?
        while let next = av_dict_get(stream.pointee.metadata, "", entry, AV_DICT_IGNORE_SUFFIX) {
            tags[String(cString: next.pointee.key)] = String(cString: next.pointee.value)
            entry = next
        }
        var parameters = StreamParameters(
            kind: MediaKind(par.codec_type),
            codec: String(cString: avcodec_get_name(par.codec_id)),
            profile: avcodec_profile_name(par.codec_id, par.profile).map { String(cString: $0) },
            timeBase: stream.pointee.time_base.rational,
            duration: timestamp(stream.pointee.duration),
            startTime: timestamp(stream.pointee.start_time),
            frameCount: stream.pointee.nb_frames > 0 ? Int(clamping: stream.pointee.nb_frames) : nil,
            bitRate: par.bit_rate > 0 ? par.bit_rate : nil,
            extradata: par.extradata.map { Data(bytes: $0, count: Int(max(0, par.extradata_size))) } ?? Data(),
            isAttachedPicture: stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0,
            tags: tags)
        switch parameters.kind {
        case .video:
            parameters.width = Int(par.width)
            parameters.height = Int(par.height)
            parameters.pixelFormat = PixelFormat(raw: par.format).name
            parameters.averageFrameRate = stream.pointee.avg_frame_rate.rational
            parameters.realFrameRate = stream.pointee.r_frame_rate.rational
            parameters.sampleAspectRatio = par.sample_aspect_ratio.rational
            parameters.videoDelay = Int(par.video_delay)
            switch par.field_order {
            case AV_FIELD_PROGRESSIVE: parameters.fieldOrder = .progressive
            case AV_FIELD_TT, AV_FIELD_TB: parameters.fieldOrder = .topFirst
            case AV_FIELD_BB, AV_FIELD_BT: parameters.fieldOrder = .bottomFirst
            default: parameters.fieldOrder = .unknown
            }
        case .audio:
            parameters.sampleRate = Int(par.sample_rate)
            parameters.channels = Int(par.ch_layout.nb_channels)
            var layout = par.ch_layout
            var buffer = [CChar](repeating: 0, count: 128)
            if av_channel_layout_describe(&layout, &buffer, buffer.count) >= 0 {
                parameters.channelLayout = String(filledBuffer: buffer)
            }
            parameters.frameSize = Int(par.frame_size)
        default:
            break
        }
        return parameters
    }
}
