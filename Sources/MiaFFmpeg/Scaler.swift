internal import CFFmpeg

/// RGBA pixels to yuv420p with libswscale, BT.709 limited range (what players assume for HD).
package final class Scaler {
    private let context: OpaquePointer
    package let width: Int
    package let height: Int

    package init(width: Int, height: Int) throws {
        guard let context = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_RGBA, Int32(width), Int32(height),
                                           AV_PIX_FMT_YUV420P, Int32(SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT),
                                           nil, nil, nil) else {
            throw FFmpegError(code: mia_averror_einval(), function: "sws_getContext", path: nil)
        }
        self.context = context
        self.width = width
        self.height = height
        let bt709 = sws_getCoefficients(SWS_CS_ITU709)
        // Source full-range RGB, destination limited-range BT.709 YUV.
        sws_setColorspaceDetails(context, bt709, 1, bt709, 0, 0, 1 << 16, 1 << 16)
    }

    deinit { sws_freeContext(context) }

    /// Converts `rgba` (width × height × 4 bytes, rows packed) into `frame`'s planes.
    package func convert(_ rgba: [UInt8], into frame: Frame) throws {
        try ffCheck(av_frame_make_writable(frame.pointer), "av_frame_make_writable")
        rgba.withUnsafeBufferPointer { source in
            var sourcePlanes: [UnsafePointer<UInt8>?] = [source.baseAddress, nil, nil, nil]
            var sourceStrides: [Int32] = [Int32(width * 4), 0, 0, 0]
            withUnsafeMutablePointer(to: &frame.pointer.pointee.data) { data in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { planes in
                    withUnsafeMutablePointer(to: &frame.pointer.pointee.linesize) { lines in
                        lines.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                            _ = sws_scale(context, &sourcePlanes, &sourceStrides, 0, Int32(height), planes, strides)
                        }
                    }
                }
            }
        }
    }
}
