/// Frames that repeat the previous picture exactly, written directly as H.264 — no encoder work.
///
/// A template card is mostly one unchanging picture. An encoder still analyses every repeat
/// (x264 veryfast: ~14 ms per 1080p frame here); but a P picture whose macroblocks are all
/// "skipped" reproduces its reference bit for bit, and is a few bytes of slice header. So the
/// encoder codes the card once (an IDR), and each further frame is such a skip picture; every
/// keyframe interval the same IDR packet is repeated, so the file stays seekable.
///
/// Works with the settings `TemplateEncoding` gives x264: CAVLC (a skip run is one Exp-Golomb
/// code; CABAC would need an arithmetic coder), no B-frames (POC type 2: no order counts to
/// write), no weighted prediction, one slice per picture. `init(extradata:)` checks all of that.
struct H264StaticFrames {
    struct Unsupported: Error, CustomStringConvertible {
        let description: String
    }

    private let log2MaxFrameNum: Int
    private let frameMbsOnly: Bool
    private let pictureSizeInMbs: Int
    private let ppsID: Int
    private let deblockingControlPresent: Bool
    private let redundantPicCountPresent: Bool

    /// - Parameter extradata: SPS and PPS in Annex B form (libx264 with a global header).
    init(extradata: [UInt8]) throws {
        let units = Self.nalUnits(extradata)
        guard let sps = units.first(where: { $0.first.map { $0 & 0x1f } == 7 }),
              let pps = units.first(where: { $0.first.map { $0 & 0x1f } == 8 }) else {
            throw Unsupported(description: "no SPS/PPS in the encoder's extradata")
        }
        var r = BitReader(Self.unescape(Array(sps.dropFirst())))
        let profile = r.bits(8)
        _ = r.bits(16)  // constraint flags, level
        _ = r.ue()      // seq_parameter_set_id
        if [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].contains(profile) {
            let chroma = r.ue()
            if chroma == 3 { _ = r.bits(1) }
            _ = r.ue(); _ = r.ue(); _ = r.bits(1)  // bit depths, qpprime_y_zero_transform_bypass
            if r.bits(1) == 1 { throw Unsupported(description: "SPS scaling matrices") }
        }
        log2MaxFrameNum = r.ue() + 4
        guard r.ue() == 2 else { throw Unsupported(description: "picture order count type other than 2 (B-frames?)") }
        _ = r.ue()      // max_num_ref_frames
        _ = r.bits(1)   // gaps_in_frame_num_value_allowed_flag
        let widthMbs = r.ue() + 1
        let heightMapUnits = r.ue() + 1
        frameMbsOnly = r.bits(1) == 1
        pictureSizeInMbs = widthMbs * heightMapUnits * (frameMbsOnly ? 1 : 2)

        var p = BitReader(Self.unescape(Array(pps.dropFirst())))
        ppsID = p.ue()
        _ = p.ue()      // seq_parameter_set_id
        guard p.bits(1) == 0 else { throw Unsupported(description: "CABAC entropy coding") }
        _ = p.bits(1)   // bottom_field_pic_order_in_frame_present_flag (unused with POC type 2)
        guard p.ue() == 0 else { throw Unsupported(description: "slice groups") }
        _ = p.ue(); _ = p.ue()  // num_ref_idx_l0/l1_default_active_minus1
        guard p.bits(1) == 0 else { throw Unsupported(description: "weighted prediction") }
        _ = p.bits(2)   // weighted_bipred_idc
        _ = p.se(); _ = p.se(); _ = p.se()  // pic_init_qp, pic_init_qs, chroma_qp_index_offset
        deblockingControlPresent = p.bits(1) == 1
        _ = p.bits(1)   // constrained_intra_pred_flag
        redundantPicCountPresent = p.bits(1) == 1
        guard !r.overran, !p.overran else { throw Unsupported(description: "a truncated SPS or PPS") }
    }

