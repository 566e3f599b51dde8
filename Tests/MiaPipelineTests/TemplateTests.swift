import Foundation
import Testing
@testable import MiaPipeline

/// The built-in template generator, checked by decoding its output with the ffmpeg CLI.
@Suite struct TemplateTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        let width: Int, height: Int, fps: Int, seconds: Double
        var testDescription: String { "\(width)x\(height)@\(fps) \(seconds)s" }
    }

    @Test(arguments: [
        Shape(width: 1920, height: 1080, fps: 30, seconds: 5),
        Shape(width: 1080, height: 1920, fps: 25, seconds: 2),
        Shape(width: 1080, height: 1080, fps: 24, seconds: 3.5),
        Shape(width: 640, height: 360, fps: 60, seconds: 1.25),
    ])
    func cardsHaveExactlyTheRequestedFramesAndSamples(shape: Shape) throws {
        let scratch = Scratch()
        let output = scratch.path("card.mp4")
        let card = TemplateCard(title: "Exact length", body: "fps × seconds frames", seconds: shape.seconds,
                                width: shape.width, height: shape.height, fps: shape.fps)
        let result = try TemplateRenderer(log: SilentLog()).render(card, to: output)
        let frames = Int((shape.seconds * Double(shape.fps)).rounded())
        #expect(result.frames == frames)
        #expect(result.audioSamples == Int((shape.seconds * 48000).rounded()))

        let probed = try ffprobe(output)
        #expect(probed.packets(ofStream: 0).count == frames)
        let video = try #require(probed.stream("video")), audio = try #require(probed.stream("audio"))
        #expect(abs((video.seconds ?? 0) - shape.seconds) < 1e-6)
        #expect(abs((audio.seconds ?? 0) - shape.seconds) < 1.0 / 48000 + 1e-6)

        let report = Verifier(log: SilentLog()).verify([output])[0]
        #expect(report.passed, "\(report.problems)")
        #expect(report.videoFrames == frames)
        let info = try MediaProbe.inspect(output)
        #expect(info.video?.width == shape.width && info.video?.height == shape.height)
        #expect(info.video?.profile == "High")
        #expect(info.video?.pixelFormat == "yuv420p")
        #expect(info.audio?.profile == "LC")
        #expect(try topLevelBoxes(output).firstIndex(of: "moov")! < topLevelBoxes(output).firstIndex(of: "mdat")!)
    }

    @Test func cardsOfOnePlanShareCodecParametersAndStitchByCopy() throws {
        let scratch = Scratch()
        let first = scratch.path("1.mp4"), second = scratch.path("2.mp4")
        let renderer = TemplateRenderer(log: SilentLog())
        try renderer.render(TemplateCard(title: "Scene one", seconds: 2, width: 640, height: 360), to: first)
        try renderer.render(TemplateCard(title: "A different scene", body: "with body text", seconds: 3,
                                         width: 640, height: 360, theme: try Theme.named("daylight")), to: second)
        let a = try MediaProbe.inspect(first), b = try MediaProbe.inspect(second)
        #expect(!a.video!.extradata.isEmpty)
        #expect(a.video?.extradata == b.video?.extradata)
        #expect(a.audio?.extradata == b.audio?.extradata)

        let stitched = scratch.path("both.mp4")
        let result = try Stitcher(log: SilentLog()).stitch([first, second], to: stitched)
        #expect(abs(result.duration - 5) < 1e-9)
        let report = Verifier(log: SilentLog()).verify([stitched])[0]
        #expect(report.passed, "\(report.problems)")
        #expect(report.videoFrames == 150)
    }

    /// The still stretch is written as skip pictures and repeated IDRs: it must decode to exactly
    /// the same picture, frame after frame, across keyframe repeats.
    @Test func stillFramesDecodeIdenticallyAcrossRepeatedKeyframes() throws {
        let scratch = Scratch()
        let output = scratch.path("card.mp4")
        let card = TemplateCard(title: "Hold still", body: "for seven seconds", seconds: 7, width: 320, height: 180, fps: 30)
        let result = try TemplateRenderer(log: SilentLog()).render(card, to: output)
        let hashes = try run("ffmpeg", ["-v", "error", "-i", output, "-map", "0:v", "-f", "framemd5", "-"]).stdout
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: ",").last!.trimmingCharacters(in: .whitespaces) }
        #expect(hashes.count == 210)
        let still = Array(hashes[(result.encodedFrames - 1)...])
        #expect(Set(still).count == 1, "the still stretch decodes to \(Set(still).count) different pictures")
        // The fade really moves: the first frames differ from the still.
        #expect(hashes[0] != still[0])
        #expect(result.encodedFrames < 30)
        // Seek points every 2 s: keyframes at the still and each 60 frames after it.
        let keyframes = try run("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "packet=flags",
                                            "-of", "csv=p=0", output]).stdout.split(separator: "\n").enumerated()
            .filter { $0.element.hasPrefix("K") }.map(\.offset)
        #expect(keyframes.contains(result.encodedFrames - 1))
        #expect(keyframes.contains(result.encodedFrames - 1 + 60))
        #expect(keyframes.contains(result.encodedFrames - 1 + 120))
    }

    @Test func theTextIsReallyThereAndAnEmptyCardIsPlainBackground() throws {
        let scratch = Scratch()
        let withText = scratch.path("text.mp4"), empty = scratch.path("empty.mp4")
        try TemplateRenderer(log: SilentLog()).render(TemplateCard(title: "Visible words", seconds: 1, width: 320, height: 180), to: withText)
        try TemplateRenderer(log: SilentLog()).render(TemplateCard(title: "", seconds: 1, width: 320, height: 180), to: empty)
        #expect(try inkPixels(withText, width: 320, height: 180) > 500)
        #expect(try inkPixels(empty, width: 320, height: 180) == 0)
    }

    @Test(arguments: [(1080, 1920), (1080, 1080), (1920, 1080), (320, 240)])
    func longTextStaysInsideTheSafeArea(width: Int, height: Int) throws {
        let title = "An unusually long headline that keeps going well past any sensible length for a title card"
        let body = String(repeating: "Body copy that wraps across many lines and must never spill outside the frame. ", count: 40)
        let painter = try CardPainter(width: width, height: height, theme: try Theme.named("midnight"), title: title, body: body,
                                      titleFont: Theme.boldFont, bodyFont: Theme.regularFont, fallbackFonts: [])
        let bounds = try #require(painter.textBounds)
        #expect(bounds.x >= width * 8 / 100 - 2 && bounds.x + bounds.width <= width - width * 8 / 100 + 2, "\(bounds)")
        #expect(bounds.y >= height * 10 / 100 - 2 && bounds.y + bounds.height <= height - height * 10 / 100 + 2, "\(bounds)")
        #expect(painter.titleLines.count <= 3)
        #expect(painter.bodyLines.last?.hasSuffix("…") == true)
    }

    @Test func unicodeTextRendersAndMissingGlyphsAreReported() throws {
        let scratch = Scratch()
        let log = CollectingLog()
        let result = try TemplateRenderer(log: log).render(TemplateCard(
            title: "Café naïve — Ünïcödé", body: "Zürich, São Paulo, 東京, emoji 🎬", seconds: 1, width: 640, height: 360),
            to: scratch.path("unicode.mp4"))
        #expect(result.titleLines.joined(separator: " ") == "Café naïve — Ünïcödé")
        let cjkFontInstalled = Theme.cjkFallbackFonts.contains { FileManager.default.fileExists(atPath: $0) }
        let warnings = log.events.filter { $0.tag == "MIA:WARN" }
        if !cjkFontInstalled {
            #expect(warnings.count == 1)
            if case .string(let message)? = warnings.first?["message"] { #expect(message.contains("東")) }
        }
        #expect(Verifier(log: SilentLog()).verify([scratch.path("unicode.mp4")])[0].passed)
    }

    @Test func severalCardsRenderInParallelAndOneFailureStopsNoOther() throws {
        let scratch = Scratch()
        var jobs = (1...4).map { n in
            (card: TemplateCard(title: "Card \(n)", seconds: 1, width: 320, height: 180), output: scratch.path("card-\(n).mp4"))
        }
        jobs.insert((card: TemplateCard(title: "Broken", seconds: 1, width: 320, height: 180, titleFont: "/missing.ttf"),
                     output: scratch.path("broken.mp4")), at: 2)
        let results = TemplateRenderer(log: SilentLog()).renderAll(jobs, concurrency: 2)
        #expect(results.count == 5)
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let card):
                #expect(index != 2)
                #expect(card.output == jobs[index].output)
                #expect(card.frames == 30)
            case .failure(let error):
                #expect(index == 2)
                #expect(error.subject == "/missing.ttf")
            }
        }
        #expect(scratch.contents == ["card-1.mp4", "card-2.mp4", "card-3.mp4", "card-4.mp4"])
    }

    @Test func aMissingFontIsAClearErrorAndWritesNothing() throws {
        let scratch = Scratch()
        let output = scratch.path("card.mp4")
        let card = TemplateCard(title: "No font", seconds: 1, width: 320, height: 180, titleFont: "/nonexistent/Font.ttf")
        #expect(throws: MiaError(file: "/nonexistent/Font.ttf", "font not found (install fonts-dejavu-core, or pass --font)")) {
            try TemplateRenderer(log: SilentLog()).render(card, to: output)
        }
        #expect(scratch.contents.isEmpty)
    }

    @Test func badSettingsAreRefused() throws {
        let scratch = Scratch()
        #expect(throws: MiaError("--size must be even numbers between 16 and 8192 (e.g. 1920x1080), not 321x180")) {
            try TemplateRenderer(log: SilentLog()).render(TemplateCard(title: "x", width: 321, height: 180), to: scratch.path("a.mp4"))
        }
        #expect(throws: MiaError("--duration must be between 0 and 3600 seconds")) {
            try TemplateRenderer(log: SilentLog()).render(TemplateCard(title: "x", seconds: 0), to: scratch.path("a.mp4"))
        }
        #expect(throws: MiaError("unknown theme \"neon\" (themes: midnight, daylight, sunset, mono)")) { try Theme.named("neon") }
        #expect(scratch.contents.isEmpty)
    }

    @Test func bitstreamHelpersRoundTrip() {
        var writer = BitWriter()
        let values = [0, 1, 2, 7, 8, 255, 1000, 65535]
        for value in values { writer.ue(value) }
        for value in [0, 1, -1, 5, -17] { writer.se(value) }
        writer.trailingBits()
        var reader = BitReader(writer.bytes)
        #expect(values.map { _ in reader.ue() } == values)
        #expect((0..<5).map { _ in reader.se() } == [0, 1, -1, 5, -17])
        #expect(!reader.overran)

        let raw: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 7]
        let escaped = H264StaticFrames.escape(raw)
        #expect(escaped == [0, 0, 3, 0, 0, 3, 0, 1, 0, 0, 3, 2, 0, 0, 3, 3, 7])
        #expect(H264StaticFrames.unescape(escaped) == raw)
    }

    @Test func stillFramesRefuseEncoderSettingsTheyCannotRepeat() throws {
        // The fixture was made with libx264's defaults: CABAC and B-frames (so POC type 0).
        let avcC = [UInt8](try #require(try MediaProbe.inspect(Repo.media("h264-aac-a.mp4")).video?.extradata))
        // avcC → Annex B: [1, profile, compat, level, 0xFF, 0xE1, SPS length, SPS, 1, PPS length, PPS].
        let spsLength = Int(avcC[6]) << 8 | Int(avcC[7])
        let sps = avcC[8..<8 + spsLength]
        let ppsStart = 8 + spsLength + 1
        let ppsLength = Int(avcC[ppsStart]) << 8 | Int(avcC[ppsStart + 1])
        let pps = avcC[(ppsStart + 2)..<(ppsStart + 2 + ppsLength)]
        let annexB = [0, 0, 0, 1] + Array(sps) + [0, 0, 0, 1] + Array(pps)
        #expect(throws: H264StaticFrames.Unsupported.self) { try H264StaticFrames(extradata: annexB) }
        #expect(throws: H264StaticFrames.Unsupported.self) { try H264StaticFrames(extradata: [0, 0, 1, 0x67]) }
    }
}
