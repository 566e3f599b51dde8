import Foundation
import Testing
@testable import MiaPipeline

/// Captions burned into the picture (libass through libavfilter's `ass` filter): real narrated renders,
/// their frames decoded by ffmpeg and compared with the same plan stitched without captions.
@Suite struct BurnedCaptionTests {
    /// A narrated render with no captions, for `size`; its plan is stitched again with burned captions.
    static func render(_ name: String, width: Int, height: Int, scratch: Scratch) async throws -> (plan: RenderPlan, planPath: String, output: String) {
        let render = RenderOrchestrator(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([]), log: SilentLog())
        var plan = PlanOptions(provider: .template, width: width, height: height, fps: 30)
        plan.narration = NarrationOptions(voice: .engine(.espeak, voice: nil), captions: CaptionMode.none)
        let options = RenderOptions(plan: plan, theme: try Theme.named("midnight"))
        let output = scratch.path("\(name).mp4")
        let prepared = try await render.prepare(script: CaptionRenderTests.script, name: "harbor.txt", output: output, options: options)
        _ = try await render.execute(prepared, output: output, options: options)
        return (prepared.plan, scratch.path("\(name).plan.json"), output)
    }

    static func burn(_ planPath: String, to output: String, style: CaptionStyle) throws -> StitchResult {
        var options = StitchOptions(captions: .burn)
        options.captionAppearance = CaptionAppearance(style: style)
        return try Stitcher(log: SilentLog()).stitch(plan: PlanFiles.load(planPath), to: output, options: options)
    }

    /// Rows where some pixel differs clearly between the two frames (luma, 0–255).
    static func changedRows(_ a: Data, _ b: Data, width: Int, threshold: Int = 48) -> [Int] {
        let height = a.count / width
        return (0..<height).filter { y in
            (0..<width).contains { x in abs(Int(a[y * width + x]) - Int(b[y * width + x])) > threshold }
        }
    }

