import Foundation
import Testing
@testable import MiaPipeline

/// Clips that differ still make one correct video: re-encoded to one format, checked with
/// ffprobe and a full decode (both independent of the code under test).
@Suite struct NormalizeStitchTests {
    /// The issue's mixed set, made by the ffmpeg CLI: four sizes, rates, codecs and audio setups.
    static func mixedSet(in scratch: Scratch) throws -> [(path: String, seconds: Double)] {
        let clips: [(name: String, seconds: Double, arguments: [String])] = [
            ("full-hd-h264.mp4", 1.0, ["-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=1",
                                        "-f", "lavfi", "-i", "sine=f=440:r=48000:d=1", "-ac", "2",
                                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]),
            ("hd-24fps-silent.mp4", 1.25, ["-f", "lavfi", "-i", "testsrc=s=1280x720:r=24:d=1.25",
                                           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]),
            ("portrait-hevc.mp4", 1.0, ["-f", "lavfi", "-i", "testsrc2=s=720x1280:r=25:d=1",
                                        "-f", "lavfi", "-i", "sine=f=660:r=44100:d=1", "-ac", "1",
                                        "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
                                        "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-c:a", "aac"]),
            ("mpeg4.mp4", 0.6, ["-f", "lavfi", "-i", "smptebars=s=640x480:r=30:d=0.6",
                                "-f", "lavfi", "-i", "sine=f=220:r=48000:d=0.6", "-c:v", "mpeg4", "-q:v", "5", "-c:a", "aac"]),
        ]
        return try clips.map { clip in
            let path = scratch.path(clip.name)
            try ffmpeg(clip.arguments + ["-shortest", path])
            return (path, clip.seconds)
        }
    }

