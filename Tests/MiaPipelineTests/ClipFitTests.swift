import Foundation
import Crypto
import Testing
@testable import MiaPipeline

/// A plan's scenes last their `length`: a provider clip longer than its scene is cut, one shorter
/// holds its last frame. Checked on the written file with the ffmpeg CLI (decoded pictures, decoded
/// sound, chapters), independent of the code under test.
@Suite struct ClipFitTests {
    static let width = 320, height = 180, fps = 30

    /// A provider clip already in the plan's format (so only its length keeps it from being
    /// copied): made by the ffmpeg CLI, every frame a different picture (a gradient moving across)
    /// so a frame out of place shows, and a tone at `frequency`; then brought to the format and
    /// encoder settings the Template cards have.
    /// - Returns: the ffmpeg CLI's clip, the pictures to compare with.
    @discardableResult
    static func providerClip(_ path: String, seconds: Double, frequency: Int) throws -> String {
        let raw = path + ".source.mp4"
        try ffmpeg(["-f", "lavfi", "-i", "color=c=gray:s=\(width)x\(height):r=\(fps):d=\(seconds),format=yuv420p,"
                    + "geq=lum='128+100*sin(N/3+X/20)':cb=128:cr=128",
                    "-f", "lavfi", "-i", "sine=f=\(frequency):r=48000:d=\(seconds)", "-ac", "2",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", raw])
        try Stitcher(log: SilentLog()).stitch([raw], to: path, options: StitchOptions(
            chapters: false, normalize: .always, size: PixelSize(width: width, height: height), fps: Rational(fps, 1)))
        return raw
    }

    static func card(_ title: String, seconds: Double, to path: String) throws {
        _ = try TemplateRenderer(log: SilentLog()).render(
            TemplateCard(title: title, seconds: seconds, width: width, height: height, fps: fps), to: path, overwrite: false)
    }

    static func job(_ number: Int, provider: ProviderID, seconds: Double, sceneSeconds: Double? = nil, fit: ClipFit? = nil) -> SceneJob {
        var job = SceneJob(sceneNumber: number, title: "Scene \(number)", provider: provider,
                           model: provider == .template ? "template" : "gen4.5", seconds: seconds, prompt: "p\(number)",
                           narration: "", onScreenText: "", output: "scenes/scene-\(number).mp4", status: .complete,
                           estimatedCost: 0, reason: "r")
        job.sceneSeconds = sceneSeconds
        job.fit = fit
        return job
    }

    static func plan(_ scenes: [SceneJob]) -> RenderPlan {
        RenderPlan(renderPlanId: "plan-fit", scriptHash: SHA256.hex("script"), script: "fit.md", format: .headings,
                   target: TargetFormat(width: width, height: height, fps: fps), budget: nil, targetDuration: nil,
                   estimatedCost: 0, totalSeconds: scenes.reduce(0) { $0 + $1.seconds }, outputDirectory: "scenes",
                   warnings: [], scenes: scenes)
    }

    /// Scene 1 and 4: Template cards in the plan's format. Scene 2: a 4 s clip in a 2.5 s scene
    /// (trim). Scene 3: a 2 s clip in a 3.5 s scene (hold).
    static func fittedPlan(in scratch: Scratch) throws -> PlanFiles {
        try FileManager.default.createDirectory(atPath: scratch.path("scenes"), withIntermediateDirectories: true)
        try card("One", seconds: 1, to: scratch.path("scenes/scene-1.mp4"))
        try providerClip(scratch.path("scenes/scene-2.mp4"), seconds: 4, frequency: 440)
        try providerClip(scratch.path("scenes/scene-3.mp4"), seconds: 2, frequency: 660)
        try card("Four", seconds: 1, to: scratch.path("scenes/scene-4.mp4"))
        let plan = plan([job(1, provider: .template, seconds: 1),
                         job(2, provider: .runway, seconds: 4, sceneSeconds: 2.5, fit: .trim),
                         job(3, provider: .runway, seconds: 2, sceneSeconds: 3.5, fit: .hold),
                         job(4, provider: .template, seconds: 1)])
        return try PlanFiles(plan: plan, path: scratch.path("plan.json"))
    }

    @Test func fittedScenesLastTheirLengthAndOnlyTheyAreReencoded() throws {
        let scratch = Scratch()
        let files = try Self.fittedPlan(in: scratch)
        let output = scratch.path("out.mp4")
        let log = CollectingLog()
        let result = try Stitcher(log: log).stitch(plan: files, to: output)

        #expect(result.mode == "normalize")
        #expect(log.events.first?["reason"] == .string(
            "clip 2 (\(files.clipPaths[1])): its video is 4.000 s, its scene 2.500 s (trim)"))
        #expect(result.copiedClips == [1, 4], "the cards need no fitting and match the format")
        #expect(result.reencodedClips == [2, 3])

        // Chapters are the scenes' lengths, to the frame.
        let frame = 1.0 / Double(Self.fps)
        let lengths = [1, 2.5, 3.5, 1]
        let probed = try ffprobe(output, packets: false)
        let chapters = try #require(probed.chapters)
        #expect(chapters.count == 4)
        var start = 0.0
        for (chapter, length) in zip(chapters, lengths) {
            #expect(abs(chapter.start - start) < frame / 2, "\(chapter.title ?? "") starts at \(chapter.start)")
            #expect(abs((chapter.end - chapter.start) - length) < frame / 2, "\(chapter.title ?? "") lasts \(chapter.end - chapter.start)")
            start += length
        }

        // The pictures, against the ffmpeg CLI's sources: the trimmed clip's first 75 frames, then the held
        // clip's 60 and its last one 45 times more.
        let out = try grayFrames(output)
        let trimmed = try grayFrames(files.clipPaths[1] + ".source.mp4"), held = try grayFrames(files.clipPaths[2] + ".source.mp4")
        #expect(out.count == 240 && trimmed.count == 120 && held.count == 60)
        try #require(out.count == 240 && held.count == 60)
        // Neighbouring source frames differ a lot, so a frame out of place cannot pass for the right one.
        #expect(meanDifference(held[58], held[59]) > 20)
        for index in 0..<75 {
            #expect(meanDifference(out[30 + index], trimmed[index]) < 4, "output frame \(30 + index) is not clip 2's frame \(index)")
        }
        for index in 0..<105 {
            let source = held[min(index, 59)]
            #expect(meanDifference(out[105 + index], source) < 4, "output frame \(105 + index) is not clip 3's frame \(min(index, 59))")
        }

        // The sound lasts exactly as long as the picture; the held part is silent, the clip's own part is not.
        let video = try #require(probed.stream("video")?.seconds)
        #expect(abs(video - 8) < frame / 2)
        #expect(abs(try #require(result.audioEnd) - result.duration) < 1.0 / 48_000)
        let samples = try monoSamples(output)
        #expect(abs(Double(samples.count) / 48_000 - video) < 1.0 / 48_000 * 2, "audio \(samples.count) samples, video \(video) s")
        #expect(rms(samples, from: 4.0, to: 5.4) > 0.05, "clip 3's own tone (a sine at 1/8 of full scale)")
        #expect(rms(samples, from: 5.6, to: 6.9) < 0.001, "silence while its last frame is held")

        let report = try #require(Verifier(log: SilentLog()).verify([output]).first)
        #expect(report.passed, "\(report.problems)")
        // A provider clip is judged by what it was asked for (`seconds`), not by its scene's length.
        let clips = Verifier(log: SilentLog()).verify(files.clipPaths, asStitchSet: false, plan: files.plan)
        #expect(clips.allSatisfy { $0.passed }, "\(clips.flatMap(\.problems))")
    }

