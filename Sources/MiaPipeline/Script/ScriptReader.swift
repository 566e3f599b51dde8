/// Reads a script, in whichever format it is written, into scenes: the front door of the pipeline.
///
/// Formats with a grammar of their own have their own reader (`FormatReader`): Final Draft XML, subtitle
/// cues, delimited and Markdown tables, Fountain screenplays. Everything else — headings, outlines,
/// tagged lines, timecodes, separators, prose — is read line by line by `ScriptParser`, which gets its
/// Markdown structure from cmark-gfm. Each reader says how well the script fits it; the best fit is taken,
/// and when another reading fits too, the result says so (and `--format` picks the other).
///
/// Whatever the format, no word is lost: every word lands in a scene's title, visual, narration, on-screen
/// text or sound, or in `leftOut` with its line and why (a title page, a note, a transition).
public enum ScriptReader {
    /// Reads `text` as `format` (`--format`), or detecting its format when nil.
    /// - Parameter name: the file name, when there is one: its extension (`.fdx`, `.srt`, `.csv`…) is a hint.
    /// - Throws: `MiaError` naming the script when it is not written in the format forced, or when it is in a
    ///   format with a grammar (FDX, subtitles) but damaged.
    public static func read(_ text: String, name: String? = nil, as format: ScriptFormat?) throws -> ParsedScript {
        try read(text, name: name, forced: format)
    }

    /// Reads `text`, detecting its format; a damaged FDX or subtitle file reads as nothing (an empty script).
    /// For callers that have no file to name in an error; the pipeline uses `read(_:name:as:)`.
    public static func read(_ text: String, name: String? = nil) -> ParsedScript {
        (try? read(text, name: name, forced: nil)) ?? ParsedScript(format: .empty, scenes: [])
    }

    /// The readers of formats with a grammar of their own (a computed list: metatypes are not `Sendable`).
    static var readers: [any FormatReader.Type] { [FDXReader.self, SubtitleScript.self, TableScript.self, FountainReader.self] }

    private static func read(_ written: String, name: String?, forced: ScriptFormat?) throws -> ParsedScript {
        // `![description](path)` lines are taken out here, once, for every format (see `SceneMedia`).
        let (text, media) = SceneMedia.extract(written)
        let script = ScriptSource(text: text, name: name)
        guard script.lines.contains(where: { !$0.isEmpty }) else { return ParsedScript(format: .empty, scenes: []) }
        var result: ReaderResult
        var detection: FormatDetection
        if let forced, let reader = readers.first(where: { $0.formats.contains(forced) }) {
            do { result = try reader.read(script, as: forced) } catch {
                let natural = (try? read(text, name: name, forced: nil))?.format
                throw MiaError(file: name ?? "script", "cannot be read as \(forced.rawValue): \(error.reason)"
                               + (natural.map { $0 == .empty ? "" : "; it reads as \($0.rawValue)" } ?? ""))
            }
            detection = FormatDetection(format: forced, confidence: 1, forced: true)
        } else if let forced {
            guard let reading = ScriptParser.read(script, forced: forced) else {
                let natural = (try? read(text, name: name, forced: nil))?.format ?? .prose
                throw MiaError(file: name ?? "script", "cannot be read as \(forced.rawValue): \(MiaMessages.missingLayout(forced)); "
                               + "it reads as \(natural.rawValue)")
            }
            result = ReaderResult(drafts: reading.drafts())
            detection = FormatDetection(format: forced, confidence: 1, forced: true)
        } else {
            let fits = readers.compactMap { reader in reader.detect(script).map { (reader, $0) } }
                .sorted { $0.1.confidence > $1.1.confidence }
            // The line reader is at most 0.9 sure: a grammar that fits better needs no line reading at all.
            let lines = (fits.first?.1.confidence ?? 0) > 0.9 ? nil : ScriptParser.read(script)
            if let (reader, best) = fits.first, best.confidence >= (lines?.confidence ?? 0) {
                do { result = try reader.read(script, as: best.format) } catch {
                    throw MiaError(file: name ?? "script", "looks like \(best.format.rawValue) but cannot be read: \(error.reason)")
                }
                // Tags and prose read any text: only another structure is an alternative worth naming.
                let structured = lines.flatMap { [.prose, .tags].contains($0.format) ? nil : $0.format }
                let alternative = fits.dropFirst().first { $0.1.confidence >= 0.5 }?.1.format ?? structured
                detection = FormatDetection(format: best.format, confidence: best.confidence, alternative: alternative)
            } else if let lines {
                result = ReaderResult(drafts: lines.drafts())
                // A grammar that only half fits (three capitalised lines that could be screenplay cues) is no
                // reading to suggest.
                detection = FormatDetection(format: lines.format, confidence: lines.confidence,
                                            alternative: fits.first { $0.1.confidence > 0.5 }?.1.format ?? lines.alternative)
            } else {
                return ParsedScript(format: .empty, scenes: [])
            }
        }
        var leftOut = result.leftOut
        var scenes = ScriptParser.scenes(from: result.drafts, leftOut: &leftOut)
        try SceneMedia.attach(media, to: &scenes, script: name ?? "script")
        leftOut.sort { $0.line < $1.line }
        if scenes.isEmpty { detection = FormatDetection(format: .empty, confidence: 0) }
        let format = detection.format
        return ParsedScript(format: format, scenes: scenes, detection: detection, leftOut: leftOut,
                            timingWarnings: timingWarnings(scenes))
    }

