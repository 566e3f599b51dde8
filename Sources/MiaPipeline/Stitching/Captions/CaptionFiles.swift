import Foundation

/// The sidecar files: SubRip (`NAME.srt`) and WebVTT (`NAME.vtt`) beside the video.
public enum CaptionFiles {
    /// `movie.mp4` → `movie.srt`, `movie.vtt`.
    public static func paths(beside video: String) -> (srt: String, vtt: String) {
        let base = URL(fileURLWithPath: video).deletingPathExtension().path
        return (base + ".srt", base + ".vtt")
    }

    public static func srt(_ cues: [CaptionCue]) -> String {
        cues.enumerated().map { index, cue in
            "\(index + 1)\n\(time(cue.start, ",")) --> \(time(cue.end, ","))\n" + cue.lines.joined(separator: "\n") + "\n"
        }.joined(separator: "\n")
    }

    public static func vtt(_ cues: [CaptionCue]) -> String {
        "WEBVTT\n\n" + cues.map { cue in
            "\(time(cue.start, ".")) --> \(time(cue.end, "."))\n" + cue.lines.map(escapedForVTT).joined(separator: "\n") + "\n"
        }.joined(separator: "\n")
    }

    /// WebVTT reads `<` and `&` as markup and `-->` as a timing line.
    static func escapedForVTT(_ line: String) -> String {
        line.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// `HH:MM:SS,mmm`, rounded to the millisecond.
    static func time(_ seconds: Double, _ separator: String) -> String {
        let total = Int((max(0, seconds) * 1000).rounded())
        return String(format: "%02d:%02d:%02d%@%03d", total / 3_600_000, total / 60_000 % 60, total / 1000 % 60, separator, total % 1000)
    }

    /// The checks the caption files get before any work is done, as the video's (`AtomicOutput.checkDestination`).
    public static func checkDestinations(beside video: String, overwrite: Bool) throws {
        let names = paths(beside: video)
        try AtomicOutput.checkDestination(names.srt, overwrite: overwrite)
        try AtomicOutput.checkDestination(names.vtt, overwrite: overwrite)
    }

    /// Writes both files, each through `AtomicOutput`: the two are published together or not at all
    /// (an `.srt` that made it is removed again when the `.vtt` fails).
    /// - Throws: `MiaError` naming the caption file that could not be written.
    public static func write(_ cues: [CaptionCue], beside video: String, overwrite: Bool) throws -> (srt: String, vtt: String) {
        let names = Self.paths(beside: video)
        let srtOutput = try AtomicOutput(destination: names.srt, overwrite: overwrite)
        let vttOutput = try AtomicOutput(destination: names.vtt, overwrite: overwrite)
        try srtOutput.write { try save(Self.srt(cues), to: $0, naming: names.srt) }
        do {
            try vttOutput.write { try save(Self.vtt(cues), to: $0, naming: names.vtt) }
        } catch {
            unlink(names.srt)
            throw error
        }
        return names
    }

    private static func save(_ text: String, to temporary: String, naming destination: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw MiaError(.output(destination), "cannot be written: \(error.localizedDescription)", cause: error)
        }
    }
}
