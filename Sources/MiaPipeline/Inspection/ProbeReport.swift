import Foundation

/// One file's probe result (or its error), printed by `mia-stitch probe`.
public struct ProbeReport: Sendable, Encodable {
    public let file: String
    public let info: ClipInfo?
    public let error: String?

    public init(file: String, info: ClipInfo?, error: String?) {
        self.file = file
        self.info = info
        self.error = error
    }

    /// Probes one file; a file that cannot be read, or is truncated, gets an error instead.
    public static func probe(_ file: String) -> ProbeReport {
        do {
            let info = try MediaProbe.inspect(file)
            if let truncation = info.truncation {
                return ProbeReport(file: file, info: info, error: MiaError(file: file, truncation).message)
            }
            return ProbeReport(file: file, info: info, error: nil)
        } catch {
            return ProbeReport(file: file, info: nil, error: (error as? MiaError)?.message ?? "\(file): \(error)")
        }
    }

    /// Human-readable lines: the container, then one line per stream.
    public var text: String {
        guard let info else { return "\(file): error: \(error ?? "unknown")" }
        var header = "\(file): \(info.container)"
        if let duration = info.duration { header += String(format: ", %.3f s", duration) }
        header += ", \(info.sizeBytes) bytes"
        if let rate = info.bitRate { header += ", \(rate / 1000) kb/s" }
        var lines = [header]
        for stream in info.streams {
            var parts = ["\(stream.codec)" + (stream.profile.map { " (\($0))" } ?? "")]
            switch stream.kind {
            case .video:
                if let size = stream.size { parts.append(size) }
                if let format = stream.pixelFormat { parts.append(format) }
                if let rate = stream.frameRate, rate.isValid {
                    parts.append(rate.den == 1 ? "\(rate.num) fps" : String(format: "%.3f fps", rate.value))
                }
                if stream.hasBFrames == true { parts.append("B-frames") }
            case .audio:
                if let rate = stream.sampleRate { parts.append("\(rate) Hz") }
                if let channels = stream.channelsText { parts.append(channels) }
            default:
                break
            }
            parts.append("time base \(stream.timeBase)")
            if let duration = stream.duration { parts.append(String(format: "%.3f s", duration)) }
            if let frames = stream.frameCount { parts.append("\(frames) \(stream.kind == .audio ? "packets" : "frames")") }
            if let rate = stream.bitRate { parts.append("\(rate / 1000) kb/s") }
            lines.append("  #\(stream.index) \(stream.kind.rawValue): " + parts.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// - Parameter showExtradata: Include each stream's codec-private bytes (base64).
    public static func json(_ reports: [ProbeReport], showExtradata: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.userInfo[StreamInfo.omitExtradata] = !showExtradata
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(reports), as: UTF8.self)
    }
}
