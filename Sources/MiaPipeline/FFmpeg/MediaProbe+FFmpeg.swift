import CFFmpeg
import Foundation

extension AVRational {
    var rational: Rational { Rational(Int(num), Int(den)) }
}

extension Rational {
    var av: AVRational { AVRational(num: Int32(num), den: Int32(den)) }

    /// `value` (in units of `self`) expressed in units of `target`, rounded to nearest.
    func rescale(_ value: Int64, to target: Rational) -> Int64 {
        av_rescale_q_rnd(value, av, target.av, AVRounding(rawValue: AV_ROUND_NEAR_INF.rawValue | AV_ROUND_PASS_MINMAX.rawValue))
    }
}

extension ClipInfo {
    /// Reads the parameters of an already opened container.
    init(container input: InputContainer) {
        var streams: [StreamInfo] = []
        for index in 0..<input.streamCount {
            streams.append(StreamInfo(stream: input.stream(index), index: index))
        }
        let videoIndex = input.bestStream(AVMEDIA_TYPE_VIDEO)
        self.init(
            path: input.path,
            container: input.formatName,
            duration: input.duration,
            sizeBytes: input.fileSize,
            bitRate: input.bitRate > 0 ? input.bitRate : nil,
            streams: streams,
            // Only mp4/mov index every sample; Matroska's cues list keyframes, which says nothing about the end.
            indexedDataEnd: input.hasSampleIndex
                ? (0..<input.streamCount).compactMap { input.indexedDataEnd(streamIndex: $0) }.max() : nil,
            videoIndex: videoIndex,
            audioIndex: input.bestStream(AVMEDIA_TYPE_AUDIO)
        )
        // Attached pictures (cover art) are "video" to FFmpeg but are not a clip's picture track.
        if let index = videoIndex, input.stream(index).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 {
            self.videoIndex = nil
        }
    }
}

extension StreamInfo {
    init(stream: UnsafeMutablePointer<AVStream>, index: Int) {
        let par = stream.pointee.codecpar.pointee
        let timeBase = stream.pointee.time_base
        func timestamp(_ ts: Int64) -> Int64? { ts == noTimestamp ? nil : ts }
        let kind: StreamKind
        switch par.codec_type {
        case AVMEDIA_TYPE_VIDEO: kind = .video
        case AVMEDIA_TYPE_AUDIO: kind = .audio
        case AVMEDIA_TYPE_SUBTITLE: kind = .subtitle
        case AVMEDIA_TYPE_DATA: kind = .data
        case AVMEDIA_TYPE_ATTACHMENT: kind = .attachment
        default: kind = .unknown
        }
        let extradata = par.extradata.map { Data(bytes: $0, count: Int(par.extradata_size)) } ?? Data()
        self.init(
            index: index,
            kind: kind,
            codec: String(cString: avcodec_get_name(par.codec_id)),
            profile: avcodec_profile_name(par.codec_id, par.profile).map { String(cString: $0) },
            timeBase: timeBase.rational,
            durationTimestamp: timestamp(stream.pointee.duration) ?? Self.taggedDuration(stream),
            startTimestamp: timestamp(stream.pointee.start_time),
            frameCount: stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil,
            bitRate: par.bit_rate > 0 ? par.bit_rate : nil,
            extradata: extradata
        )
        if kind == .video {
            width = Int(par.width)
            height = Int(par.height)
            pixelFormat = av_get_pix_fmt_name(AVPixelFormat(rawValue: par.format)).map { String(cString: $0) }
            let average = stream.pointee.avg_frame_rate
            frameRate = average.num > 0 && average.den > 0 ? average.rational : stream.pointee.r_frame_rate.rational
            sampleAspectRatio = par.sample_aspect_ratio.num > 0 ? par.sample_aspect_ratio.rational : nil
            fieldOrder = Self.fieldOrderName(par.field_order)
            hasBFrames = par.video_delay > 0
        } else if kind == .audio {
            sampleRate = Int(par.sample_rate)
            channels = Int(par.ch_layout.nb_channels)
            var layout = par.ch_layout
            var buffer = [CChar](repeating: 0, count: 128)
            if av_channel_layout_describe(&layout, &buffer, buffer.count) >= 0 {
                channelLayout = String(filledBuffer: buffer)
            }
            frameSize = Int(par.frame_size)
        }
    }

    /// Matroska keeps per-stream lengths only as a "DURATION" tag ("00:00:02.021000000"), which
    /// FFmpeg's and mkvmerge's muxers write; in the stream's time base.
    private static func taggedDuration(_ stream: UnsafeMutablePointer<AVStream>) -> Int64? {
        guard let entry = av_dict_get(stream.pointee.metadata, "DURATION", nil, 0) else { return nil }
        let parts = String(cString: entry.pointee.value).split(separator: ":")
        guard parts.count == 3, let h = Double(parts[0]), let m = Double(parts[1]), let sec = Double(parts[2]) else { return nil }
        let seconds = h * 3600 + m * 60 + sec
        let timeBase = stream.pointee.time_base
        return Int64((seconds * Double(timeBase.den) / Double(timeBase.num)).rounded())
    }

    private static func fieldOrderName(_ order: AVFieldOrder) -> String {
        switch order {
        case AV_FIELD_PROGRESSIVE: "progressive"
        case AV_FIELD_TT, AV_FIELD_TB: "top first"
        case AV_FIELD_BB, AV_FIELD_BT: "bottom first"
        default: "unknown"
        }
    }
}
