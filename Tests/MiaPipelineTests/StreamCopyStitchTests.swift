import Foundation
import Testing
@testable import MiaPipeline

/// Stream-copy stitching, checked against ffprobe's view of the inputs and the output.
@Suite struct StreamCopyStitchTests {
    let a = Repo.media("h264-aac-a.mp4")
    let b = Repo.media("h264-aac-b.mp4")

    @Test func videoPacketsAreCopiedByteExactAndInOrder() throws {
        let scratch = Scratch()
        let output = scratch.path("out.mp4")
        let result = try Stitcher(log: SilentLog()).stitch([a, b, a], to: output)

        let probedOut = try ffprobe(output)
        let inputs = try [a, b, a].map { try ffprobe($0) }
        let expectedVideo = inputs.flatMap { $0.packets(ofStream: 0).map(\.dataHash) }
        let actualVideo = probedOut.packets(ofStream: 0).map(\.dataHash)
        #expect(actualVideo.count == 180)
        #expect(actualVideo == expectedVideo)
        #expect(result.videoPackets == 180)

        // Audio: every output packet is an input packet, in order; only priming and overhang
        // frames at joins are left out (at most two per join).
        let expectedAudio = inputs.flatMap { $0.packets(ofStream: 1).compactMap(\.dataHash) }
        let actualAudio = probedOut.packets(ofStream: 1).compactMap(\.dataHash)
        #expect(isSubsequence(actualAudio, of: expectedAudio))
        #expect(actualAudio.count == expectedAudio.count - result.droppedAudioPackets)
        #expect(result.droppedAudioPackets <= 2 * 2)
        #expect(actualAudio.count == result.audioPackets)
    }

    @Test func timestampsStrictlyIncreasePerStreamAcrossJoins() throws {
        let scratch = Scratch()
        let output = scratch.path("out.mp4")
        try Stitcher(log: SilentLog()).stitch([a, b, a, b], to: output)
        let probed = try ffprobe(output)
        for stream in [0, 1] {
            let dts = probed.packets(ofStream: stream).compactMap(\.dts)
            #expect(dts.count == probed.packets(ofStream: stream).count)
            #expect(zip(dts, dts.dropFirst()).allSatisfy { $0 < $1 }, "stream \(stream) DTS not strictly increasing")
        }
        // B-frames: decode starts before presentation (negative first DTS) and stays that way.
        let video = probed.packets(ofStream: 0)
        #expect((video.first?.dts ?? 0) < 0)
        let presentation = video.compactMap(\.pts).sorted()
        #expect(Set(presentation).count == presentation.count, "two frames share a presentation time")
    }

    @Test func chaptersOnePerClipAtTheirOffsets() throws {
        let scratch = Scratch()
        let output = scratch.path("out.mp4")
        let result = try Stitcher(log: SilentLog()).stitch([a, b, a], to: output)
        let chapters = try ffprobe(output, packets: false).chapters ?? []
        #expect(chapters.map(\.title) == ["h264-aac-a", "h264-aac-b", "h264-aac-a"])
        #expect(chapters.map(\.start) == [0, 2, 4])
        #expect(chapters.map(\.end) == [2, 4, 6])
        #expect(result.clips.map(\.startSeconds) == [0, 2, 4])
        #expect(abs(result.duration - 6) < 1e-9)

        let bare = scratch.path("bare.mp4")
        try Stitcher(log: SilentLog()).stitch([a, b], to: bare, options: StitchOptions(chapters: false))
        #expect(try ffprobe(bare, packets: false).chapters?.isEmpty ?? true)
    }

    @Test(arguments: ["mp4", "mov", "mkv"])
    func everyContainerStitchesAndVerifies(ext: String) throws {
        let scratch = Scratch()
        let output = scratch.path("out.\(ext)")
        try Stitcher(log: SilentLog()).stitch([a, b], to: output)
        let report = Verifier(log: SilentLog()).verify([output])[0]
        #expect(report.passed, "\(report.problems)")
        #expect(report.videoFrames == 120)
        #expect(abs((report.duration ?? 0) - 4) < 0.001)
        let chapters = try ffprobe(output, packets: false).chapters ?? []
        #expect(chapters.map(\.start) == [0, 2])
    }

