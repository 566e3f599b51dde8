import Foundation
import Glibc
import MiaFFmpeg
import Testing
@testable import MiaPipeline

/// The wrapper's ownership of FFmpeg's objects on its error paths, and what it asks a muxer before
/// adding a stream. Everything here used to go wrong in a way no other test could see.
@Suite struct FFmpegWrapperTests {
    /// An MPEG-TS cut inside its tables: `avformat_open_input` succeeds, `avformat_find_stream_info`
    /// fails. The failed init used to close the context and then `deinit` closed it again.
    @Test func aFileWhoseStreamInfoCannotBeReadIsClosedOnce() throws {
        let file = Repo.media("ts-cut-in-header.ts")
        for _ in 0..<50 {
            #expect(throws: FFmpegError.self) { try InputContainer(path: file) }
        }
        // As a user meets it: one line naming the file, exit 1, no crash (a double free aborts the process).
        let result = try run(Repo.cli, ["probe", file])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("mia-stitch: error: \(file): not a media file FFmpeg can read (End of file)"), "\(result.stderr)")
    }

    /// A graph whose description does not parse frees what it built: 64 buffer sources a try, 250
    /// tries a burst kept about 5 MB a burst when they leaked. Other tests share this process and grow
    /// it at times, so the smallest growth over a dozen bursts is the measure: a leak grows every burst.
    @Test func aFilterGraphThatFailsToBuildLeavesNothingAllocated() throws {
        let input = FilterGraph.Input.video(width: 1920, height: 1080, pixelFormat: .yuv420p, timeBase: Rational(1, 30),
                                            sampleAspectRatio: Rational(1, 1))
        let inputs = Array(repeating: input, count: 64)
        func attempt(_ count: Int) {
            for _ in 0..<count {
                #expect(throws: FFmpegError.self) {
                    try FilterGraph(inputs: inputs, isVideo: true, description: "no_such_filter_at_all")
                }
            }
        }
        attempt(20)  // warm up allocator caches
        var growths: [Int] = []
        for _ in 0..<12 {
            let before = Self.allocatedBytes()
            attempt(250)
            growths.append(Self.allocatedBytes() - before)
        }
        let smallest = growths.min() ?? 0
        #expect(smallest < 1_000_000, "every burst of 250 failed graphs kept memory: \(growths.map { $0 / 1000 }) kB")
    }

    /// The process's resident memory (`/proc/self/statm`): leaked buffers were zeroed by `av_mallocz`,
    /// so they are resident.
    static func allocatedBytes() -> Int {
        let fields = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ") ?? []
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    /// `internal import CFFmpeg` keeps C types out of the wrapper's API; this keeps the import itself
    /// out of every other target (SwiftPM hands all targets the module map, so only a check can).
    @Test func onlyTheWrapperTargetImportsFFmpegsCHeaders() throws {
        let sources = Repo.root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        var importers: [String] = []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            if text.split(separator: "\n").contains(where: { $0.split(separator: " ").suffix(2) == ["import", "CFFmpeg"] }) {
                importers.append(file)
            }
        }
        #expect(!importers.isEmpty)
        #expect(importers.allSatisfy { $0.hasPrefix("MiaFFmpeg/") }, "\(importers.filter { !$0.hasPrefix("MiaFFmpeg/") })")
    }

    @Test func theMuxerIsAskedBeforeAStreamIsAdded() throws {
        #expect(OutputContainer.muxer("mp4", canHold: "h264"))
        #expect(!OutputContainer.muxer("mp4", canHold: "prores"))
        #expect(OutputContainer.muxer("mov", canHold: "prores"))
        #expect(OutputContainer.muxer("matroska", canHold: "prores"))
    }

    /// Two identical ProRes clips: `.mp4` cannot hold ProRes. `never` says so and what to use,
    /// `auto` re-encodes to H.264, and `.mov` takes them by copy.
    @Test func aCodecTheContainerCannotHoldIsNamedWithWhatToUseInstead() throws {
        let scratch = Scratch()
        let clip = scratch.path("prores.mov")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=0.5", "-c:v", "prores_ks", "-profile:v", "0", clip])
        let output = scratch.path("out.mp4")
        #expect(throws: MiaError(file: "clip 1 (\(clip))", "its prores cannot go in a .mp4 file; write a .mkv or .mov file, "
                                 + "or use --normalize auto to re-encode to H.264 and AAC")) {
            try Stitcher(log: SilentLog()).stitch([clip, clip], to: output, options: StitchOptions(normalize: .never))
        }
        #expect(!FileManager.default.fileExists(atPath: output))

        let log = CollectingLog()
        let result = try Stitcher(log: log).stitch([clip, clip], to: output)
        #expect(result.mode == "normalize")
        #expect(try ffprobe(output, packets: false).stream("video")?.codecName == "h264")
        let start = try #require(log.events.first { $0.tag == "MIA:STITCH:START" })
        #expect(start.text.contains("prores cannot go in a .mp4 file"), "\(start.text)")

        let mov = scratch.path("out.mov")
        #expect(try Stitcher(log: SilentLog()).stitch([clip, clip], to: mov).mode == "copy")
        #expect(try ffprobe(mov, packets: false).stream("video")?.codecName == "prores")
    }

    /// FLAC passes `avformat_query_codec` for mp4 but the muxer refuses it at the header: the
    /// message names the output the user gave (not the hidden temporary file) and the codecs.
    @Test func aHeaderTheMuxerRefusesNamesTheOutputAndTheCodecs() throws {
        let scratch = Scratch()
        let clip = scratch.path("flac.mkv")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=0.5", "-f", "lavfi",
                    "-i", "sine=sample_rate=48000:duration=0.5", "-c:v", "libx264", "-c:a", "flac", "-shortest", clip])
        let output = scratch.path("out.mp4")
        do {
            try Stitcher(log: SilentLog()).stitch([clip, clip], to: output, options: StitchOptions(normalize: .never))
            Issue.record("FLAC in mp4 was written")
        } catch let error as MiaError {
            #expect(error.subject == output)
            #expect(error.problem.hasPrefix("cannot write h264 and flac in a .mp4 file"), "\(error.problem)")
            #expect(error.problem.contains("write a .mkv or .mov file"), "\(error.problem)")
            #expect(!error.message.contains(".partial"))
            #expect(error.cause is FFmpegError)
        }
        #expect(scratch.contents == ["flac.mkv"])
    }
}
