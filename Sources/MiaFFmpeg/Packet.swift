internal import CFFmpeg

/// Owns one `AVPacket`; reused across reads (`unref` between uses), freed in `deinit`.
package final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    package init() {
        guard let packet = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }

    package var streamIndex: Int { Int(pointer.pointee.stream_index) }
    package var pts: Int64? { pointer.pointee.pts == noTimestamp ? nil : pointer.pointee.pts }
    package var dts: Int64? { pointer.pointee.dts == noTimestamp ? nil : pointer.pointee.dts }
    package var duration: Int64 { pointer.pointee.duration }
    package var size: Int { Int(pointer.pointee.size) }
    package var isKeyframe: Bool { pointer.pointee.flags & AV_PKT_FLAG_KEY != 0 }
    /// The demuxer marks packets an edit list hides (AAC priming, frames before the edit start).
    package var isDiscarded: Bool { pointer.pointee.flags & AV_PKT_FLAG_DISCARD != 0 }

    /// The payload, for checksums in tests and verification.
    package var data: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: pointer.pointee.data, count: size)
    }

    package func unref() { av_packet_unref(pointer) }
}

extension Packet {
    /// Timestamps and duration, settable in the packet's current time base.
    package var rawPTS: Int64 {
        get { pointer.pointee.pts }
        set { pointer.pointee.pts = newValue }
    }
    package var rawDTS: Int64 {
        get { pointer.pointee.dts }
        set { pointer.pointee.dts = newValue }
    }
    package func setDuration(_ value: Int64) { pointer.pointee.duration = value }
    package func setStreamIndex(_ index: Int) { pointer.pointee.stream_index = Int32(index) }

    /// Prepares a copied packet for the muxer: no discard mark (the output's own edit list decides
    /// what is hidden), unknown byte position (remux.c: `pos = -1`).
    package func clearForMuxing() {
        pointer.pointee.flags &= ~AV_PKT_FLAG_DISCARD
        pointer.pointee.pos = -1
    }

    /// Converts timestamps and duration from `from` to `to` units (`av_packet_rescale_ts`).
    package func rescaleTimestamps(from: Rational, to: Rational) {
        av_packet_rescale_ts(pointer, from.av, to.av)
    }

    /// Moves `other`'s contents into this packet, leaving `other` blank.
    package func take(from other: Packet) {
        av_packet_unref(pointer)
        av_packet_move_ref(pointer, other.pointer)
    }
}

extension Packet {
    /// A packet holding a copy of `bytes` (for coded data we write ourselves).
    package convenience init(bytes: [UInt8]) throws {
        self.init()
        guard let count = Int32(exactly: bytes.count) else {
            throw FFmpegError(code: mia_averror_einval(), function: "av_new_packet (\(bytes.count) bytes)", path: nil)
        }
        try ffCheck(av_new_packet(pointer, count), "av_new_packet")
        bytes.withUnsafeBufferPointer { source in
            guard let start = source.baseAddress else { return }
            pointer.pointee.data.update(from: start, count: bytes.count)
        }
    }

    package func setKeyframe(_ key: Bool) {
        if key { pointer.pointee.flags |= AV_PKT_FLAG_KEY } else { pointer.pointee.flags &= ~AV_PKT_FLAG_KEY }
    }

    /// The payload as an array (to keep a packet's bytes for reuse).
    package var bytes: [UInt8] { Array(data) }
}