    @Test func aBurnedCaptionChangesTheLowerPartOfTheFrameAtItsCueAndNothingAbove() async throws {
        let scratch = Scratch()
        let (_, planPath, plain) = try await Self.render("harbor", width: 640, height: 360, scratch: scratch)
        // A name the filter graph would misread unescaped: quote, colon, comma, brackets.
        let output = scratch.path("harbor's: cut, [1].mp4")
        let result = try Self.burn(planPath, to: output, style: .subtitle)
        #expect(result.reencodedClips.count == 3 && result.copiedClips.isEmpty)
        #expect(Verifier(log: SilentLog()).verify([output])[0].passed)
        #expect(try ffprobe(output, packets: false).stream("subtitle") == nil, "burned, not a track")
        let layout = CaptionLayout(width: 640, height: 360, style: .subtitle)
        let cues = result.captions
        #expect(cues.count >= 4)

        for cue in cues {
            let middle = (cue.start + cue.end) / 2
            let burned = try rawFrame(output, seek: ["-ss", String(format: "%.3f", middle)])
            let clean = try rawFrame(plain, seek: ["-ss", String(format: "%.3f", middle)])
            try #require(burned.count == 640 * 360 && clean.count == burned.count)
            let rows = Self.changedRows(burned, clean, width: 640)
            #expect(!rows.isEmpty, "the cue at \(middle) s (\(cue.lines)) changed nothing")
            // Only the caption's band: below the middle of the frame, above the safe area's bottom (plus the outline).
            #expect(rows.allSatisfy { $0 >= 180 && $0 < layout.height - layout.marginBottom + 4 }, "rows \(rows.first!)…\(rows.last!) at \(middle) s")
            let twoLines = Double(layout.fontSize) * 2.6
            #expect(Double(rows.count) <= twoLines + 8 && (cue.lines.count == 1 ? Double(rows.count) <= twoLines / 2 + 8 : true))
        }
        // Where no cue is on screen (the first lead-in, and a scene's silent tail), the frame is as without captions.
        var quiet = [0.1]
        for (cue, next) in zip(cues, cues.dropFirst()) where next.start - cue.end > 0.3 { quiet.append((cue.end + next.start) / 2) }
        #expect(quiet.count >= 2)
        for time in quiet {
            let burned = try rawFrame(output, seek: ["-ss", String(format: "%.3f", time)])
            let clean = try rawFrame(plain, seek: ["-ss", String(format: "%.3f", time)])
            #expect(Self.changedRows(burned, clean, width: 640).isEmpty, "something drawn at \(time) s, between cues")
        }
        // The hidden caption script and segments are gone.
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.path("")).filter { $0.hasPrefix(".") }
        #expect(left.isEmpty, "\(left)")
    }

    /// Gold pixels (the highlight, #FFD700) in an RGB frame: how many inside the area, their mean x, and how many outside.
    static func gold(_ rgb: Data, width: Int, inside: (Int, Int) -> Bool) -> (count: Int, meanX: Double, outside: Int) {
        var count = 0, sumX = 0, outside = 0
        for index in stride(from: 0, to: rgb.count - 2, by: 3)
        where rgb[index] > 200 && rgb[index + 1] > 170 && rgb[index + 1] < 240 && rgb[index + 2] < 90 {
            let pixel = index / 3, x = pixel % width, y = pixel / width
            if inside(x, y) {
                count += 1
                sumX += x
            } else {
                outside += 1
            }
        }
        return (count, count == 0 ? 0 : Double(sumX) / Double(count), outside)
    }

    @Test func karaokeHighlightsTheWordBeingSpokenInsideTheTallFramesSafeArea() async throws {
        let scratch = Scratch()
        let (_, planPath, _) = try await Self.render("tall", width: 360, height: 640, scratch: scratch)
        let output = scratch.path("tall-karaoke.mp4")
        let result = try Self.burn(planPath, to: output, style: .karaoke)
        let layout = CaptionLayout(width: 360, height: 640, style: .karaoke)
        // Clear of the platforms' bottom quarter and right-hand buttons.
        #expect(layout.marginBottom == 160 && layout.marginRight >= 360 / 6)
        let safe = layout.safeArea
        // The first group of two or more words, each at the middle of its time: the gold moves from word to word.
        let groups = result.captions.flatMap { CaptionScript.groups($0.words, lineLength: layout.lineLength(language: "en")) }
        let words = try #require(groups.first { $0.count >= 2 })
        var centres: [Double] = []
        for word in words {
            let time = (word.start + min(word.end, word.start + 0.3)) / 2
            let frame = try rawFrame(output, seek: ["-ss", String(format: "%.3f", time)], pixelFormat: "rgb24")
            try #require(frame.count == 360 * 640 * 3)
            let gold = Self.gold(frame, width: 360) { safe.x.contains($0) && safe.y.contains($1) }
            #expect(gold.count > 20, "no highlighted word at \(time) s (\(word.text))")
            #expect(gold.outside == 0, "\(gold.outside) highlighted pixels outside the safe area at \(time) s")
            centres.append(gold.meanX)
        }
        #expect(centres == centres.sorted() && Set(centres).count == centres.count, "the highlight moves along the words: \(centres)")
    }

    @Test func theScriptEscapesTextAndGroupsKaraokeWords() {
        #expect(CaptionScript.escaped("a {b} c\\N d") == "a \\{b\\} c\\\u{2060}N d")
        let words = ["One", "two", "three,", "four", "five", "six", "seven."].enumerated().map { index, text in
            CaptionCue.Word(text: text, start: Double(index), end: Double(index) + 0.8, spaced: index > 0)
        }
        let groups = CaptionScript.groups(words, lineLength: 18).map { $0.map(\.text).joined(separator: " ") }
        #expect(groups == ["One two three,", "four five six", "seven."])
        let cue = CaptionCue(start: 0, end: 7.5, lines: ["One two three, four", "five six seven."], scene: 1, words: words)
        let layout = CaptionLayout(width: 1920, height: 1080, style: .karaoke)
        let text = CaptionScript(layout: layout, style: .karaoke, font: CaptionFont(family: "DejaVu Sans", directory: nil)).text([cue])
        let events = text.split(separator: "\n").filter { $0.hasPrefix("Dialogue:") }
        #expect(events.count == 7, "one event per word")
        #expect(events[0] == "Dialogue: 0,0:00:00.00,0:00:01.00,Caption,,0,0,0,,{\\1c&H0000D7FF&}One{\\r} two three,")
        #expect(events[6].hasPrefix("Dialogue: 0,0:00:06.00,0:00:07.50,"))
        #expect(text.contains("PlayResX: 1920\nPlayResY: 1080"))
        // Wide frames: the title-safe 90 %, lines of the norm's 42 for subtitles.
        let wide = CaptionLayout(width: 1920, height: 1080, style: .subtitle)
        #expect(wide.marginLeft == 96 && wide.marginBottom == 86 && wide.lineLength == 42 && wide.fontSize == 54)
        let tall = CaptionLayout(width: 1080, height: 1920, style: .subtitle)
        #expect(tall.lineLength < 42 && tall.lineLength(language: "ja") < tall.lineLength)
    }

    @Test func fontsAreCheckedAndNamed() throws {
        #expect(try CaptionFont.resolve(nil).family == "DejaVu Sans")
        #expect(try CaptionFont.resolve("dejavu serif").family == "DejaVu Serif")
        do {
            _ = try CaptionFont.resolve("Comic Sans Nowhere")
            Issue.record("an unknown font was accepted")
        } catch let error as MiaError {
            #expect(error.message.contains("\"Comic Sans Nowhere\" is not installed") && error.message.contains("DejaVu Sans"), "\(error.message)")
        }
        let file = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
        let byFile = try CaptionFont.resolve(file)
        #expect(byFile.family == "DejaVu Sans" && byFile.directory == "/usr/share/fonts/truetype/dejavu")
        let scratch = Scratch()
        try "not a font".write(toFile: scratch.path("fake.ttf"), atomically: true, encoding: .utf8)
        #expect(throws: MiaError.self) { try CaptionFont.resolve(scratch.path("fake.ttf")) }
        #expect(throws: MiaError.self) { try CaptionFont.resolve(scratch.path("missing.ttf")) }
        #expect(throws: MiaError.self) { try CaptionFont.resolve(scratch.path("")) }

        // Characters no installed font has are named before they are drawn as boxes (a private-use
        // character: no font anywhere has it); Latin, Greek, Cyrillic, Arabic and Hebrew are covered by DejaVu.
        #expect(CaptionFont.uncovered("Hello, Καλημέρα, Привет, مرحبا, שלום").isEmpty)
        #expect(CaptionFont.uncovered("ok \u{10FFFD}\u{10FFFD} ok") == ["\u{10FFFD}"])
        let words = [WordTiming(word: "Hello", start: 0, end: 0.5), WordTiming(word: "\u{10FFFD}", start: 0.5, end: 1)]
        let burned = BurnedCaptions(source: CaptionSource(language: "en", clips: [CaptionSource.Clip(scene: 1, leadIn: 0.25, words: words)]),
                                    style: .subtitle, font: try CaptionFont.resolve(nil))
        #expect(burned.missingGlyphs?.contains("empty boxes") == true)
    }

    @Test func theCommandLineBurnsAPlanAndRefusesWhatCannotBe() async throws {
        let scratch = Scratch()
        let (_, planPath, _) = try await Self.render("cli", width: 320, height: 180, scratch: scratch)
        let environment = BatchTests.cleanEnvironment.merging(["MIA_DB": scratch.path("jobs.sqlite")]) { $1 }
        let burned = try run(Repo.cli, ["stitch", "--plan", planPath, "-o", scratch.path("burned.mp4"), "--captions", "burn",
                                        "--caption-style", "karaoke", "--caption-font", "DejaVu Serif"], environment: environment)
        #expect(burned.status == 0, "\(burned.stderr)")
        #expect(burned.stderr.contains("mode=burn") && burned.stderr.contains("style=karaoke") && burned.stderr.contains("font=\"DejaVu Serif\""),
                "\(burned.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path("burned.srt")), "sidecars come with burned captions")

        let never = try run(Repo.cli, ["stitch", "--plan", planPath, "-o", scratch.path("never.mp4"), "--captions", "burn", "--normalize", "never"],
                            environment: environment)
        #expect(never.status != 0 && never.stderr.contains("--normalize never"), "\(never.stderr)")
        let font = try run(Repo.cli, ["stitch", "--plan", planPath, "-o", scratch.path("font.mp4"), "--captions", "burn", "--caption-font", "Nope Sans"],
                           environment: environment)
        #expect(font.status != 0 && font.stderr.contains("\"Nope Sans\" is not installed") && font.stderr.contains("DejaVu Sans"), "\(font.stderr)")
        let style = try run(Repo.cli, ["stitch", "--plan", planPath, "-o", scratch.path("style.mp4"), "--captions", "burn", "--caption-style", "neon"],
                            environment: environment)
        #expect(style.status != 0 && style.stderr.contains("subtitle") && style.stderr.contains("karaoke"), "\(style.stderr)")
        try "Scene 1: A\nVO: Hello there.\n".write(toFile: scratch.path("s.txt"), atomically: true, encoding: .utf8)
        let silent = try run(Repo.cli, ["render", scratch.path("s.txt"), "-o", scratch.path("silent.mp4"), "--voice", "none", "--captions", "burn"],
                             environment: environment)
        #expect(silent.status != 0 && silent.stderr.contains("--voice none has none"), "\(silent.stderr)")
        for name in ["never.mp4", "font.mp4", "style.mp4", "silent.mp4"] { #expect(!FileManager.default.fileExists(atPath: scratch.path(name))) }

        // A manifest says the same, and a style that does not exist is named with its line.
        try "jobs:\n  - script: a.txt\n    output: a.mp4\n    captions: burn\n    caption-style: karaoke\n    caption-font: Nope Sans\n"
            .write(toFile: scratch.path("m.yaml"), atomically: true, encoding: .utf8)
        try "Scene 1: A\nVO: Hello.\n".write(toFile: scratch.path("a.txt"), atomically: true, encoding: .utf8)
        let manifest = try run(Repo.cli, ["batch", scratch.path("m.yaml")], environment: environment)
        #expect(manifest.status == 65 && manifest.stderr.contains("m.yaml:6") && manifest.stderr.contains("Nope Sans"), "\(manifest.stderr)")
        try "jobs:\n  - script: a.txt\n    output: a.mp4\n    voice: none\n    captions: burn\n"
            .write(toFile: scratch.path("silent.yaml"), atomically: true, encoding: .utf8)
        let silentJob = try run(Repo.cli, ["batch", scratch.path("silent.yaml")], environment: environment)
        #expect(silentJob.status == 65 && silentJob.stderr.contains("silent.yaml:2") && silentJob.stderr.contains("voice: none has none"),
                "\(silentJob.stderr)")
    }
}
