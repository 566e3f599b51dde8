import Foundation
import MiaFFmpeg

/// One built-in template scene: a designed title card.
public struct TemplateCard: Sendable, Equatable {
    public var title: String
    public var body: String
    public var seconds: Double
    public var width: Int
    public var height: Int
    public var fps: Int
    public var theme: Theme
    /// Font files for the title and the body (default: the theme's).
    public var titleFont: String?
    public var bodyFont: String?
    /// Fade the text in, so the card is not a frozen frame.
    public var motion = true

    public init(title: String, body: String = "", seconds: Double = 5, width: Int = 1920, height: Int = 1080, fps: Int = 30,
                theme: Theme = try! Theme.named(Theme.defaultName), titleFont: String? = nil, bodyFont: String? = nil,
                motion: Bool = true) {
        self.title = title
        self.body = body
        self.seconds = seconds
        self.width = width
        self.height = height
        self.fps = fps
        self.theme = theme
        self.titleFont = titleFont
        self.bodyFont = bodyFont
        self.motion = motion
    }

    /// Frames in the card: exactly fps × seconds, rounded to the nearest frame.
    public var frameCount: Int { max(1, Int((seconds * Double(fps)).rounded())) }
}

/// What a rendered card holds.
public struct TemplateResult: Sendable {
    public let output: String
    public let frames: Int
    /// Frames x264 encoded; the rest repeat the still picture.
    public let encodedFrames: Int
    public let audioSamples: Int
    public let titleLines: [String]
    public let bodyLines: [String]
    public let elapsed: Double
}

/// Renders template cards: the default provider (no API keys), the fallback, and the look of
/// text-led scenes.
public struct TemplateRenderer: Sendable {
    public let log: any EventSink
    public var encoding = EncodingSettings()
    /// Seconds over which the title, then the body, fade in.
    static let fadeSeconds = 0.5
    static let bodyDelay = 0.2

    public init(log: any EventSink, encoding: EncodingSettings = EncodingSettings()) {
        self.log = log
        self.encoding = encoding
    }

    /// - Throws: `MiaError` for bad settings, a missing font, or a write failure; nothing is left at `output` then.
    @discardableResult
    public func render(_ card: TemplateCard, to output: String, overwrite: Bool = false) throws -> TemplateResult {
        let started = Date()
        try validate(card)
        let target = try AtomicOutput(destination: output, overwrite: overwrite)
        do {
            let result = try target.write { temporary in try encode(card, to: temporary, output: output, started: started) }
            log.emit(MiaEvent("MIA:TEMPLATE:COMPLETE", [
                ("output", .string(output)), ("frames", .int(Int64(result.frames))),
                ("encoded", .int(Int64(result.encodedFrames))), ("duration", .seconds(Double(result.frames) / Double(card.fps))),
                ("elapsed", .seconds(result.elapsed)),
            ]))
            return result
        } catch let error as MiaError {
            log.emit(MiaEvent("MIA:TEMPLATE:ERROR", [("output", .string(output)), ("reason", .string(error.message))]))
            throw error
        } catch let error as FFmpegError {
            let wrapped = MiaError(.output(output), "cannot render the card", ffmpeg: error)
            log.emit(MiaEvent("MIA:TEMPLATE:ERROR", [("output", .string(output)), ("reason", .string(wrapped.message))]))
            throw wrapped
        }
    }

