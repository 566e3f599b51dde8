import Foundation

/// An H.264 stream's SPS and PPS NAL units, whatever form the codec setup bytes take: Annex B
/// (start codes, as libx264 gives them) or avcC (length-prefixed, as mp4 and Matroska store them).
struct H264ParameterSets: Equatable {
    let sequence: [[UInt8]]
    let picture: [[UInt8]]

    /// nil when the bytes are neither form.
    init?(extradata bytes: [UInt8]) {
        let units: [[UInt8]]
        if bytes.first == 1 {
            guard let parsed = Self.avcC(bytes) else { return nil }
            units = parsed
        } else {
            units = H264StaticFrames.nalUnits(bytes).map { Array($0) }
        }
        sequence = units.filter { $0.first.map { $0 & 0x1f } == 7 }
        picture = units.filter { $0.first.map { $0 & 0x1f } == 8 }
        guard !sequence.isEmpty, !picture.isEmpty else { return nil }
    }

    /// ISO/IEC 14496-15 AVCDecoderConfigurationRecord: 5 header bytes, then counted lists of
    /// 16-bit-length-prefixed SPS and PPS (anything after them, the high-profile extension, is
    /// not a parameter set).
    private static func avcC(_ bytes: [UInt8]) -> [[UInt8]]? {
        var index = 5
        var units: [[UInt8]] = []
        func readList(countMask: UInt8) -> Bool {
            guard index < bytes.count else { return false }
            let count = Int(bytes[index] & countMask)
            index += 1
            for _ in 0..<count {
                guard index + 2 <= bytes.count else { return false }
                let length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
                index += 2
                guard index + length <= bytes.count else { return false }
                units.append(Array(bytes[index..<index + length]))
                index += length
            }
            return true
        }
        guard bytes.count > 6, readList(countMask: 0x1f), readList(countMask: 0xff) else { return nil }
        return units
    }
}

extension EncodingSettings {
    /// Would video these settings encode at this size and rate carry exactly these SPS/PPS, so
    /// that clips with them and clips we encode join by copy? Measured by opening the encoder.
    func givesParameterSets(of extradata: Data, width: Int, height: Int, fps: Rational) throws -> Bool {
        guard let theirs = H264ParameterSets(extradata: [UInt8](extradata)) else { return false }
        return H264ParameterSets(extradata: try videoEncoder(width: width, height: height, fps: fps, threads: 1).extradata) == theirs
    }
}
