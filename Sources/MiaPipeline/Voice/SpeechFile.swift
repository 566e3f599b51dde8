import Foundation

/// Speech on disk: a plain WAV file (RIFF, 16-bit PCM, mono), the one format every engine's audio is
/// kept in, readable by FFmpeg and by any audio tool a user opens it with.
public enum SpeechFile {
    /// Writes `speech` to `path` atomically (a temporary beside it, renamed when complete).
    public static func write(_ samples: [Int16], sampleRate: Int, to path: String) throws {
        let output = try AtomicOutput(destination: path, overwrite: true)
        try output.write { temporary in try encode(samples, sampleRate: sampleRate).write(to: URL(fileURLWithPath: temporary)) }
    }

    /// The WAV bytes: a 44-byte header, then little-endian samples.
    static func encode(_ samples: [Int16], sampleRate: Int) -> Data {
        var data = Data(capacity: 44 + samples.count * 2)
        func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        func append16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        let bytes = UInt32(samples.count * 2)
        data.append(contentsOf: Array("RIFF".utf8)); append32(36 + bytes)
        data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); append32(16)
        append16(1); append16(1)                                   // PCM, mono
        append32(UInt32(sampleRate)); append32(UInt32(sampleRate * 2))
        append16(2); append16(16)                                  // block align, bits per sample
        data.append(contentsOf: Array("data".utf8)); append32(bytes)
        samples.withUnsafeBufferPointer { buffer in
            for sample in buffer { append16(UInt16(bitPattern: sample)) }
        }
        return data
    }

    /// Reads a file written by `write` back: its samples and rate.
    /// - Throws: `MiaError` naming the file when it is missing, cut short, or not mono 16-bit PCM WAV
    ///   (a cached file someone replaced or damaged).
    public static func read(_ path: String) throws -> (samples: [Int16], sampleRate: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { throw MiaError(file: path, "file not found") }
        let bytes = [UInt8](data)
        func u32(_ at: Int) -> UInt32? {
            guard at >= 0, at + 4 <= bytes.count else { return nil }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        func u16(_ at: Int) -> UInt16? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
        }
        func tag(_ at: Int) -> String? {
            guard at + 4 <= bytes.count else { return nil }
            return String(decoding: bytes[at..<at + 4], as: UTF8.self)
        }
        guard tag(0) == "RIFF", tag(8) == "WAVE", tag(12) == "fmt ", let fmtSize = u32(16), fmtSize >= 16,
              u16(20) == 1, u16(22) == 1, let rate = u32(24), (8_000...192_000).contains(rate), u16(34) == 16 else {
            throw MiaError(file: path, "is not a mono 16-bit PCM WAV file")
        }
        let dataHeader = 20 + Int(fmtSize)
        guard tag(dataHeader) == "data", let size = u32(dataHeader + 4), size % 2 == 0 else {
            throw MiaError(file: path, "is not a mono 16-bit PCM WAV file (no data chunk after the format)")
        }
        let start = dataHeader + 8
        guard start + Int(size) <= bytes.count else {
            throw MiaError(file: path, "is cut short: its header states \(size) bytes of audio, \(bytes.count - start) are there")
        }
        var samples = [Int16](repeating: 0, count: Int(size) / 2)
        for index in samples.indices {
            samples[index] = Int16(bitPattern: UInt16(bytes[start + 2 * index]) | UInt16(bytes[start + 2 * index + 1]) << 8)
        }
        return (samples, Int(rate))
    }

    /// `samples` at `from` Hz brought to `to` Hz by linear interpolation: only used to join parts of one
    /// scene spoken by engines with different rates (22.05 and 24 kHz), where the error is inaudible.
    static func resample(_ samples: [Int16], from: Int, to: Int) -> [Int16] {
        guard from != to, from > 0, to > 0, !samples.isEmpty else { return samples }
        let count = Int((Double(samples.count) * Double(to) / Double(from)).rounded())
        let step = Double(from) / Double(to)
        return (0..<count).map { index in
            let position = Double(index) * step
            let left = min(Int(position), samples.count - 1), right = min(left + 1, samples.count - 1)
            let fraction = position - Double(left)
            return Int16((Double(samples[left]) * (1 - fraction) + Double(samples[right]) * fraction).rounded())
        }
    }
}