    @Test func mixedClipsBecomeOneFormatWithExactTimes() throws {
        let scratch = Scratch()
        let clips = try Self.mixedSet(in: scratch)
        let output = scratch.path("out.mp4")
        let log = CollectingLog()
        let result = try Stitcher(log: log).stitch(clips.map(\.path), to: output)

        #expect(result.mode == "normalize")
        #expect(result.target == NormalizeTarget(width: 1920, height: 1080, fps: Rational(30, 1),
                                                 audio: .init(sampleRate: 48_000, channels: 2)))
        #expect(result.reencodedClips == [1, 2, 3, 4], "clip 1 matches the target but x264 settings of its own")
        let start = try #require(log.events.first)
        #expect(start.tag == "MIA:STITCH:START")
        #expect(start["mode"] == .string("normalize"))
        #expect(start["reason"] == .string("clip 2 (\(clips[1].path)): video size is 1280x720, clip 1 is 1920x1080"))

        // One size, rate and codec; a full decode finds no errors.
        let probed = try ffprobe(output, packets: false)
        let video = try #require(probed.stream("video"))
        let audio = try #require(probed.stream("audio"))
        #expect(video.codecName == "h264" && video.width == 1920 && video.height == 1080 && video.frameRate == "30/1")
        #expect(audio.codecName == "aac" && audio.sampleRate == "48000" && audio.channels == 2)
        let report = try #require(Verifier(log: SilentLog()).verify([output]).first)
        #expect(report.passed, "\(report.problems)")
        #expect(report.decodeErrors == 0)

        // Total = sum of the inputs within one frame per clip; audio ends with the video.
        let frame = 1.0 / 30
        let total = clips.map(\.seconds).reduce(0, +)
        let videoSeconds = try #require(video.seconds), audioSeconds = try #require(audio.seconds)
        #expect(abs(videoSeconds - total) <= frame * Double(clips.count), "video \(videoSeconds) s, inputs \(total) s")
        #expect(abs(audioSeconds - videoSeconds) <= frame, "audio \(audioSeconds) s, video \(videoSeconds) s")

        // A chapter per clip, each starting where the clips before it end.
        let chapters = try #require(probed.chapters)
        #expect(chapters.map(\.title) == clips.map { URL(fileURLWithPath: $0.path).deletingPathExtension().lastPathComponent })
        var expectedStart = 0.0
        for (chapter, clip) in zip(chapters, clips) {
            #expect(abs(chapter.start - expectedStart) <= frame, "\(chapter.title ?? "") starts at \(chapter.start)")
            #expect(abs((chapter.end - chapter.start) - clip.seconds) <= frame)
            expectedStart = chapter.end
        }
        // Temporary segments are gone.
        #expect(Set(scratch.contents) == Set(clips.map { URL(fileURLWithPath: $0.path).lastPathComponent } + ["out.mp4"]))
    }

    @Test func clipsAlreadyInTheTargetFormatAreCopiedPacketForPacket() throws {
        let scratch = Scratch()
        let renderer = TemplateRenderer(log: SilentLog())
        var cards: [String] = []
        for title in ["One", "Two"] {
            let path = scratch.path("\(title).mp4")
            _ = try renderer.render(TemplateCard(title: title, seconds: 1, width: 640, height: 360, fps: 30),
                                to: path, overwrite: false)
            cards.append(path)
        }
        let odd = scratch.path("odd.mp4")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=s=320x240:r=24:d=1", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", odd])
        let output = scratch.path("out.mp4")
        let result = try Stitcher(log: SilentLog()).stitch([cards[0], odd, cards[1]], to: output)

        #expect(result.mode == "normalize")
        #expect(result.copiedClips == [1, 3])
        #expect(result.reencodedClips == [2])
        // The cards' video packets are in the output unchanged, at their places.
        let outputVideo = try ffprobe(output).packets(ofStream: 0).map(\.dataHash)
        let first = try ffprobe(cards[0]).packets(ofStream: 0).map(\.dataHash)
        let last = try ffprobe(cards[1]).packets(ofStream: 0).map(\.dataHash)
        #expect(outputVideo.count == first.count + 30 + last.count)
        #expect(Array(outputVideo.prefix(first.count)) == first)
        #expect(Array(outputVideo.suffix(last.count)) == last)
        let report = try #require(Verifier(log: SilentLog()).verify([output]).first)
        #expect(report.passed && report.decodeErrors == 0, "\(report.problems)")
    }

    @Test func copyOnlySetsStillGoThroughByteExact() throws {
        let scratch = Scratch()
        let a = Repo.media("h264-aac-a.mp4"), b = Repo.media("h264-aac-b.mp4")
        let output = scratch.path("out.mp4")
        let log = CollectingLog()
        let result = try Stitcher(log: log).stitch([a, b], to: output)
        #expect(result.mode == "copy")
        #expect(log.events.first?["mode"] == .string("copy"))
        let joined = try ffprobe(output).packets(ofStream: 0).map(\.dataHash)
        let inputs = try ffprobe(a).packets(ofStream: 0).map(\.dataHash) + ffprobe(b).packets(ofStream: 0).map(\.dataHash)
        #expect(joined == inputs)
    }

    /// Many short clips alternating 44.1 and 48 kHz (and one silent): the audio never drifts
    /// from the video, because each clip's audio is cut to exactly its video length.
    @Test func audioStaysWithTheVideoOverManyJoins() throws {
        let scratch = Scratch()
        var clips: [String] = []
        for index in 0..<12 {
            let path = scratch.path("clip\(index).mp4")
            var arguments = ["-f", "lavfi", "-i", "testsrc=s=320x180:r=30:d=0.7"]
            if index != 5 {
                arguments += ["-f", "lavfi", "-i", "sine=f=\(300 + 40 * index):r=\(index % 2 == 0 ? 48_000 : 44_100):d=0.7", "-c:a", "aac"]
            }
            try ffmpeg(arguments + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-shortest", path])
            clips.append(path)
        }
        let output = scratch.path("out.mkv")
        let result = try Stitcher(log: SilentLog()).stitch(clips, to: output)
        #expect(result.mode == "normalize")
        let probed = try ffprobe(output)
        let videoEnd = try #require(probed.packets(ofStream: 0).compactMap { p in p.pts.map { Double($0 + (p.duration ?? 0)) / 1000 } }.max())
        let audioEnd = try #require(probed.packets(ofStream: 1).compactMap { p in p.pts.map { Double($0 + (p.duration ?? 0)) / 1000 } }.max())
        #expect(abs(videoEnd - 12 * 0.7) <= 1.0 / 30, "video ends at \(videoEnd)")
        #expect(abs(audioEnd - videoEnd) <= 1.0 / 30, "audio ends at \(audioEnd), video at \(videoEnd)")
        #expect(result.audioEnd.map { abs($0 - result.duration) < 0.001 } == true)
    }

    /// Portrait into landscape: pad keeps the whole picture between black bars, crop fills the frame.
    @Test(arguments: [NormalizeTarget.Fit.pad, .crop])
    func fitPadsOrCrops(fit: NormalizeTarget.Fit) throws {
        let scratch = Scratch()
        let portrait = scratch.path("portrait.mp4")
        // A white picture, so black bars stand out.
        try ffmpeg(["-f", "lavfi", "-i", "color=c=white:s=360x640:r=30:d=0.5", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", portrait])
        let output = scratch.path("out.mp4")
        let result = try Stitcher(log: SilentLog()).stitch([portrait], to: output, options: StitchOptions(
            normalize: .auto, size: PixelSize(width: 640, height: 360), fps: Rational(25, 1), fit: fit))
        #expect(result.target?.width == 640 && result.target?.fps == Rational(25, 1))
        #expect(result.clips.first.map { abs($0.durationSeconds - 0.52) < 0.001 } == true, "0.5 s at 25 fps is 13 frames")

        // The first picture's luma at the left edge and in the middle, decoded by the ffmpeg CLI.
        let gray = scratch.path("frame.gray")
        try ffmpeg(["-i", output, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", gray])
        let pixels = [UInt8](try Data(contentsOf: URL(fileURLWithPath: gray)))
        #expect(pixels.count == 640 * 360)
        let edge = Int(pixels[180 * 640 + 10]), middle = Int(pixels[180 * 640 + 320])
        #expect(middle > 200, "the picture is white in the middle")
        if fit == .pad { #expect(edge < 30, "pillarbox bars are black, got \(edge)") } else { #expect(edge > 200, "crop fills the frame, got \(edge)") }
    }

    @Test func neverRefusesAndAlwaysReencodesCopyableClips() throws {
        let scratch = Scratch()
        let a = Repo.media("h264-aac-a.mp4"), small = Repo.media("h264-aac-160x90.mp4")
        #expect(throws: MiaError.self) {
            try Stitcher(log: SilentLog()).stitch([a, small], to: scratch.path("never.mp4"), options: StitchOptions(normalize: .never))
        }
        #expect(scratch.contents.isEmpty)
        let always = try Stitcher(log: SilentLog()).stitch([a, a], to: scratch.path("always.mp4"),
                                                           options: StitchOptions(normalize: .always))
        #expect(always.mode == "normalize" && always.reencodedClips == [1, 2] && always.copiedClips.isEmpty)
    }

    /// A crossfade dissolves each clip into the next (video and audio) and shortens the total by
    /// the overlaps, which the summary states.
    @Test func crossfadesOverlapClipsAndSayHowMuchShorterTheVideoIs() throws {
        let scratch = Scratch()
        var clips: [String] = []
        for (index, pattern) in ["testsrc", "smptebars", "rgbtestsrc"].enumerated() {
            let path = scratch.path("\(pattern).mp4")
            try ffmpeg(["-f", "lavfi", "-i", "\(pattern)=s=320x180:r=30:d=1", "-f", "lavfi", "-i", "sine=f=\(300 + 200 * index):r=48000:d=1",
                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path])
            clips.append(path)
        }
        let output = scratch.path("out.mp4")
        let log = CollectingLog()
        let result = try Stitcher(log: log).stitch(clips, to: output, options: StitchOptions(crossfade: 0.2))
        #expect(result.mode == "normalize" && result.reencodedClips == [1, 2, 3])
        #expect(abs(result.duration - 2.6) < 0.001, "3 × 1 s less 2 × 0.2 s overlaps")
        let complete = try #require(log.events.last)
        #expect(complete["crossfades"] == .int(2))
        #expect(complete["shortened_by"].map { if case .seconds(let s) = $0 { abs(s - 0.4) < 1e-9 } else { false } } == true)
        #expect(log.events.filter { $0.tag == "MIA:STITCH:CROSSFADE" }.count == 2)

        let probed = try ffprobe(output, packets: false)
        let video = try #require(probed.stream("video")?.seconds), audio = try #require(probed.stream("audio")?.seconds)
        #expect(abs(video - 2.6) < 0.001 && abs(audio - video) <= 1.0 / 30)
        #expect(probed.chapters?.map(\.start) == [0, 0.8, 1.6])
        let report = try #require(Verifier(log: SilentLog()).verify([output]).first)
        #expect(report.passed && report.videoFrames == 78, "\(report.problems)")

        // Halfway through the first crossfade the picture is a mix of both clips: it differs from
        // clip 1 and clip 2 at the same moment (decoded by the ffmpeg CLI).
        func lumaSum(_ file: String, at seconds: Double) throws -> Int {
            let gray = scratch.path("frame-\(UUID().uuidString).gray")
            try ffmpeg(["-ss", String(seconds), "-i", file, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", gray])
            return try Data(contentsOf: URL(fileURLWithPath: gray)).reduce(0) { $0 + Int($1) }
        }
        let mixed = try lumaSum(output, at: 0.9), first = try lumaSum(clips[0], at: 0.9), second = try lumaSum(clips[1], at: 0.1)
        #expect(mixed != first && mixed != second)
        #expect(min(first, second) <= mixed && mixed <= max(first, second))

        #expect(throws: MiaError(file: "clip 2 (\(clips[1]))", "lasts 1.000 s, too short for a 0.500 s crossfade on each side")) {
            try Stitcher(log: SilentLog()).stitch(clips, to: scratch.path("long.mp4"), options: StitchOptions(crossfade: 0.5))
        }
    }

    /// The copy decision compares SPS/PPS, not container bytes: a card's mp4 (avcC) matches what
    /// the encoder gives (Annex B) at the card's size and rate, and nothing else.
    @Test func parameterSetsAreComparedAcrossAvcCAndAnnexB() throws {
        let scratch = Scratch()
        let card = scratch.path("card.mp4")
        _ = try TemplateRenderer(log: SilentLog()).render(TemplateCard(title: "Hi", seconds: 1, width: 640, height: 360, fps: 30), to: card)
        let extradata = try #require(MediaProbe.inspect(card).video?.extradata)
        #expect(extradata.first == 1, "mp4 stores avcC")
        let settings = EncodingSettings()
        #expect(try settings.givesParameterSets(of: extradata, width: 640, height: 360, fps: Rational(30, 1)))
        #expect(try !settings.givesParameterSets(of: extradata, width: 640, height: 360, fps: Rational(25, 1)))
        #expect(try !settings.givesParameterSets(of: extradata, width: 1280, height: 720, fps: Rational(30, 1)))
        let other = try #require(MediaProbe.inspect(Repo.media("h264-aac-a.mp4")).video?.extradata)
        #expect(try !settings.givesParameterSets(of: other, width: 320, height: 180, fps: Rational(30, 1)))
        #expect(H264ParameterSets(extradata: [1, 2, 3]) == nil)
    }

    @Test func scaledSizeKeepsTheDisplayShape() {
        let pad = NormalizeTarget(width: 1920, height: 1080, fps: Rational(30, 1), fit: .pad, audio: nil)
        #expect(pad.scaledSize(sourceWidth: 720, sourceHeight: 1280, sampleAspect: nil) == (608, 1080))
        #expect(pad.scaledSize(sourceWidth: 1280, sourceHeight: 720, sampleAspect: Rational(1, 1)) == (1920, 1080))
        // Anamorphic DV: 720x480 at 32:27 pixels is 16:9 on screen.
        #expect(pad.scaledSize(sourceWidth: 720, sourceHeight: 480, sampleAspect: Rational(32, 27)) == (1920, 1080))
        let crop = NormalizeTarget(width: 1920, height: 1080, fps: Rational(30, 1), fit: .crop, audio: nil)
        #expect(crop.scaledSize(sourceWidth: 720, sourceHeight: 1280, sampleAspect: nil) == (1920, 3414))
        #expect(crop.scaledSize(sourceWidth: 640, sourceHeight: 480, sampleAspect: nil) == (1920, 1440))
    }
}
