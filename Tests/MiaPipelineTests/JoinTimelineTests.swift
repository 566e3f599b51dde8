import Foundation
import Testing
@testable import MiaPipeline

/// `JoinTimeline` on its own: where each clip's packets land, with timestamps shaped like the
/// fixtures' (H.264 at 30 fps in 1/15360 with B-frames, AAC at 48 kHz in 1024-sample frames).
@Suite struct JoinTimelineTests {
    static let timeBase = Rational(1, 15_360)
    /// One frame at 30 fps in 1/15360.
    static let frame: Int64 = 512
    static let rate: Int64 = 48_000
    static let aacFrame: Int64 = 1024

    /// A B-frame clip's video packets in decode order: presentation times 0..<count frames, shuffled
    /// as an encoder with two B-frames between references orders them (I0 P3 B1 B2 P6 B4 B5 ...),
    /// decode times one frame apart starting `delay` frames before 0.
    static func videoPackets(frames count: Int, delay: Int = 2) -> [(pts: Int64, dts: Int64)] {
        var order = [0]
        var next = 1
        while next < count {
            let reference = min(next + 2, count - 1)
            order.append(reference)
            order += Array(next..<reference)
            next = reference + 1
        }
        return order.enumerated().map { i, p in
            (pts: Int64(p) * frame, dts: Int64(i - delay) * frame)
        }
    }

    // MARK: - Video

    @Test func packetGeneratorIsADecodeOrder() {
        let packets = Self.videoPackets(frames: 60)
        #expect(packets.count == 60)
        #expect(packets.map(\.pts).sorted() == (0..<60).map { Int64($0) * Self.frame })
        #expect(packets.first?.dts == -2 * Self.frame)
        #expect(packets.allSatisfy { $0.dts <= $0.pts }, "a frame would be shown before it is decoded")
        #expect(packets.prefix(4).map { $0.pts / Self.frame } == [0, 3, 1, 2])
    }

    @Test func threeBFrameClipsAreButtedEndToEnd() throws {
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        let frames = 60
        let clipLength = Int64(frames) * Self.frame  // 30720: 2 s
        var allDTS: [Int64] = []
        var allPTS: [Int64] = []
        for clip in 0..<3 {
            timeline.beginClip(videoStart: 0, expectedVideoDuration: clipLength, isLast: clip == 2)
            #expect(timeline.clipNumber == clip + 1)
            for packet in Self.videoPackets(frames: frames) {
                let placed = try timeline.placeVideo(pts: packet.pts, dts: packet.dts, duration: Self.frame, hidden: false)
                // Clip k starts where clip k-1 ended: every timestamp moves by the same amount.
                #expect(placed.pts == packet.pts + Int64(clip) * clipLength)
                #expect(placed.dts == packet.dts + Int64(clip) * clipLength)
                allPTS.append(placed.pts)
                allDTS.append(placed.dts)
            }
            let span = timeline.endClip()
            #expect(span.start == Int64(clip) * clipLength)
            #expect(span.end == Int64(clip + 1) * clipLength)
            #expect(timeline.video.runningEnd == Int64(clip + 1) * clipLength)
        }
        #expect(zip(allDTS, allDTS.dropFirst()).allSatisfy { $0 < $1 }, "decode times must strictly increase across joins")
        // Every presentation slot of the 6 s output is filled exactly once.
        #expect(allPTS.sorted() == (0..<180).map { Int64($0) * Self.frame })
        #expect(allDTS.first == -2 * Self.frame)
        #expect(timeline.video.packets == 180)
    }

    @Test func clipStartingLaterIsMovedToTheRunningEnd() throws {
        // A clip whose first frame is shown at 1024 (e.g. after an edit list) still starts at the join.
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        timeline.beginClip(videoStart: 0, expectedVideoDuration: 30 * Self.frame, isLast: false)
        for packet in Self.videoPackets(frames: 30) {
            _ = try timeline.placeVideo(pts: packet.pts, dts: packet.dts, duration: Self.frame, hidden: false)
        }
        let firstSpan = timeline.endClip()
        #expect(firstSpan.start == 0 && firstSpan.end == 15_360)
        timeline.beginClip(videoStart: 1024, expectedVideoDuration: 30 * Self.frame, isLast: true)
        let placed = try timeline.placeVideo(pts: 1024, dts: 1024 - 2 * Self.frame, duration: Self.frame, hidden: false)
        #expect(placed.pts == 15_360)
        #expect(placed.dts == 15_360 - 2 * Self.frame)
    }

