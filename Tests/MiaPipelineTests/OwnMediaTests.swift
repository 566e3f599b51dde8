import Foundation
import Testing
@testable import MiaPipeline

/// `![description](path)` in a script: the user's own video or image as a scene's picture.
@Suite struct OwnMediaTests {
    // MARK: - Media made here with the ffmpeg CLI (an encoder independent of mia-stitch)

    /// A clip whose frames all differ strongly (a gradient that moves 40 levels a frame), with a tone.
    static func video(_ path: String, size: String = "320x180", rate: Int = 10, seconds: Double = 1, sound: Bool = true) throws {
        var arguments = ["-f", "lavfi", "-i", "color=c=black:s=\(size):r=\(rate):d=\(seconds),geq=lum='mod(2*X+Y+N*40\\,256)':cb=128:cr=128"]
        if sound { arguments += ["-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds)", "-c:a", "aac", "-shortest"] }
        try ffmpeg(arguments + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "12", path])
    }

    static func image(_ path: String, size: String = "640x360") throws {
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=\(size):r=1", "-frames:v", "1", path])
    }

    /// Every frame of `file` as 8-bit grey, `width`x`height` (after `filter`, when given).
    static func frames(_ file: String, width: Int, height: Int, filter: String? = nil, scratch: Scratch) throws -> [[UInt8]] {
        let raw = scratch.path("frames-\(UUID().uuidString).gray")
        try ffmpeg(["-i", file] + (filter.map { ["-vf", $0] } ?? []) + ["-f", "rawvideo", "-pix_fmt", "gray", raw])
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: raw)))
        let size = width * height
        return stride(from: 0, to: data.count - size + 1, by: size).map { Array(data[$0..<($0 + size)]) }
    }

    /// Mean absolute difference of two grey frames, 0…255.
    static func difference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        zip(a, b).reduce(0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(max(1, a.count))
    }

    static let target = TargetFormat(width: 320, height: 180, fps: 10)

    // MARK: - Reading the line

    @Test(arguments: [
        ("# Launch\n\n## Scene 1: Beach\n\n![waves at dawn](clips/beach.mp4)\n\nVO: The sea at dawn.\n\n## Scene 2: City\n\nVO: Then the city.\n", 5, 1),
        ("Scene 1: Beach\nVO: The sea at dawn.\n![waves at dawn](<clips/beach.mp4> \"dawn\")\n\nScene 2: City\nVO: Then the city.\n", 3, 1),
        ("INT. BEACH HOUSE - DAY\n\n![waves at dawn](clips/beach.mp4)\n\nMaya looks out at the sea.\n\nMAYA\nThe sea at dawn.\n\nEXT. CITY - NIGHT\n\nTraffic hums.\n", 3, 1),
        ("The sea at dawn is the quietest thing there is, and we start every morning there.\n\n"
         + "![waves at dawn](clips/beach.mp4)\n\nThen the city wakes up and everything gets loud, fast and bright again.\n", 3, 1),
    ])
    func aMediaLineAttachesToItsSceneInEveryFormat(script: String, line: Int, scene: Int) throws {
        let parsed = try ScriptReader.read(script, name: "s.txt", as: nil)
        let owner = try #require(parsed.scenes.first { $0.media != nil })
        #expect(owner.number == scene)
        #expect(owner.media == SceneMedia(description: "waves at dawn", path: "clips/beach.mp4", line: line))
        #expect(owner.media?.kind == .video)
        #expect(parsed.scenes.filter { $0.media != nil }.count == 1)
        for text in parsed.scenes.flatMap({ [$0.title, $0.visual, $0.narration, $0.onScreenText, $0.soundEffects] }) {
            #expect(!text.contains("beach.mp4") && !text.contains("waves at dawn"), "\(text)")
        }
    }

    @Test func aSecondFileInOneSceneIsRefusedWithItsLine() {
        let script = "Scene 1: Beach\n![a](a.mp4)\n![b](b.png)\nVO: Hello.\n\nScene 2: End\nVO: Bye.\n"
        #expect(throws: MiaError.self) { try ScriptReader.read(script, name: "s.txt", as: nil) }
        do { _ = try ScriptReader.read(script, name: "s.txt", as: nil) } catch {
            #expect("\(error)".contains("s.txt: line 3"))
        }
    }

    @Test func plansWrittenBeforeMediaStillLoadAndAPlanMayNotReachOutOfItsFolder() throws {
        let scratch = Scratch()
        let job = SceneJob(sceneNumber: 1, title: "t", provider: .template, model: "template", seconds: 2, prompt: "t",
                           narration: "", onScreenText: "", output: "p-scenes/scene-01.mp4", status: .pending, estimatedCost: 0, reason: "")
        var plan = RenderPlan(renderPlanId: "plan-x", scriptHash: "h", script: "s", format: .prose,
                              target: Self.target, estimatedCost: 0, totalSeconds: 2, outputDirectory: "p-scenes", warnings: [], scenes: [job])
        // An old plan: no `media` key at all.
        let old = try JSONSerialization.jsonObject(with: plan.json()) as! [String: Any]
        #expect(((old["scenes"] as! [[String: Any]])[0]["media"]) == nil)
        #expect(try JSONDecoder().decode(RenderPlan.self, from: plan.json()).scenes[0].media == nil)

        plan.scenes[0].media = SceneMedia(description: "", path: "../../etc/passwd.mp4", line: 1)
        #expect(throws: MiaError.self) { try PlanFiles(plan: plan, path: scratch.path("p.json")) }
        plan.scenes[0].media?.path = "media/beach.mp4"
        #expect(try PlanFiles(plan: plan, path: scratch.path("p.json")).mediaPath(plan.scenes[0]) == scratch.path("media/beach.mp4"))
        plan.scenes[0].media?.path = "/srv/footage/beach.mp4"
        #expect(try PlanFiles(plan: plan, path: scratch.path("p.json")).mediaPath(plan.scenes[0]) == "/srv/footage/beach.mp4")
    }

    // MARK: - The picture, frame by frame

    @Test(arguments: [(0.5, "trimmed"), (1.0, "exact"), (2.7, "looped")])
    func aVideoIsFittedToTheSceneFrameByFrame(seconds: Double, _ how: String) throws {
        let scratch = Scratch()
        let source = scratch.path("source.mp4"), clip = scratch.path("clip.mp4")
        try Self.video(source)
        try OwnMediaClip.write(source, kind: .video, seconds: seconds, target: Self.target, to: clip)

        let expected = Int((seconds * 10).rounded())
        let packets = try ffprobe(clip).packets ?? []
        #expect(packets.filter { $0.streamIndex == 0 }.count == expected, "\(how)")
        let audio = try #require(try ffprobe(clip, packets: false).streams?.first { $0.codecType == "audio" })
        #expect(abs((audio.seconds ?? 0) - seconds) < 0.03, "\(how): audio lasts \(audio.seconds ?? 0)")
        #expect(Verifier(log: SilentLog()).verify([clip], asStitchSet: false)[0].passed)

        let original = try Self.frames(source, width: 320, height: 180, scratch: scratch)
        let made = try Self.frames(clip, width: 320, height: 180, scratch: scratch)
        #expect(original.count == 10 && made.count == expected)
        for (index, frame) in made.enumerated() {
            let same = Self.difference(frame, original[index % original.count])
            let other = Self.difference(frame, original[(index + 3) % original.count])
            #expect(same < 4, "\(how): frame \(index) differs from its source by \(same)")
            #expect(other > 4 * same + 10, "\(how): frame \(index) is as close to another source frame (\(other) vs \(same))")
        }
    }

    @Test func anImageZoomsSlowlyAndSmoothly() throws {
        let scratch = Scratch()
        let image = scratch.path("still.png"), clip = scratch.path("clip.mp4")
        try Self.image(image)
        try OwnMediaClip.write(image, kind: .image, seconds: 3, target: Self.target, to: clip)
        let frames = try Self.frames(clip, width: 320, height: 180, scratch: scratch)
        #expect(frames.count == 30)
        #expect(try ffprobe(clip, packets: false).streams?.contains { $0.codecType == "audio" } == true)

        // The first frame is the whole image (scaled the same way); the zoom moves away from it steadily.
        let whole = try Self.frames(image, width: 320, height: 180, filter: "scale=320:180", scratch: scratch)[0]
        #expect(Self.difference(frames[0], whole) < 4)
        let fromStart = frames.map { Self.difference($0, frames[0]) }
        for index in 1..<fromStart.count {
            #expect(fromStart[index] >= fromStart[index - 1] - 0.5, "zoom went back at frame \(index): \(fromStart)")
        }
        #expect(fromStart.last! > 5)
        // Smooth: no step between neighbours much bigger than a typical one (zoompan on whole input pixels jumps).
        let steps = zip(frames, frames.dropFirst()).map { Self.difference($0, $1) }
        let typical = steps.sorted()[steps.count / 2]
        #expect(steps.max()! <= max(3 * typical, 1.5), "steps \(steps)")
    }

    // MARK: - End to end

    func orchestrator(_ scratch: Scratch) throws -> RenderOrchestrator {
        RenderOrchestrator(store: try JobStore(path: scratch.path("jobs.sqlite")), registry: ProviderRegistry([]), log: SilentLog())
    }

    func options(_ scratch: Scratch) throws -> RenderOptions {
        var plan = PlanOptions(provider: .runway, width: 320, height: 180, fps: 10)
        plan.scriptFolder = scratch.url.path
        return RenderOptions(plan: plan, theme: try Theme.named("midnight"))
    }

    @Test func aScriptWithAVideoAndAnImageRendersThemForFree() async throws {
        let scratch = Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path("media"), withIntermediateDirectories: true)
        // 4:3 footage in a 16:9 plan: fitted inside the frame with bars, as the reference below is.
        try Self.video(scratch.path("media/beach.mp4"), size: "240x180", seconds: 1)
        try Self.image(scratch.path("media/city.jpg"))
        let script = """
        Scene 1: Beach (2s)
        ![the beach at dawn](media/beach.mp4)
        VO: The sea at dawn.

        Scene 2: City (3s)
        ![the city](media/city.jpg)
        VO: Then the city.
        """
        let output = scratch.path("out.mp4")
        let render = try orchestrator(scratch)
        let prepared = try await render.prepare(script: script, name: "s.md", output: output, options: try options(scratch))
        #expect(prepared.plan.scenes.map { $0.media?.path } == ["media/beach.mp4", "media/city.jpg"])
        #expect(prepared.plan.scenes.allSatisfy { $0.estimatedCost == 0 && $0.provider == .media })
        #expect(prepared.plan.estimatedCost == 0)
        let outcome = try await render.execute(prepared, output: output, options: try options(scratch))
        #expect(outcome.spent == 0)
        let verified = Verifier(log: SilentLog()).verify(outcome.scenes.map(\.clip), plan: prepared.plan)
        #expect(verified.filter { !$0.passed }.isEmpty, "\(verified.flatMap(\.problems))")

        // A rerun reuses the clips; footage replaced under the same name is made again.
        let again = try await render.execute(prepared, output: scratch.path("again.mp4"), options: try options(scratch))
        #expect(again.scenes.map(\.reused) == [true, true])
        try await Task.sleep(for: .milliseconds(20))
        try Self.video(scratch.path("media/beach.mp4"), size: "240x180", seconds: 1)
        let replaced = try await render.execute(prepared, output: scratch.path("replaced.mp4"), options: try options(scratch))
        #expect(replaced.scenes.map(\.reused) == [false, true])

        let made = try Self.frames(output, width: 320, height: 180, scratch: scratch)
        #expect(made.count == 50)
        let reference = try Self.frames(scratch.path("media/beach.mp4"), width: 320, height: 180,
                                        filter: "scale=320:180:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:(oh-ih)/2",
                                        scratch: scratch)
        for index in 0..<20 {
            let same = Self.difference(made[index], reference[index % 10])
            #expect(same < 5, "output frame \(index) differs from the footage by \(same)")
        }
    }

    @Test func analyzeNamesAMissingFileAndItsLineBeforeAnythingIsSpent() throws {
        let scratch = Scratch()
        let script = "Scene 1: Beach\nVO: The sea.\n![beach](media/missing.mp4)\n\nScene 2: End\nVO: Bye.\n"
        try script.write(toFile: scratch.path("s.md"), atomically: true, encoding: .utf8)
        var options = AnalysisOptions()
        options.mediaFolder = scratch.url.path
        #expect(throws: MiaError.self) { try ScriptAnalyzer(log: SilentLog()).analyze(script, name: "s.md", options: options) }
        do { _ = try ScriptAnalyzer(log: SilentLog()).analyze(script, name: "s.md", options: options) } catch {
            #expect("\(error)" == "s.md: line 3: media/missing.mp4: file not found")
        }
        let cli = try run(Repo.cli, ["analyze", scratch.path("s.md")])
        #expect(cli.status != 0)
        #expect(cli.stderr.contains("line 3: media/missing.mp4: file not found"), "\(cli.stderr)")
    }

    @Test func hostileMediaIsRefusedInOneLine() throws {
        let scratch = Scratch()
        try Self.video(scratch.path("good.mp4"), seconds: 2)
        let good = try Data(contentsOf: URL(fileURLWithPath: scratch.path("good.mp4")))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: scratch.path("truncated.mp4")))
        var damaged = good
        for index in stride(from: damaged.count / 3, to: damaged.count - 64, by: 97) { damaged[index] ^= 0xFF }
        try damaged.write(to: URL(fileURLWithPath: scratch.path("damaged.mp4")))
        try Data().write(to: URL(fileURLWithPath: scratch.path("empty.mp4")))
        try ffmpeg(["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", "-f", "mp4", scratch.path("sound-only.mp4")])
        try ffmpeg(["-f", "lavfi", "-i", "color=s=17000x16", "-frames:v", "1", scratch.path("huge.png")])
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: scratch.path("text.png")))
        for name in ["truncated.mp4", "damaged.mp4", "empty.mp4", "sound-only.mp4", "huge.png", "text.png", "absent.mp4"] {
            do {
                try OwnMediaCheck.check(scratch.path(name))
                Issue.record("\(name) was accepted")
            } catch let error as MiaError {
                #expect(!error.message.contains("\n") && error.message.contains(name), "\(name): \(error.message)")
            }
        }
    }

    @Test func damagedMediaStopsARenderBeforeItStarts() async throws {
        let scratch = Scratch()
        try Self.video(scratch.path("good.mp4"), seconds: 2)
        let good = try Data(contentsOf: URL(fileURLWithPath: scratch.path("good.mp4")))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: scratch.path("cut.mp4")))
        let script = "Scene 1: Beach\nVO: The sea.\n\nScene 2: Cut\n![cut](cut.mp4)\nVO: Bye.\n"
        let render = try orchestrator(scratch)
        await #expect(throws: MiaError.self) {
            _ = try await render.prepare(script: script, name: "s.md", output: scratch.path("out.mp4"), options: try options(scratch))
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path("out.mp4")))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("out-scenes")))
    }
}
