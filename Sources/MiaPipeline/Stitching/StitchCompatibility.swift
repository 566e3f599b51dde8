import Foundation

/// One way a clip differs from the reference clip, in words a user can act on.
public struct StitchMismatch: Sendable, Equatable, CustomStringConvertible {
    /// 1-based position of the clip in the stitch order.
    public let clipNumber: Int
    public let file: String
    public let property: String
    public let reference: String
    public let actual: String

    /// "video size is 160x90, clip 1 is 320x180"
    public var problem: String { "\(property) is \(actual), clip 1 is \(reference)" }

    public var description: String { "clip \(clipNumber) (\(file)): \(problem)" }
}

/// The stream-copy pre-flight: may `clip` be joined after `reference` without re-encoding?
///
/// Returns every difference rather than the first, so a normalizing stitch can decide what to
/// re-encode, and the copy path can refuse with a complete message.
public enum StitchCompatibility {
    public static func mismatches(of clip: ClipInfo, number: Int, against reference: ClipInfo) -> [StitchMismatch] {
        var found: [StitchMismatch] = []
        func check<T: Equatable>(_ property: String, _ expected: T?, _ actual: T?, _ show: (T?) -> String) {
            if expected != actual {
                found.append(StitchMismatch(clipNumber: number, file: clip.path, property: property,
                                            reference: show(expected), actual: show(actual)))
            }
        }
        func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "unknown" }

        if let expected = reference.video, let actual = clip.video {
            check("video codec", expected.codec, actual.codec, text)
            check("video size", expected.size, actual.size, text)
            // A header-only read (mp4/mov with codec extradata) leaves the pixel format unknown; the SPS
            // compared below pins it. Only two known formats can differ.
            if let expectedFormat = expected.pixelFormat, let actualFormat = actual.pixelFormat {
                check("pixel format", expectedFormat, actualFormat, text)
            }
            if !(expected.frameRate.flatMap { e in actual.frameRate.map { e.sameValue(as: $0) } } ?? false) {
                check("frame rate", expected.frameRate, actual.frameRate) { $0.map(fpsText) ?? "unknown" }
            }
            check("video time base", expected.timeBase, actual.timeBase, text)
            check("field order", expected.fieldOrder, actual.fieldOrder, text)
            // Same codec, size and rate can still carry different SPS/PPS; a copy would keep only
            // clip 1's and later clips would decode as garbage.
            if expected.codec == actual.codec {
                check("video codec parameters (SPS/PPS extradata)", expected.extradata, actual.extradata) {
                    $0.map { StreamInfo.fingerprint($0) } ?? "none"
                }
            }
        }

        switch (reference.audio, clip.audio) {
        case let (expected?, actual?):
            check("audio codec", expected.codec, actual.codec, text)
            check("audio sample rate", expected.sampleRate, actual.sampleRate) { $0.map { "\($0) Hz" } ?? "unknown" }
            // "1 channels" (order unknown) and "mono" are the same sound: compare what they mean.
            if expected.canonicalChannelLayout != actual.canonicalChannelLayout || expected.channels != actual.channels {
                found.append(StitchMismatch(clipNumber: number, file: clip.path, property: "audio channels",
                                            reference: expected.channelsText ?? "unknown", actual: actual.channelsText ?? "unknown"))
            }
            if expected.codec == actual.codec {
                check("audio codec parameters (extradata)", expected.extradata, actual.extradata) {
                    $0.map { StreamInfo.fingerprint($0) } ?? "none"
                }
            }
        case let (expected?, nil):
            found.append(StitchMismatch(clipNumber: number, file: clip.path, property: "audio",
                                        reference: "\(expected.codec) audio", actual: "missing (no audio stream)"))
        case let (nil, actual?):
            found.append(StitchMismatch(clipNumber: number, file: clip.path, property: "audio",
                                        reference: "missing (no audio stream)", actual: "\(actual.codec) audio"))
        case (nil, nil):
            break
        }
        return found
    }

    private static func fpsText(_ rate: Rational) -> String {
        rate.den == 1 ? "\(rate.num) fps" : String(format: "%.3f fps (%@)", rate.value, rate.description)
    }
}

extension StreamInfo {
    /// "1280x720"
    public var size: String? {
        guard let width, let height, width > 0, height > 0 else { return nil }
        return "\(width)x\(height)"
    }

    static func fingerprint(_ data: Data) -> String {
        // FNV-1a, 64-bit: enough to tell two parameter sets apart at a glance.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return data.isEmpty ? "none" : "\(data.count) bytes, hash \(String(hash, radix: 16))"
    }
}