    /// One all-skip P picture (Annex B) with `frameNum` counted from the last IDR.
    func skipPicture(frameNum: Int) -> [UInt8] {
        var w = BitWriter()
        w.ue(0)                       // first_mb_in_slice
        w.ue(0)                       // slice_type: P
        w.ue(ppsID)
        w.bits(frameNum % (1 << log2MaxFrameNum), count: log2MaxFrameNum)
        if !frameMbsOnly { w.bits(0, count: 1) }  // field_pic_flag
        if redundantPicCountPresent { w.ue(0) }
        w.bits(0, count: 1)           // num_ref_idx_active_override_flag
        w.bits(0, count: 1)           // ref_pic_list_modification_flag_l0
        w.bits(0, count: 1)           // adaptive_ref_pic_marking_mode_flag (sliding window)
        w.se(0)                       // slice_qp_delta
        if deblockingControlPresent { w.ue(1) }  // disable_deblocking_filter_idc: nothing to filter
        w.ue(pictureSizeInMbs)        // mb_skip_run: every macroblock
        w.trailingBits()
        // nal_ref_idc 2, nal_unit_type 1 (non-IDR slice): a reference, so the next skip copies it too.
        return [0, 0, 0, 1, 0x41] + Self.escape(w.bytes)
    }

    // MARK: - NAL units

    /// NAL unit payloads (with their header byte) of an Annex B byte stream.
    static func nalUnits(_ stream: [UInt8]) -> [ArraySlice<UInt8>] {
        var starts: [(payload: Int, code: Int)] = []
        var i = 0
        while i + 2 < stream.count {
            if stream[i] == 0, stream[i + 1] == 0, stream[i + 2] == 1 {
                let code = i > 0 && stream[i - 1] == 0 ? i - 1 : i
                starts.append((i + 3, code))
                i += 3
            } else {
                i += 1
            }
        }
        return starts.enumerated().map { index, start in
            let end = index + 1 < starts.count ? starts[index + 1].code : stream.count
            return stream[start.payload..<end]
        }
    }

    /// Removes emulation prevention bytes (00 00 03 → 00 00).
    static func unescape(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var zeros = 0
        for byte in bytes {
            if zeros >= 2 && byte == 3 { zeros = 0; continue }
            out.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return out
    }

    /// Inserts emulation prevention bytes so no start code appears inside a NAL unit.
    static func escape(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        var zeros = 0
        for byte in bytes {
            if zeros >= 2 && byte <= 3 { out.append(3); zeros = 0 }
            out.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return out
    }
}

/// Reads bits most significant first, with Exp-Golomb codes.
struct BitReader {
    private let bytes: [UInt8]
    private var position = 0
    private(set) var overran = false

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func bits(_ count: Int) -> Int {
        var value = 0
        for _ in 0..<count {
            guard position / 8 < bytes.count else { overran = true; return value }
            value = value << 1 | Int(bytes[position / 8] >> (7 - UInt8(position % 8)) & 1)
            position += 1
        }
        return value
    }

    mutating func ue() -> Int {
        var leadingZeros = 0
        while bits(1) == 0 && !overran && leadingZeros < 32 { leadingZeros += 1 }
        return (1 << leadingZeros) - 1 + bits(leadingZeros)
    }

    mutating func se() -> Int {
        let code = ue()
        return code % 2 == 1 ? (code + 1) / 2 : -(code / 2)
    }
}

/// Writes bits most significant first, with Exp-Golomb codes.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var used = 0  // bits used in the last byte

    mutating func bits(_ value: Int, count: Int) {
        for shift in stride(from: count - 1, through: 0, by: -1) {
            if used == 0 { bytes.append(0) }
            bytes[bytes.count - 1] |= UInt8((value >> shift) & 1) << (7 - UInt8(used))
            used = (used + 1) % 8
        }
    }

    mutating func ue(_ value: Int) {
        let code = value + 1
        let length = Int.bitWidth - code.leadingZeroBitCount
        bits(0, count: length - 1)
        bits(code, count: length)
    }

    mutating func se(_ value: Int) { ue(value > 0 ? 2 * value - 1 : -2 * value) }

    /// rbsp_stop_one_bit, then zeros to the byte boundary.
    mutating func trailingBits() {
        bits(1, count: 1)
        if used != 0 { bits(0, count: 8 - used) }
    }
}