    @Test func faststartPutsTheIndexFirstUnlessAskedNotTo() throws {
        let scratch = Scratch()
        let fast = scratch.path("fast.mp4"), slow = scratch.path("slow.mp4")
        try Stitcher(log: SilentLog()).stitch([a, b], to: fast)
        try Stitcher(log: SilentLog()).stitch([a, b], to: slow, options: StitchOptions(faststart: false))
        let fastBoxes = try topLevelBoxes(fast), slowBoxes = try topLevelBoxes(slow)
        #expect(fastBoxes.firstIndex(of: "moov")! < fastBoxes.firstIndex(of: "mdat")!)
        #expect(slowBoxes.firstIndex(of: "moov")! > slowBoxes.firstIndex(of: "mdat")!)
    }

    /// The issue's drift measure: 100 joins of 1 s clips keep audio and video ends within one frame.
    @Test func hundredJoinsDoNotDrift() throws {
        let scratch = Scratch()
        let clip = scratch.path("one-second.mp4")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x36:rate=30:duration=1",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-c:a", "aac", "-shortest", clip])
        let output = scratch.path("hundred.mp4")
        let result = try Stitcher(log: SilentLog()).stitch(Array(repeating: clip, count: 101), to: output)
        #expect(abs(result.duration - 101) < 1e-9)

        let probed = try ffprobe(output)
        let videoEnd = try #require(probed.stream("video")?.seconds)
        let audioEnd = try #require(probed.stream("audio")?.seconds)
        #expect(abs(videoEnd - 101) < 0.001)
        #expect(abs(audioEnd - videoEnd) < 1.0 / 30, "audio ends \(audioEnd) s, video \(videoEnd) s")

        // Drift would show as extra audio frames: each clip holds 1 s = 46.875 AAC frames.
        let audioFrames = probed.packets(ofStream: 1).count
        #expect(abs(Double(audioFrames) - 101 * 48000 / 1024) <= 2, "\(audioFrames) audio frames")

        // And at every join the audio lands within half an AAC frame of its video.
        let samples = probed.packets(ofStream: 1).compactMap(\.pts)
        for (k, span) in result.clips.enumerated() where k > 0 {
            let join = Int64((span.startSeconds * 48000).rounded())
            let nearest = samples.min { abs($0 - join) < abs($1 - join) }!
            #expect(abs(nearest - join) <= 512, "join \(k): audio frame at \(nearest), video at \(join)")
        }
    }

    @Test func clipsInMatroskaStitchIntoMP4() throws {
        let scratch = Scratch()
        let mkvA = scratch.path("a.mkv"), mkvB = scratch.path("b.mkv")
        try ffmpeg(["-i", a, "-c", "copy", mkvA])
        try ffmpeg(["-i", b, "-c", "copy", mkvB])
        let output = scratch.path("out.mp4")
        let result = try Stitcher(log: SilentLog()).stitch([mkvA, mkvB, mkvA], to: output)
        #expect(result.videoPackets == 180)
        let report = Verifier(log: SilentLog()).verify([output])[0]
        #expect(report.passed, "\(report.problems)")
        #expect(abs((report.duration ?? 0) - 6) < 0.002)
    }

    @Test func logsStartOneClipEventPerClipAndComplete() throws {
        let scratch = Scratch()
        let log = CollectingLog()
        try Stitcher(log: log).stitch([a, b], to: scratch.path("out.mp4"))
        let events = log.events
        #expect(events.map(\.tag) == ["MIA:STITCH:START", "MIA:STITCH:CLIP", "MIA:STITCH:CLIP", "MIA:STITCH:COMPLETE"])
        #expect(events[0]["mode"] == .string("copy"))
        #expect(events[0]["clips"] == .int(2))
        #expect(events[2]["offset"] == .seconds(2))
        #expect(events[2]["duration"] == .seconds(2))
        #expect(events[3]["duration"] == .seconds(4))
        if case .int(let bytes)? = events[3]["bytes"] {
            #expect(bytes == (try FileManager.default.attributesOfItem(atPath: scratch.path("out.mp4"))[.size] as? Int64))
        } else {
            Issue.record("COMPLETE has no byte count")
        }
    }

    private func isSubsequence(_ small: [String], of large: [String]) -> Bool {
        var iterator = large.makeIterator()
        return small.allSatisfy { item in
            while let next = iterator.next() { if next == item { return true } }
            return false
        }
    }
}
