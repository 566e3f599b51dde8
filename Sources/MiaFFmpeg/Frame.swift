internal import CFFmpeg

/// Owns one `AVFrame`; reused across decodes, freed in `deinit`.
package final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>

    package init() {
        guard let frame = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    /// The decoder flagged this frame as damaged (concealed errors).
    package var isCorrupt: Bool {
        pointer.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0 || pointer.pointee.decode_error_flags != 0
    }
    package var sampleCount: Int { Int(pointer.pointee.nb_samples) }
    package var bestEffortTimestamp: Int64? {
        let ts = pointer.pointee.best_effort_timestamp
        return ts == noTimestamp ? nil : ts
    }

    package var pts: Int64 {
        get { pointer.pointee.pts }
        set { pointer.pointee.pts = newValue }
    }

    package func unref() { av_frame_unref(pointer) }

    /// Makes this frame another reference to `other`'s buffers (no copy).
    package func reference(_ other: Frame) throws {
        av_frame_unref(pointer)
        try ffCheck(av_frame_ref(pointer, other.pointer), "av_frame_ref")
    }
}

// MARK: - Pictures

extension Frame {
    package var width: Int { Int(pointer.pointee.width) }
    package var height: Int { Int(pointer.pointee.height) }
    package var pixelFormat: PixelFormat { PixelFormat(raw: pointer.pointee.format) }
    package var sampleAspectRatio: Rational { pointer.pointee.sample_aspect_ratio.rational }
    /// Full-range (JPEG, 0–255) rather than limited-range (TV, 16–235) YCbCr.
    package var isFullRange: Bool { pointer.pointee.color_range == AVCOL_RANGE_JPEG }

    /// The YCbCr matrix the picture is tagged with, by libswscale's name; nil when untagged.
    package var taggedColorMatrix: String? {
        switch pointer.pointee.colorspace {
        case AVCOL_SPC_BT709: return "bt709"
        case AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M: return "bt601"
        case AVCOL_SPC_SMPTE240M: return "smpte240m"
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: return "bt2020"
        default: return nil
        }
    }

    /// A frame with its own buffers for `width`x`height` yuv420p video.
    package static func video(width: Int, height: Int) throws -> Frame {
        let frame = Frame()
        frame.pointer.pointee.width = Int32(width)
        frame.pointer.pointee.height = Int32(height)
        frame.pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        try ffCheck(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
        return frame
    }

    /// A `width`x`height` RGBA frame holding `rgba` (rows packed, 4 bytes a pixel).
    package static func picture(rgba: [UInt8], width: Int, height: Int) throws -> Frame {
        guard rgba.count == width * height * 4 else {
            throw FFmpegError.invalidData("\(rgba.count) bytes of RGBA for \(width)x\(height)", path: nil)
        }
        let frame = Frame()
        frame.pointer.pointee.width = Int32(width)
        frame.pointer.pointee.height = Int32(height)
        frame.pointer.pointee.format = AV_PIX_FMT_RGBA.rawValue
        try ffCheck(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
        let stride = Int(frame.pointer.pointee.linesize.0)
        guard let plane = frame.pointer.pointee.data.0 else { throw FFmpegError.invalidData("RGBA frame buffer", path: nil) }
        rgba.withUnsafeBufferPointer { source in
            for row in 0..<height {
                (plane + row * stride).update(from: source.baseAddress! + row * width * 4, count: width * 4)
            }
        }
        return frame
    }

    /// The pixels of an RGBA frame, rows packed (4 bytes a pixel, no line padding).
    /// - Throws: `FFmpegError` when the frame is not RGBA.
    package func rgbaPixels() throws -> [UInt8] {
        guard pointer.pointee.format == AV_PIX_FMT_RGBA.rawValue, let plane = pointer.pointee.data.0 else {
            throw FFmpegError.invalidData("an RGBA picture", path: nil)
        }
        let stride = Int(pointer.pointee.linesize.0), rowBytes = width * 4
        var pixels = [UInt8](repeating: 0, count: rowBytes * height)
        pixels.withUnsafeMutableBufferPointer { out in
            for row in 0..<height {
                (out.baseAddress! + row * rowBytes).update(from: plane + row * stride, count: rowBytes)
            }
        }
        return pixels
    }

    /// Asks the encoder to start a new IDR picture here.
    package func forceKeyframe(_ force: Bool) {
        pointer.pointee.pict_type = force ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
    }
}

// MARK: - Audio

extension Frame {
    /// A frame with its own buffers for `samples` planar-float samples (AAC's input format).
    package static func audio(samples: Int, rate: Int, channels: Int) throws -> Frame {
        let frame = Frame()
        frame.pointer.pointee.nb_samples = Int32(samples)
        frame.pointer.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        frame.pointer.pointee.sample_rate = Int32(rate)
        av_channel_layout_default(&frame.pointer.pointee.ch_layout, Int32(channels))
        try ffCheck(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
        return frame
    }

    /// A frame of `samples` silent planar-float samples.
    package static func silence(samples: Int, rate: Int, channels: Int) throws -> Frame {
        let frame = try audio(samples: samples, rate: rate, channels: channels)
        try ffCheck(av_samples_set_silence(frame.pointer.pointee.extended_data, 0, Int32(samples), Int32(channels),
                                           AV_SAMPLE_FMT_FLTP), "av_samples_set_silence")
        return frame
    }
}

/// A libavutil pixel format, named for messages and filter descriptions.
package struct PixelFormat: Equatable, Sendable {
    let raw: Int32

    /// 8-bit 4:2:0 planar YCbCr: what every player takes and what we encode.
    package static let yuv420p = PixelFormat(raw: AV_PIX_FMT_YUV420P.rawValue)

    /// "yuv420p"; nil for an unknown format.
    package var name: String? { av_get_pix_fmt_name(AVPixelFormat(rawValue: raw)).map { String(cString: $0) } }
}

// MARK: - Samples and metadata

extension Frame {
    /// Runs `body` on channel `channel`'s samples of a planar-float frame, writable in place
    /// (copied first if the buffers are shared, `av_frame_make_writable`).
    /// - Throws: `FFmpegError` when the frame is not planar float or cannot be made writable.
    package func withFloatSamples<T>(channel: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> T) throws -> T {
        guard pointer.pointee.format == AV_SAMPLE_FMT_FLTP.rawValue, channel < Int(pointer.pointee.ch_layout.nb_channels) else {
            throw FFmpegError.invalidData("planar float samples of channel \(channel)", path: nil)
        }
        try ffCheck(av_frame_make_writable(pointer), "av_frame_make_writable")
        guard let planes = pointer.pointee.extended_data, let plane = planes[channel] else {
            throw FFmpegError.invalidData("planar float samples of channel \(channel)", path: nil)
        }
        let samples = UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(plane).assumingMemoryBound(to: Float.self),
                                                 count: sampleCount)
        return try body(samples)
    }

    /// A value a filter attached to the frame (`ebur128=metadata=1` writes `lavfi.r128.I`, …).
    package func metadata(_ key: String) -> String? {
        av_dict_get(pointer.pointee.metadata, key, nil, 0).map { String(cString: $0.pointee.value) }
    }
}
