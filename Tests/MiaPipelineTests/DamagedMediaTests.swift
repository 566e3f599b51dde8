import Foundation
import Testing
@testable import MiaPipeline

/// Files damaged the ways fuzzing found (issue 12, items 5, 6 and 9): `verify` and the stitch
/// pre-flight agree on what is complete, damage a copy would carry on is caught where it can be, and
/// what killed runs leave behind is cleaned up.
@Suite struct DamagedMediaTests {
    static let source = Repo.media("h264-aac-a.mp4")

    /// The boxes on `path` ("moov/trak/mdia/minf/stbl/stsz"), each as (offset, size), in file order.
    static func boxes(_ data: Data, path: [String], from start: Int = 0, to end: Int? = nil) -> [(offset: Int, size: Int)] {
        var found: [(Int, Int)] = []
        var offset = start
        let end = end ?? data.count
        while offset + 8 <= end {
            let size = Int(data[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let type = String(decoding: data[offset + 4..<offset + 8], as: UTF8.self)
            guard size >= 8, offset + size <= end else { break }
            if type == path[0] {
                if path.count == 1 {
                    found.append((offset, size))
                } else {
                    found += boxes(data, path: Array(path.dropFirst()), from: offset + 8, to: offset + size)
                }
            }
            offset += size
        }
        return found
    }

    static func writeUInt32(_ value: UInt32, into data: inout Data, at offset: Int) {
        for i in 0..<4 { data[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
    }

    /// The fixture with its video sample table (stsz) saying 1 sample of 60.
    static func videoCountOne(_ scratch: Scratch) throws -> String {
        var data = try Data(contentsOf: URL(fileURLWithPath: source))
        let stsz = try #require(boxes(data, path: ["moov", "trak", "mdia", "minf", "stbl", "stsz"]).first)
        writeUInt32(1, into: &data, at: stsz.offset + 16)
        let path = scratch.path("video-count-1.mp4")
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The fixture with one absurd audio sample size (the demuxer stops indexing the track there).
    static func absurdAudioSample(_ scratch: Scratch) throws -> String {
        var data = try Data(contentsOf: URL(fileURLWithPath: source))
        let stsz = try #require(boxes(data, path: ["moov", "trak", "mdia", "minf", "stbl", "stsz"]).dropFirst().first)
        writeUInt32(0x7FFF_FFF0, into: &data, at: stsz.offset + 20 + 4 * 10)
        let path = scratch.path("audio-size-absurd.mp4")
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The fixture remuxed to Matroska and cut at 30 kB (of 46).
    static func truncatedMatroska(_ scratch: Scratch) throws -> String {
        let whole = scratch.path("whole.mkv")
        try ffmpeg(["-i", source, "-c", "copy", whole])
        let path = scratch.path("cut.mkv")
        try Data(contentsOf: URL(fileURLWithPath: whole)).prefix(30_000).write(to: URL(fileURLWithPath: path))
        unlink(whole)
        return path
    }

    @Test(arguments: [
        ("video-count-1", "holds 0.033 s of video but states 2.0 s; the file is truncated or damaged"),
        ("audio-size-absurd", "holds 0.213 s of audio but states 2.021 s; the file is truncated or damaged"),
        ("cut.mkv", "holds 1.3 s of video but states 2.021 s; the file is truncated or damaged"),
    ])
    func aDamagedIndexFailsVerifyAndIsRefusedByTheStitch(damage: String, message: String) throws {
        let scratch = Scratch()
        let clip = switch damage {
        case "video-count-1": try Self.videoCountOne(scratch)
        case "audio-size-absurd": try Self.absurdAudioSample(scratch)
        default: try Self.truncatedMatroska(scratch)
        }
        let report = Verifier(log: SilentLog()).verify([clip], asStitchSet: false)[0]
        #expect(!report.passed)
        #expect(report.problems.contains(message), "\(report.problems)")
        let output = scratch.path("out.mp4")
        #expect(throws: MiaError(file: "clip 2 (\(clip))", message)) {
            try Stitcher(log: SilentLog()).stitch([Self.source, clip], to: output, options: StitchOptions(normalize: .never))
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// Legitimate files the completeness check must not call damaged: fragmented mp4 (its index holds
    /// only the first fragment when opened). (FFmpeg 5.1's `global_sidx` with `-c copy` writes files
    /// that do not decode, in ffmpeg too, so it is not a fixture here.)
    @Test(arguments: ["frag_keyframe+empty_moov", "frag_keyframe+empty_moov+default_base_moof"])
    func fragmentedMP4IsNotMistakenForDamage(movflags: String) throws {
        let scratch = Scratch()
        let clip = scratch.path("fragmented.mp4")
        try ffmpeg(["-i", Self.source, "-c", "copy", "-frag_duration", "500000", "-movflags", movflags, clip])
        #expect(Verifier(log: SilentLog()).verify([clip], asStitchSet: false)[0].passed)
        let output = scratch.path("out.mp4")
        let result = try Stitcher(log: SilentLog()).stitch([clip, clip], to: output, options: StitchOptions(normalize: .never))
        #expect(abs(result.duration - 4) < 0.05, "\(result.duration)")
        #expect(Verifier(log: SilentLog()).verify([output], asStitchSet: false)[0].passed)
    }

    /// Flipped bytes inside the media data: the copy reads packets, not pictures, so only `--verify`
    /// (decoding the result before publishing) and `verify` can see it.
    @Test func corruptSlicesAreCaughtByStitchVerify() throws {
        let scratch = Scratch()
        var data = try Data(contentsOf: URL(fileURLWithPath: Self.source))
        let mdat = try #require(Self.boxes(data, path: ["mdat"]).first)
        var generator = SplitMix64(seed: 7)
        for _ in 0..<40 {
            data[Int.random(in: mdat.offset + 4_000..<mdat.offset + mdat.size - 4_000, using: &generator)] ^= 0xA5
        }
        let clip = scratch.path("flipped.mp4")
        try data.write(to: URL(fileURLWithPath: clip))
        #expect(!Verifier(log: SilentLog()).verify([clip], asStitchSet: false)[0].passed)

        let output = scratch.path("out.mp4")
        let refused = try run(Repo.cli, ["stitch", Self.source, clip, "-o", output, "--verify", "--quiet"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("mia-stitch: error: \(output): the stitched video does not verify, so it was not written: "),
                "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        // Without --verify the copy goes through (what it does and does not check is in the README).
        let copied = try run(Repo.cli, ["stitch", Self.source, clip, "-o", output, "--quiet"])
        #expect(copied.status == 0, "\(copied.stderr)")
    }

    /// `stitch --plan` decodes every scene a provider made before copying it.
    @Test func aPlanStitchDecodesProviderClipsFirst() throws {
        let scratch = Scratch()
        let environment = BatchTests.cleanEnvironment.merging(["MIA_DB": scratch.path("jobs.sqlite"), "RUNWAYML_API_SECRET": "key_x"]) { $1 }
        try "Scene 1: Boats\nVISUAL: Animated illustration of paper boats.\n\nScene 2: Pond\nVISUAL: Animated illustration of a pond.\n"
            .write(toFile: scratch.path("boats.txt"), atomically: true, encoding: .utf8)
        let plan = scratch.path("boats.plan.json")
        let made = try run(Repo.cli, ["plan", scratch.path("boats.txt"), "-o", plan, "--provider", "runway", "--size", "320x180"],
                           environment: environment)
        #expect(made.status == 0, "\(made.stderr)")
        let files = try PlanFiles.load(plan)
        try FileManager.default.createDirectory(atPath: scratch.path(files.plan.outputDirectory), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.source, toPath: files.clipPath(files.plan.scenes[0]))
        try FileManager.default.copyItem(atPath: try Self.absurdAudioSample(scratch), toPath: files.clipPath(files.plan.scenes[1]))
        let stitched = try run(Repo.cli, ["stitch", "--plan", plan, "-o", scratch.path("boats.mp4")], environment: environment)
        #expect(stitched.status == 1)
        #expect(stitched.stderr == "mia-stitch: error: scene 2: its clip \(files.clipPath(files.plan.scenes[1])) does not verify: "
                + "holds 0.213 s of audio but states 2.021 s; the file is truncated or damaged\n")
    }

    /// What a SIGKILLed run left (its writer named in the file name, and gone) is removed by the next
    /// run into the folder; a live writer's file, or one from another host, is never touched.
    @Test func leftoversOfKilledRunsAreRemovedAndLiveOnesKept() throws {
        let scratch = Scratch()
        let dead = scratch.path(".out.mp4.mia-\(ProcessIdentity.host)-\(ProcessIdentity.pidNamespace)-999999999-12345.abc.partial")
        let deadSegment = scratch.path(".out.mp4.mia-\(ProcessIdentity.host)-\(ProcessIdentity.pidNamespace)-999999999-12345.def.clip1.segment.mp4")
        // A pid of another pid namespace (another container on a shared volume) is never judged.
        let otherNamespace = scratch.path(".out.mp4.mia-\(ProcessIdentity.host)-1-999999999-12345.xyz.partial")
        let live = scratch.path(".other.mp4.\(ProcessIdentity.fileTag).ghi.partial")
        let elsewhere = scratch.path(".out.mp4.mia-another-host-4026531836-12-34.jkl.partial")
        let notOurs = scratch.path(".notes.partial")
        for file in [dead, deadSegment, otherNamespace, live, elsewhere, notOurs] {
            try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: file))
        }
        let result = try run(Repo.cli, ["stitch", Self.source, "-o", scratch.path("out.mp4"), "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path))
        #expect(left == Set(["out.mp4", URL(fileURLWithPath: live).lastPathComponent, URL(fileURLWithPath: elsewhere).lastPathComponent,
                             URL(fileURLWithPath: otherNamespace).lastPathComponent, ".notes.partial"]))
    }
}
