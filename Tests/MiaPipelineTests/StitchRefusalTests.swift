import Foundation
import Testing
@testable import MiaPipeline

/// Every bad input is refused with one line naming the clip and the problem, and nothing is written.
@Suite struct StitchRefusalTests {
    let a = Repo.media("h264-aac-a.mp4")

    static let cases: [(file: String, message: String)] = [
        ("missing.mp4", "file not found"),
        ("empty.mp4", "file is empty (0 bytes)"),
        ("not-a-video.mp4", "not a media file FFmpeg can read (Invalid data found when processing input)"),
        ("truncated.mp4", "truncated: its index points to byte 45811 but the file has 20000 bytes"),
        ("audio-only.m4a", "has no video stream (only audio)"),
        ("h264-aac-160x90.mp4", "video size is 160x90, clip 1 is 320x180 (and 1 more difference); stream copy needs clips with identical parameters (or use --normalize auto)"),
        ("mpeg4-aac.mp4", "video codec is mpeg4, clip 1 is h264 (and 1 more difference); stream copy needs clips with identical parameters (or use --normalize auto)"),
        ("h264-noaudio.mp4", "audio is missing (no audio stream), clip 1 is aac audio; stream copy needs clips with identical parameters (or use --normalize auto)"),
        ("h264-aac-44k-mono.mp4", "audio sample rate is 44100 Hz, clip 1 is 48000 Hz (and 2 more differences); stream copy needs clips with identical parameters (or use --normalize auto)"),
    ]

    /// Clips that differ are refused only with `--normalize never` (auto re-encodes them, see
    /// NormalizeStitchTests); broken clips are refused whatever the mode.
    @Test(arguments: cases)
    func badSecondClipIsRefusedAndNothingIsWritten(file: String, message: String) throws {
        let scratch = Scratch()
        let output = scratch.path("out.mp4")
        let clip = Repo.media(file)
        let log = CollectingLog()
        #expect(throws: MiaError(file: "clip 2 (\(clip))", message)) {
            try Stitcher(log: log).stitch([a, clip], to: output, options: StitchOptions(normalize: .never))
        }
        #expect(scratch.contents.isEmpty, "left behind: \(scratch.contents)")
        #expect(log.events.map(\.tag) == ["MIA:STITCH:ERROR"])
    }

    @Test func existingOutputIsKeptUnlessOverwriteIsGiven() throws {
        let scratch = Scratch()
        let output = scratch.path("out.mp4")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: output))
        #expect(throws: MiaError(file: output, "already exists (use --overwrite to replace it)")) {
            try Stitcher(log: SilentLog()).stitch([a], to: output)
        }
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")

        // A failing stitch with --overwrite still leaves the old file alone.
        #expect(throws: MiaError.self) {
            try Stitcher(log: SilentLog()).stitch([a, Repo.media("truncated.mp4")], to: output,
                                                  options: StitchOptions(overwrite: true))
        }
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")

        try Stitcher(log: SilentLog()).stitch([a], to: output, options: StitchOptions(overwrite: true))
        #expect(try ffprobe(output, packets: false).stream("video") != nil)
        #expect(scratch.contents == ["out.mp4"])
    }

    @Test func unknownOutputExtensionIsRefused() throws {
        let scratch = Scratch()
        let output = scratch.path("out.avi")
        #expect(throws: MiaError(file: output, "unsupported output extension .avi (use .m4v, .mkv, .mov, .mp4)")) {
            try Stitcher(log: SilentLog()).stitch([a], to: output)
        }
        #expect(scratch.contents.isEmpty)
    }

    @Test func missingOutputFolderIsRefused() throws {
        let output = "/nonexistent-folder-\(UUID())/out.mp4"
        #expect(throws: MiaError.self) { try Stitcher(log: SilentLog()).stitch([a], to: output) }
    }

    @Test func truncatedMatroskaIsFoundBeforeWriting() throws {
        // Matroska has no sample index: the pre-flight measures the video it really holds.
        let scratch = Scratch()
        let whole = scratch.path("whole.mkv")
        try ffmpeg(["-i", a, "-c", "copy", whole])
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))
        let cut = scratch.path("cut.mkv")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        let output = scratch.path("out.mp4")
        let log = CollectingLog()
        do {
            try Stitcher(log: log).stitch([whole, cut], to: output)
            Issue.record("a truncated Matroska clip was stitched")
        } catch let error as MiaError {
            #expect(error.subject == "clip 2 (\(cut))")
            #expect(error.problem.hasSuffix("the file is truncated or damaged"), "\(error.problem)")
        }
        // Found in the pre-flight: the stitch never started.
        #expect(log.events.map(\.tag) == ["MIA:STITCH:ERROR"])
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(!scratch.contents.contains { $0.hasSuffix(".partial") })
    }
}
