import CFFmpeg

/// Owns one `AVFrame`; reused across decodes, freed in `deinit`.
final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() {
        guard let frame = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    /// The decoder flagged this frame as damaged (concealed errors).
    var isCorrupt: Bool {
        pointer.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0 || pointer.pointee.decode_error_flags != 0
    }
    var sampleCount: Int { Int(pointer.pointee.nb_samples) }
    var bestEffortTimestamp: Int64? {
        let ts = pointer.pointee.best_effort_timestamp
        return ts == noTimestamp ? nil : ts
    }

    func unref() { av_frame_unref(pointer) }
}