    /// Renders several cards at once, one per core (x264 threads within a card as well), each
    /// written atomically; one card failing does not stop the others.
    /// - Returns: each card's result or error, in order.
    public func renderAll(_ jobs: [(card: TemplateCard, output: String)], overwrite: Bool = false,
                          concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) -> [Result<TemplateResult, MiaError>] {
        let renderer = self
        let lanes = max(1, min(concurrency, jobs.count))
        // Split the jobs into `lanes` interleaved groups and run the groups in parallel.
        let groups = (0..<lanes).map { lane in stride(from: lane, to: jobs.count, by: lanes).map { ($0, jobs[$0]) } }
        let results = groups.parallelMap { group -> [(Int, Result<TemplateResult, MiaError>)] in
            group.map { index, job in
                do {
                    return (index, .success(try renderer.render(job.card, to: job.output, overwrite: overwrite)))
                } catch let error as MiaError {
                    return (index, .failure(error))
                } catch {
                    return (index, .failure(MiaError(file: job.output, "\(error)")))
                }
            }
        }
        return results.flatMap { $0 }.sorted { $0.0 < $1.0 }.map { $0.1 }
    }

    private func validate(_ card: TemplateCard) throws {
        guard card.seconds > 0, card.seconds <= 3600 else { throw MiaError("--duration must be between 0 and 3600 seconds") }
        guard (16...8192).contains(card.width), (16...8192).contains(card.height), card.width % 2 == 0, card.height % 2 == 0 else {
            throw MiaError("--size must be even numbers between 16 and 8192 (e.g. 1920x1080), not \(card.width)x\(card.height)")
        }
        guard (1...120).contains(card.fps) else { throw MiaError("--fps must be between 1 and 120") }
    }

    private func encode(_ card: TemplateCard, to path: String, output: String, started: Date) throws -> TemplateResult {
        let painter = try CardPainter(width: card.width, height: card.height, theme: card.theme, title: card.title, body: card.body,
                                      titleFont: card.titleFont ?? card.theme.titleFont, bodyFont: card.bodyFont ?? card.theme.bodyFont,
                                      fallbackFonts: Theme.fallbackFonts)
        if !painter.missingCharacters.isEmpty {
            let characters = String(String.UnicodeScalarView(painter.missingCharacters.prefix(20)))
            let scripts = painter.missingScripts
            log.emit(MiaEvent("MIA:WARN", [
                ("kind", "missing-glyphs"), ("output", .string(output)),
                ("scripts", .string(scripts.map(\.code).joined(separator: ","))), ("characters", .string(characters)),
                ("message", .string(MiaMessages.missingGlyphs(characters, scripts: scripts.map { ($0.name, $0.fontPackage) }))),
            ]))
        }
        let writer = try CardMovieWriter(path: path, width: card.width, height: card.height, fps: Rational(card.fps, 1),
                                         settings: encoding)
        let total = card.frameCount
        // The picture stops changing once both fades are done; from there on it is a still.
        let motionFrames = card.motion && painter.hasText
            ? Int(((Self.fadeSeconds + Self.bodyDelay) * Double(card.fps)).rounded(.up)) : 0
        let stillStart = min(motionFrames, total - 1)
        for index in 0...stillStart {
            let t = Double(index) / Double(card.fps)
            let opacity = index == stillStart ? (1.0, 1.0) : Self.opacities(at: t)
            // The still picture is a keyframe: its repeats and seek points copy it.
            try writer.encode(rgba: painter.frame(titleOpacity: opacity.0, bodyOpacity: opacity.1), keyframe: index == stillStart)
        }
        try writer.repeatStill(count: total - stillStart - 1)
        let samples = Int((Double(total) * Double(encoding.audioSampleRate) / Double(card.fps)).rounded())
        try writer.writeSilence(samples: samples)
        try writer.finish()
        return TemplateResult(output: output, frames: writer.framesWritten, encodedFrames: stillStart + 1, audioSamples: samples,
                              titleLines: painter.titleLines, bodyLines: painter.bodyLines,
                              elapsed: Date().timeIntervalSince(started))
    }

    /// Title and body opacity `t` seconds in: smooth fades, the body starting a little later.
    static func opacities(at t: Double) -> (Double, Double) {
        func ease(_ x: Double) -> Double {
            let c = min(1, max(0, x))
            return c * c * (3 - 2 * c)
        }
        return (ease(t / fadeSeconds), ease((t - bodyDelay) / fadeSeconds))
    }
}