    @Test func neverRefusesAClipThatNeedsFitting() throws {
        let scratch = Scratch()
        let files = try Self.fittedPlan(in: scratch)
        let output = scratch.path("out.mp4")
        #expect {
            try Stitcher(log: SilentLog()).stitch(plan: files, to: output, options: StitchOptions(normalize: .never))
        } throws: { error in
            (error as? MiaError)?.message == "clip 2 (\(files.clipPaths[1])): its video is 4.000 s, its scene 2.500 s (trim); "
                + "fitting it re-encodes it, which --normalize never rules out"
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// nil: no scene states a length of its own. 1.01: one does, within half a frame of its clip.
    @Test(arguments: [nil, 1.01] as [Double?])
    func aPlanThatNeedsNoFittingIsCopiedAsBefore(sceneSeconds: Double?) throws {
        let scratch = Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path("scenes"), withIntermediateDirectories: true)
        for (number, title) in ["One", "Two"].enumerated() {
            try Self.card(title, seconds: 1, to: scratch.path("scenes/scene-\(number + 1).mp4"))
        }
        let plan = Self.plan([Self.job(1, provider: .template, seconds: 1),
                              Self.job(2, provider: .template, seconds: 1, sceneSeconds: sceneSeconds, fit: sceneSeconds.map { _ in .trim })])
        let files = try PlanFiles(plan: plan, path: scratch.path("plan.json"))
        let output = scratch.path("out.mp4")
        let result = try Stitcher(log: SilentLog()).stitch(plan: files, to: output)

        #expect(result.mode == "copy")
        let joined = try ffprobe(output).packets(ofStream: 0).map(\.dataHash)
        let inputs = try files.clipPaths.flatMap { try ffprobe($0).packets(ofStream: 0).map(\.dataHash) }
        #expect(joined == inputs)
    }

    @Test func clipLengthsMustBeOnePerClipAndPositive() throws {
        let scratch = Scratch()
        let card = scratch.path("card.mp4")
        try Self.card("One", seconds: 1, to: card)
        let stitcher = Stitcher(log: SilentLog())
        #expect {
            try stitcher.stitch([card], to: scratch.path("a.mp4"), options: StitchOptions(clipLengths: [1, 2]))
        } throws: { error in
            (error as? MiaError)?.message == "2 clip lengths were given for 1 clips"
        }
        #expect {
            try stitcher.stitch([card], to: scratch.path("b.mp4"), options: StitchOptions(clipLengths: [-1]))
        } throws: { error in
            (error as? MiaError)?.message == "clip 1 (\(card)): its length -1.0 s is not a positive number of seconds up to a day"
        }
    }

    // MARK: - Decoding with the ffmpeg CLI

    /// Every picture of `file` as 8-bit luma, in order.
    func grayFrames(_ file: String) throws -> [[UInt8]] {
        let data = try ffmpegOutput(["-i", file, "-map", "0:v", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        let size = Self.width * Self.height
        try #require(data.count % size == 0)
        return stride(from: 0, to: data.count, by: size).map { [UInt8](data[$0..<$0 + size]) }
    }

    /// The sound of `file`, mixed to mono, as floats.
    func monoSamples(_ file: String) throws -> [Float] {
        let data = try ffmpegOutput(["-i", file, "-map", "0:a", "-f", "f32le", "-ac", "1", "-ar", "48000", "-"])
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func ffmpegOutput(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-v", "error"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return data
    }

    func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
    }

    func rms(_ samples: [Float], from start: Double, to end: Double) -> Double {
        let range = Int(start * 48_000)..<min(samples.count, Int(end * 48_000))
        guard !range.isEmpty else { return 0 }
        return (range.reduce(0.0) { $0 + Double(samples[$1] * samples[$1]) } / Double(range.count)).squareRoot()
    }
}
