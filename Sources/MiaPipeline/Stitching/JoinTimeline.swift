import MiaFFmpeg
/// Where each clip's packets land in the output, per stream, so that joins are exact.
///
/// Video: a clip's first displayed frame starts where the previous clip's last frame ended
/// (the *running end* of the video stream), whatever its decode delay or B-frame reordering.
///
/// Audio cannot be cut inside a coded frame without re-encoding, so it is placed whole frames
/// at a time against the *video* timeline: each clip's audio restarts aligned with its own video
/// start, and frames that would mostly play outside the clip's video span (encoder priming,
/// overhang past the end) are dropped. The error at any join is at most half an audio frame
/// (~10.7 ms for 48 kHz AAC) and it never accumulates, unlike ffmpeg's concat demuxer, which
/// offsets every stream by one container duration.
struct JoinTimeline {
    /// Output video time base (clip 1's) and audio sample rate; all timestamps below are in these units.
    let videoTimeBase: Rational
    let audioRate: Int64

    private(set) var video = VideoTrack()
    private(set) var audio = AudioTrack()
    private(set) var clipNumber = 0

    init(videoTimeBase: Rational, audioRate: Int64) {
        self.videoTimeBase = videoTimeBase
        self.audioRate = audioRate
    }

    struct VideoTrack {
        /// End of the last frame placed so far (pts + duration), i.e. where the next clip starts.
        var runningEnd: Int64 = 0
        var clipStart: Int64 = 0
        var clipEnd: Int64 = 0
        var offset: Int64 = 0
        var lastDTS: Int64?
        var packets = 0
    }

    struct AudioTrack {
        var runningEnd: Int64 = 0
        var clipVideoStart: Int64 = 0
        var clipVideoEnd: Int64?
        /// The last clip keeps a frame that overhangs its video end; the stitch trims its duration.
        var isLastClip = false
        var offset: Int64?
        var lastPTS: Int64?
        var packets = 0
        var dropped = 0
    }

    enum JoinError: Error, Equatable {
        /// The clip's decode timestamps would not follow the previous clip's.
        case videoDecodeOrder(previousDTS: Int64, nextDTS: Int64)
        /// An edit list hides frames at the start of a clip that is not the first one.
        case hiddenLeadingFrames
        case audioOrder(previousPTS: Int64, nextPTS: Int64)
    }

    /// Starts the next clip.
    /// - Parameters:
    ///   - videoStart: the clip's first presentation time, in the video time base.
    ///   - expectedVideoDuration: the clip's video length when the container states it, in the
    ///     video time base; audio overhanging it is dropped.
    ///   - isLast: the final clip, whose overhanging audio frame is kept (and trimmed by the caller).
    mutating func beginClip(videoStart: Int64, expectedVideoDuration: Int64?, isLast: Bool) {
        clipNumber += 1
        video.clipStart = video.runningEnd
        video.clipEnd = video.runningEnd
        video.offset = video.runningEnd - videoStart
        audio.clipVideoStart = videoTimeBase.rescale(video.runningEnd, to: audioUnits)
        audio.clipVideoEnd = expectedVideoDuration.map {
            videoTimeBase.rescale(video.runningEnd + $0, to: audioUnits)
        }
        audio.offset = nil
        audio.isLastClip = isLast
    }

    private var audioUnits: Rational { Rational(1, Int(audioRate)) }

    /// Output (pts, dts) for a video packet, in the video time base.
    /// - Parameters:
    ///   - pts: presentation time in the clip, video time base.
    ///   - dts: decode time in the clip, video time base.
    ///   - duration: frame duration, video time base.
    ///   - hidden: the demuxer marked the frame as hidden by the clip's edit list.
    mutating func placeVideo(pts: Int64, dts: Int64, duration: Int64, hidden: Bool) throws(JoinError) -> (pts: Int64, dts: Int64) {
        // The output's edit list can hide frames at the very start of the file, never mid-track.
        if hidden && clipNumber > 1 { throw .hiddenLeadingFrames }
        let placedPTS = pts + video.offset
        let placedDTS = dts + video.offset
        if let last = video.lastDTS, placedDTS <= last {
            throw .videoDecodeOrder(previousDTS: last, nextDTS: placedDTS)
        }
        video.lastDTS = placedDTS
        if !hidden { video.clipEnd = max(video.clipEnd, placedPTS + duration) }
        video.packets += 1
        return (placedPTS, placedDTS)
    }

    /// Output pts for an audio packet, in samples, or nil when the packet must be dropped.
    /// - Parameters:
    ///   - pts: presentation time in the clip, in samples, relative to the clip's video start.
    ///   - length: samples the packet decodes to.
    mutating func placeAudio(pts relative: Int64, length: Int64) throws(JoinError) -> Int64? {
        let half = length / 2
        if audio.offset == nil {
            if clipNumber == 1 {
                // Keep the first clip's priming: it lands before 0 and the output's edit list hides it.
                audio.offset = audio.clipVideoStart
            } else {
                let lead = audio.runningEnd - audio.clipVideoStart
                // Skip frames that would play before the audio already placed (priming, mostly).
                if relative + half <= lead {
                    audio.dropped += 1
                    return nil
                }
                let ideal = audio.clipVideoStart + relative
                // Butt against the running end unless the clip's own audio starts later (a real gap).
                let placed = ideal > audio.runningEnd + half ? ideal : audio.runningEnd
                audio.offset = placed - relative
            }
        }
        let placed = relative + audio.offset!
        if let end = audio.clipVideoEnd, audio.isLastClip ? placed >= end : placed + half >= end {
            audio.dropped += 1
            return nil
        }
        if let last = audio.lastPTS, placed <= last {
            throw .audioOrder(previousPTS: last, nextPTS: placed)
        }
        audio.lastPTS = placed
        audio.runningEnd = max(audio.runningEnd, placed + length)
        audio.packets += 1
        return placed
    }

    /// Closes the clip; returns its video span (start, end) in the video time base.
    mutating func endClip() -> (start: Int64, end: Int64) {
        video.runningEnd = video.clipEnd
        return (video.clipStart, video.clipEnd)
    }
}

extension JoinTimeline {
    /// Places a clip's video packet (timestamps in the video time base) on the output timeline and
    /// readies it for the muxer: output stream, muxer time base, no discard mark.
    /// - Parameter fallbackDuration: for packets that state no duration (one frame).
    /// - Returns: the packet's output presentation time and where it ends, in the video time base.
    @discardableResult
    mutating func place(videoPacket packet: Packet, fallbackDuration: Int64, stream: Int, muxTimeBase: Rational,
                        subject: MiaError.Subject) throws -> (pts: Int64, end: Int64) {
        let duration = packet.duration > 0 ? packet.duration : fallbackDuration
        let placed: (pts: Int64, dts: Int64)
        do {
            placed = try placeVideo(pts: packet.pts!, dts: packet.dts!, duration: duration, hidden: packet.isDiscarded)
        } catch {
            throw StreamCopyStitch.explain(error, subject: subject, timeBase: videoTimeBase)
        }
        packet.rawPTS = placed.pts
        packet.rawDTS = placed.dts
        packet.setDuration(duration)
        packet.setStreamIndex(stream)
        packet.clearForMuxing()
        packet.rescaleTimestamps(from: videoTimeBase, to: muxTimeBase)
        return (placed.pts, placed.pts + duration)
    }
}