    /// Time ranges that overlap or leave a gap between one scene and the next, with the lines they came from.
    static func timingWarnings(_ scenes: [Scene]) -> [String] {
        var warnings: [String] = []
        var previous: (scene: Scene, end: Double)?
        for scene in scenes {
            guard let start = scene.annotatedStart else { previous = nil; continue }
            if let (before, end) = previous {
                let lines = [before.source?.firstLine, scene.source?.firstLine].compactMap { $0 }
                if start < end - 0.01 {
                    warnings.append(MiaMessages.timingOverlap(scene: scene.number, start: start, previous: before.number, end: end, lines: lines))
                } else if start > end + 0.01 {
                    warnings.append(MiaMessages.timingGap(scene: scene.number, start: start, previous: before.number, end: end, lines: lines))
                }
            }
            previous = scene.annotatedSeconds.map { (scene, start + $0) }
        }
        return warnings
    }
}

/// A script's text, split into lines once for every reader.
/// A class, so the cmark-gfm reading is made once and shared by every reader that asks (table detection,
/// table reading, the line reader); one read of one script, on one thread.
final class ScriptSource {
    let text: String
    /// Lines as written, without their line endings.
    let rawLines: [String]
    /// The same lines trimmed of surrounding blanks.
    let lines: [String]
    /// The file name (for its extension), when there is one.
    let name: String?

    init(text: String, name: String?) {
        self.text = text
        self.name = name
        rawLines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).map(String.init)
        lines = rawLines.map { ScriptParser.trim($0) }
    }

    /// What cmark-gfm makes of each line, parsed the first time it is asked for.
    private(set) lazy var markdown: [MarkdownLine] = MarkdownLines.parse(rawLines)

    /// The file name's extension, lower case ("fdx"), or "" without one.
    var fileExtension: String {
        guard let name, let dot = name.lastIndex(of: "."), !name[dot...].contains("/") else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }
}

/// What a reader makes of a script: scene drafts (each with the text it leaves out) and text outside every scene.
struct ReaderResult {
    var drafts: [ScriptParser.Draft]
    var leftOut: [LeftOutText] = []
}

/// Why a script is not in the format a reader was asked to read: one sentence, for the error line.
struct FormatMismatch: Error {
    let reason: String
}

/// A reader for one family of formats with a grammar of its own.
protocol FormatReader {
    /// The formats it reads.
    static var formats: [ScriptFormat] { get }
    /// How well the script fits one of these formats, 0…1 (above the line reader's 0.6–0.9 to win), or nil.
    static func detect(_ script: ScriptSource) -> (format: ScriptFormat, confidence: Double)?
    /// Reads the script as `format`, one of `formats`.
    /// - Throws: `FormatMismatch` when the script is not written that way (only when the format was forced).
    static func read(_ script: ScriptSource, as format: ScriptFormat) throws(FormatMismatch) -> ReaderResult
}