    @Test func largerDecodeDelayInALaterClipIsRefused() throws {
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        timeline.beginClip(videoStart: 0, expectedVideoDuration: 60 * Self.frame, isLast: false)
        for packet in Self.videoPackets(frames: 60, delay: 2) {
            _ = try timeline.placeVideo(pts: packet.pts, dts: packet.dts, duration: Self.frame, hidden: false)
        }
        _ = timeline.endClip()
        // Clip 1's last decode time is 57 frames; clip 2 with a 3-frame delay would decode its first
        // packet at 60 - 3 = 57 frames too: not after the previous one.
        timeline.beginClip(videoStart: 0, expectedVideoDuration: 60 * Self.frame, isLast: true)
        let first = try #require(Self.videoPackets(frames: 60, delay: 3).first)
        #expect(throws: JoinTimeline.JoinError.videoDecodeOrder(previousDTS: 57 * Self.frame, nextDTS: 57 * Self.frame)) {
            try timeline.placeVideo(pts: first.pts, dts: first.dts, duration: Self.frame, hidden: false)
        }
    }

    @Test func smallerDecodeDelayInALaterClipIsFine() throws {
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        var dts: [Int64] = []
        for (clip, delay) in [2, 1, 0].enumerated() {
            timeline.beginClip(videoStart: 0, expectedVideoDuration: 30 * Self.frame, isLast: clip == 2)
            for packet in Self.videoPackets(frames: 30, delay: delay) {
                dts.append(try timeline.placeVideo(pts: packet.pts, dts: packet.dts, duration: Self.frame, hidden: false).dts)
            }
            _ = timeline.endClip()
        }
        #expect(dts.count == 90)
        #expect(zip(dts, dts.dropFirst()).allSatisfy { $0 < $1 })
        #expect(timeline.video.runningEnd == 90 * Self.frame)
    }

    @Test func hiddenFramesAreFineOnlyInTheFirstClip() throws {
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        timeline.beginClip(videoStart: 0, expectedVideoDuration: 30 * Self.frame, isLast: false)
        // Two frames before 0 that the clip's edit list hides, then 30 shown frames.
        for pts in [-2 * Self.frame, -Self.frame] {
            _ = try timeline.placeVideo(pts: pts, dts: pts - Self.frame, duration: Self.frame, hidden: true)
        }
        for i in 0..<30 {
            let pts = Int64(i) * Self.frame
            _ = try timeline.placeVideo(pts: pts, dts: pts - Self.frame, duration: Self.frame, hidden: false)
        }
        // Hidden frames do not count towards the clip's length.
        let span = timeline.endClip()
        #expect(span.start == 0)
        #expect(span.end == 30 * Self.frame)

        timeline.beginClip(videoStart: 0, expectedVideoDuration: 30 * Self.frame, isLast: true)
        #expect(throws: JoinTimeline.JoinError.hiddenLeadingFrames) {
            try timeline.placeVideo(pts: -Self.frame, dts: -2 * Self.frame, duration: Self.frame, hidden: true)
        }
    }

    // MARK: - Audio

    /// One fixture-like clip: 1 s of 30 fps video and AAC whose packets start with a priming frame
    /// at -1024 and run to the one that covers the last sample (46 * 1024 + 1024 > 48000).
    struct Clip {
        var videoFrames = 30
        var audioStart: Int64 = 0
        var priming = true
        var audioPackets: [Int64] {
            let frame = JoinTimelineTests.aacFrame
            let count = Int((Self.videoSamples - audioStart + frame - 1) / frame)
            return (priming ? [audioStart - frame] : []) + (0..<count).map { audioStart + Int64($0) * frame }
        }
        static let videoSamples: Int64 = 48_000
    }

    /// Places one clip (video, then audio) and returns each audio packet's placement (nil: dropped).
    @discardableResult
    static func place(_ clip: Clip, on timeline: inout JoinTimeline, isLast: Bool) throws -> [Int64?] {
        let duration = Int64(clip.videoFrames) * frame
        timeline.beginClip(videoStart: 0, expectedVideoDuration: duration, isLast: isLast)
        for packet in videoPackets(frames: clip.videoFrames) {
            _ = try timeline.placeVideo(pts: packet.pts, dts: packet.dts, duration: frame, hidden: false)
        }
        let placed = try clip.audioPackets.map { try timeline.placeAudio(pts: $0, length: aacFrame) }
        _ = timeline.endClip()
        return placed
    }

    @Test func audioStaysWithinHalfAFrameOfVideoOverAThousandJoins() throws {
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        var errors: [Int64] = []
        let clips = 1001
        for index in 0..<clips {
            try Self.place(Clip(), on: &timeline, isLast: index == clips - 1)
            let videoEnd = Self.timeBase.rescale(timeline.video.runningEnd, to: Rational(1, Int(Self.rate)))
            #expect(videoEnd == Int64(index + 1) * 48_000)
            errors.append(timeline.audio.runningEnd - videoEnd)
        }
        let joins = errors.dropLast()  // after the last clip there is no join
        #expect(joins.count == 1000)
        let worst = joins.map { abs($0) }.max() ?? .max
        #expect(worst <= 512, "audio drifted \(worst) samples from the video at a join")
        // It does not accumulate: the last hundred joins are no worse than the first hundred.
        let early = joins.prefix(100).map { abs($0) }.max()!
        let late = joins.suffix(100).map { abs($0) }.max()!
        #expect(late <= early, "error grew from \(early) to \(late) samples")
        // And it really moves (this is not a trivially aligned case): it takes several values.
        #expect(Set(joins).count > 1)
        // Total audio placed is the video length to within half a frame, after 1001 s.
        #expect(abs(timeline.audio.runningEnd - Int64(clips) * 48_000) <= 512)
    }

    @Test func firstClipKeepsItsPrimingLaterClipsDropIt() throws {
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        let first = try Self.place(Clip(), on: &timeline, isLast: false)
        // Clip 1's priming frame lands before 0, where the output's edit list hides it.
        #expect(first.first == -1024)
        let expected: [Int64?] = (0..<47).map { Int64($0) * 1024 }
        #expect(Array(first.dropFirst()) == expected)
        #expect(timeline.audio.dropped == 0)
        #expect(timeline.audio.runningEnd == 48_128)

        let second = try Self.place(Clip(), on: &timeline, isLast: true)
        #expect(second.first == .some(nil), "clip 2's priming frame would overlap clip 1's audio")
        #expect(timeline.audio.dropped == 1)
        // Clip 2's first real frame follows clip 1's audio without a gap or overlap.
        #expect(second[1] == 48_128)
        #expect(second.compactMap { $0 }.count == 47)
        #expect(timeline.audio.packets == 48 + 47)
    }

    @Test func lateAudioKeepsItsGap() throws {
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        try Self.place(Clip(), on: &timeline, isLast: false)
        #expect(timeline.audio.runningEnd == 48_128)
        // Clip 2's audio starts 0.5 s after its video (silence the clip really has).
        let placed = try Self.place(Clip(audioStart: 24_000, priming: false), on: &timeline, isLast: true)
        #expect(placed.first == 48_000 + 24_000, "placed at its ideal position, not butted against 48128")
        let kept = placed.compactMap { $0 }
        #expect(zip(kept, kept.dropFirst()).allSatisfy { $1 - $0 == 1024 })
    }

    @Test func slightlyLateAudioIsButtedAgainstTheRunningEnd() throws {
        // Less than half a frame late is rounding, not a gap: no hole in the output audio.
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        try Self.place(Clip(), on: &timeline, isLast: false)
        let placed = try Self.place(Clip(audioStart: 300, priming: false), on: &timeline, isLast: true)
        #expect(placed.first == 48_128)
    }

    @Test func lastClipKeepsItsOverhangingFrame() throws {
        // After three joins the audio runs 384 samples ahead, so clip 4's final frame starts at
        // 191488, within half a frame of the video end (192000). A middle clip drops it; the last keeps it.
        func run(lastIsFourth: Bool) throws -> (placed: [Int64?], runningEnd: Int64) {
            var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
            for _ in 0..<3 { try Self.place(Clip(), on: &timeline, isLast: false) }
            #expect(timeline.audio.runningEnd - 144_000 == 384)
            let placed = try Self.place(Clip(), on: &timeline, isLast: lastIsFourth)
            return (placed, timeline.audio.runningEnd)
        }
        let middle = try run(lastIsFourth: false)
        #expect(middle.placed.last == .some(nil))
        #expect(middle.runningEnd == 191_488)

        let last = try run(lastIsFourth: true)
        #expect(last.placed.last == 191_488)
        #expect(last.runningEnd == 192_512, "the caller trims this frame's duration to the video end")
    }

    @Test func lastClipStillDropsFramesStartingPastItsVideo() throws {
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        timeline.beginClip(videoStart: 0, expectedVideoDuration: 15_360, isLast: true)
        for packet in Self.videoPackets(frames: 30) {
            _ = try timeline.placeVideo(pts: packet.pts, dts: packet.dts, duration: Self.frame, hidden: false)
        }
        let overhanging = try timeline.placeAudio(pts: 47_104, length: 1024)
        #expect(overhanging == 47_104)
        let past = try timeline.placeAudio(pts: 48_000, length: 1024)
        #expect(past == nil)
        #expect(timeline.audio.dropped == 1)
    }

    @Test func audioGoingBackwardsIsRefused() throws {
        var timeline = JoinTimeline(videoTimeBase: Self.timeBase, audioRate: Self.rate)
        timeline.beginClip(videoStart: 0, expectedVideoDuration: 15_360, isLast: false)
        let placed = try timeline.placeAudio(pts: 2048, length: 1024)
        #expect(placed == 2048)
        #expect(throws: JoinTimeline.JoinError.audioOrder(previousPTS: 2048, nextPTS: 1024)) {
            try timeline.placeAudio(pts: 1024, length: 1024)
        }
    }
}
