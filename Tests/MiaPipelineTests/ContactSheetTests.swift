import Foundation
import Testing
@testable import MiaPipeline

/// `review VIDEO --contact-sheet SHEET.png`, driven as a user runs it, with ffmpeg and ffprobe as oracles.
@Suite struct ContactSheetTests {
    /// The five-scene spring-update script the render tests use.
    let script = RenderTests().script

    /// The sheet's geometry, from the rule it follows: 320-pixel frames, a 14-pixel gap, two label lines
    /// of 21 pixels plus 7.
    let gap = 14, cellWidth = 320, cellHeight = 180, labelHeight = 2 * 21 + 7

    /// A five-scene template render at 640x360 (no keys, no network).
    func renderedVideo(_ scratch: Scratch) async throws -> String {
        let output = scratch.path("spring.mp4")
        let render = RenderOrchestrator(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([]),
                                        log: SilentLog())
        let options = RenderOptions(plan: PlanOptions(width: 640, height: 360, fps: 30), theme: try Theme.named("midnight"))
        let prepared = try await render.prepare(script: script, name: "spring.txt", output: output, options: options)
        _ = try await render.execute(prepared, output: output, options: options)
        return output
    }

    @Test func aFramePerChapterFromItsMiddleLaidOutInAGridAndLabelled() async throws {
        let scratch = Scratch()
        let video = try await renderedVideo(scratch)
        let sheet = scratch.path("sheet.png")
        let result = try run(Repo.cli, ["review", video, "--contact-sheet", sheet])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Contact sheet: \(sheet) (5 frames)"))

        // Four columns, two rows; the PNG decodes with ffmpeg's own decoder.
        let width = 4 * cellWidth + 5 * gap, height = 2 * (cellHeight + labelHeight) + 3 * gap
        let probed = try #require(try ffprobe(sheet, packets: false).stream("video"))
        #expect(probed.codecName == "png")
        #expect(probed.width == width && probed.height == height)
        let pixels = try rawFrame(sheet, seek: [], pixelFormat: "rgba")
        try #require(pixels.count == width * height * 4)

        let chapters = try ffprobe(video, packets: false).chapters ?? []
        try #require(chapters.count == 5)
        let background = try Theme.named(Theme.defaultName).backgroundTop
        for (index, chapter) in chapters.enumerated() {
            let middle = ((Double(chapter.startTime) ?? 0) + (Double(chapter.endTime) ?? 0)) / 2
            let source = try rawFrame(video, seek: ["-ss", String(format: "%.3f", middle)], pixelFormat: "rgba",
                                      filter: "scale=\(cellWidth):\(cellHeight)")
            try #require(source.count == cellWidth * cellHeight * 4)
            let x0 = gap + index % 4 * (cellWidth + gap), y0 = gap + index / 4 * (cellHeight + labelHeight + gap)
            var difference = 0
            for y in 0..<cellHeight {
                for x in 0..<cellWidth {
                    for c in 0..<3 {
                        difference += abs(Int(pixels[((y0 + y) * width + x0 + x) * 4 + c]) - Int(source[(y * cellWidth + x) * 4 + c]))
                    }
                }
            }
            let mean = Double(difference) / Double(cellWidth * cellHeight * 3)
            #expect(mean < 2.5, "cell \(index + 1) differs from the frame at \(middle) s by \(mean) on average")

            // The label band holds ink: pixels far from the background.
            var ink = 0
            for y in (y0 + cellHeight)..<(y0 + cellHeight + labelHeight) {
                for x in x0..<(x0 + cellWidth) {
                    let p = (y * width + x) * 4
                    let distance = abs(Int(pixels[p]) - Int(background.r)) + abs(Int(pixels[p + 1]) - Int(background.g))
                        + abs(Int(pixels[p + 2]) - Int(background.b))
                    if distance > 120 { ink += 1 }
                }
            }
            #expect(ink > 100, "cell \(index + 1)'s label band has \(ink) inked pixels")
        }
        #expect(scratch.contents.filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func refusesToReplaceASheetWithoutOverwriteAndReplacesItWithIt() async throws {
        let scratch = Scratch()
        let video = Repo.media("h264-aac-a.mp4")
        let sheet = scratch.path("sheet.png")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: sheet))

        let refused = try run(Repo.cli, ["review", video, "--contact-sheet", sheet])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("mia-stitch: error: \(sheet): already exists (use --overwrite to replace it)"))
        #expect(try String(contentsOfFile: sheet, encoding: .utf8) == "keep me")

        let replaced = try run(Repo.cli, ["review", video, "--contact-sheet", sheet, "--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try ffprobe(sheet, packets: false).stream("video")?.codecName == "png")

        let notPNG = try run(Repo.cli, ["review", video, "--contact-sheet", scratch.path("sheet.jpg")])
        #expect(notPNG.status != 0)
        #expect(notPNG.stderr.contains("a contact sheet is a PNG"))
        #expect(scratch.contents == ["sheet.png"])
    }

    @Test func aVideoWithoutChaptersGetsAFrameAboutEveryFiveSeconds() throws {
        let scratch = Scratch()
        let video = scratch.path("testsrc.mp4")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=12", "-pix_fmt", "yuv420p", video])
        let sheet = try ContactSheet.scenes(of: video)
        #expect(sheet.cells.map(\.seconds) == [2, 6, 10])
        #expect(sheet.cells.map(\.label) == [["0:02"], ["0:06"], ["0:10"]])

        let output = scratch.path("sheet.png")
        let layout = try sheet.write(to: output, overwrite: false)
        #expect(layout.columns == 3 && layout.rows == 1 && layout.cellHeight == 180)
        let probed = try #require(try ffprobe(output, packets: false).stream("video"))
        #expect(probed.width == layout.width && probed.height == layout.height)
    }
}
