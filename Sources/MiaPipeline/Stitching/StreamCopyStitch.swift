import Foundation
import MiaFFmpeg

/// The stream-copy pass: every clip's packets, unchanged, placed on one timeline by `JoinTimeline`.
/// Opens one clip at a time, so memory and file descriptors stay flat however many clips there are.
struct StreamCopyStitch {
    /// Pre-flighted, mutually compatible clips, in order.
    let clips: [ClipInfo]
    /// Where to write (the temporary file beside the final output).
    let temporary: String
    /// The output as the user named it, for messages.
    let destination: String
    let container: OutputContainerFormat
    let options: StitchOptions
    let indexPlacement: OutputContainerFormat.IndexPlacement
    let log: any EventSink
    let progress: (@Sendable (StitchProgress) -> Void)?

    func run() throws -> StitchOutcome {
        let first = clips[0]
        guard let referenceVideo = first.video, let firstVideoIndex = first.videoIndex else {
            throw MiaError(.clip(number: 1, path: first.path), "has no video stream")
        }
        let videoTimeBase = referenceVideo.timeBase
        let audioRate = Int64(first.audio?.sampleRate ?? 0)
        let samples = Rational(1, Int(max(audioRate, 1)))

        let muxer = try StitchMuxer(temporary: temporary, destination: destination, container: container, placement: indexPlacement)
        let opened = try open(clip: 0)
        var firstInput: InputContainer? = opened
        // Fully probed (the pre-flight may have read headers only): the AAC frame size comes from here.
        let audioFrameSize = Int64(ClipInfo(container: opened).audio?.frameSize ?? 0)
        let firstClip = MiaError.Subject.clip(number: 1, path: first.path)
        try muxer.addVideo(copiedFrom: opened, stream: firstVideoIndex, timeBase: videoTimeBase, clip: firstClip)
        let audioOut: Int? = try first.audioIndex.map { index in
            try muxer.addCopied(from: opened, stream: index, timeBase: samples, clip: firstClip)
        }
        if options.chapters {
            try muxer.setChapters(chapterList(timeBase: videoTimeBase), timeBase: videoTimeBase)
        }
        try muxer.writeHeader(codecs: [referenceVideo.codec] + (first.audio.map { [$0.codec] } ?? []))
        let audioMuxTimeBase = audioOut.map { muxer.output.timeBase(ofStream: $0) }

        var timeline = JoinTimeline(videoTimeBase: videoTimeBase, audioRate: max(audioRate, 1))
        var spans: [ClipSpan] = []
        let packet = Packet()
        // The latest audio packet is held back one step so the very last one can be trimmed to
        // end exactly with the video.
        let heldAudio = Packet()
        var holdingAudio = false
        func writeVideo(_ packet: Packet, subject: MiaError.Subject, frameDuration: Int64) throws {
            try muxer.writeVideo(packet, on: &timeline, fallbackDuration: frameDuration, clip: subject)
        }
        func writeHeld() throws {
            guard let audioMuxTimeBase else { return }
            heldAudio.rescaleTimestamps(from: samples, to: audioMuxTimeBase)
            try muxer.write(heldAudio)
        }

        for (index, clip) in clips.enumerated() {
            let subject = MiaError.Subject.clip(number: index + 1, path: clip.path)
            let input = try firstInput ?? open(clip: index)
            firstInput = nil
            guard let video = clip.video else { throw MiaError(subject, "has no video stream") }
            let videoStart = video.startTimestamp ?? 0
            let videoStartInSamples = videoTimeBase.rescale(videoStart, to: samples)
            let frameDuration = video.frameTicks
            var decodeTimes = DecodeTimeFiller()
            timeline.beginClip(videoStart: videoStart, expectedVideoDuration: video.durationTimestamp,
                               isLast: index == clips.count - 1)

            while try StitchIO.read(input, into: packet, subject: subject) {
                if packet.streamIndex == clip.videoIndex {
                    guard packet.pts != nil else {
                        throw MiaError(subject, "a video packet has no timestamp; stream copy needs timestamps")
                    }
                    // Matroska and friends store no decode times; libavformat leaves the first
                    // `delay` B-frame packets without one. Hold them until a decode time is known.
                    if packet.dts == nil && !decodeTimes.seenDTS {
                        let held = Packet()
                        held.take(from: packet)
                        decodeTimes.waiting.append(held)
                        continue
                    }
                    for waiting in decodeTimes.release(before: packet, frameDuration: frameDuration) {
                        try writeVideo(waiting, subject: subject, frameDuration: frameDuration)
                    }
                    try writeVideo(packet, subject: subject, frameDuration: frameDuration)
                } else if packet.streamIndex == clip.audioIndex, let audioOut, let audio = clip.audio {
                    guard let pts = packet.pts ?? packet.dts else {
                        throw MiaError(subject, "an audio packet has no timestamp; stream copy needs timestamps")
                    }
                    let relative = audio.timeBase.rescale(pts, to: samples).clampedMinus(videoStartInSamples)
                    let stated = audio.timeBase.rescale(packet.duration, to: samples)
                    // A coded AAC frame always decodes to frame_size samples, even where the demuxer
                    // shortened the last packet's duration to the edit list's end.
                    let length = audioFrameSize > 0 ? max(audioFrameSize, stated) : stated
                    let placedPTS: Int64?
                    do {
                        placedPTS = try timeline.placeAudio(pts: relative, length: length)
                    } catch {
                        throw Self.explain(error, subject: subject, timeBase: videoTimeBase)
                    }
                    guard let placedPTS else { continue }
                    if holdingAudio {
                        try writeHeld()
                    }
                    packet.rawPTS = placedPTS
                    packet.rawDTS = placedPTS
                    packet.setDuration(length)
                    packet.setStreamIndex(audioOut)
                    packet.clearForMuxing()
                    heldAudio.take(from: packet)
                    holdingAudio = true
                }
            }
            for waiting in decodeTimes.release(before: nil, frameDuration: frameDuration) {
                try writeVideo(waiting, subject: subject, frameDuration: frameDuration)
            }
            let span = timeline.endClip()
            try checkComplete(clip, videoSpan: span.end - span.start, subject: subject, frameDuration: frameDuration)
            spans.append(ClipSpan(path: clip.path, start: span.start, end: span.end, timeBase: videoTimeBase))
            log.emit(MiaEvent("MIA:STITCH:CLIP", [
                ("index", .int(Int64(index + 1))),
                ("file", .string(clip.path)),
                ("offset", .seconds(spans[index].startSeconds)),
                ("duration", .seconds(spans[index].durationSeconds)),
            ]))
            progress?(StitchProgress(clipsDone: index + 1, clipCount: clips.count))
        }

        var audioEnd: Double?
        if holdingAudio {
            // End the audio exactly where the video ends (mp4/mov turn this into the track's edit list).
            let videoEnd = videoTimeBase.rescale(timeline.video.runningEnd, to: samples)
            let remaining = videoEnd - heldAudio.rawPTS
            if remaining > 0 && remaining < heldAudio.duration { heldAudio.setDuration(remaining) }
            audioEnd = Double(heldAudio.rawPTS + heldAudio.duration) / Double(audioRate)
            try writeHeld()
        }
        try muxer.finish()
        return StitchOutcome(spans: spans, videoPackets: timeline.video.packets, audioPackets: timeline.audio.packets,
                       droppedAudioPackets: timeline.audio.dropped, videoTimeBase: videoTimeBase, audioEnd: audioEnd)
    }

    /// Where the index goes for these clips: reserved up front when every clip states its sample count.
    static func indexPlacement(for clips: [ClipInfo], container: OutputContainerFormat, options: StitchOptions)
        -> OutputContainerFormat.IndexPlacement {
        guard container.isQuickTimeFamily, options.faststart else { return .atEnd }
        var samples = 0
        for clip in clips {
            guard let frames = clip.video?.frameCount else { return .secondPass }
            // Audio tables count priming and edge frames the stated count may leave out.
            samples += frames + (clip.audio == nil ? 0 : (clip.audio?.frameCount ?? Int.max / 4) + 4)
            if samples > 50_000_000 { return .secondPass }
        }
        let tracks = 1 + (clips[0].audio == nil ? 0 : 1) + (options.chapters ? 1 : 0)
        return .reserved(bytes: OutputContainerFormat.indexReservation(
            samples: samples + (options.chapters ? clips.count : 0), tracks: tracks, chapters: options.chapters ? clips.count : 0))
    }

    // MARK: - Helpers

    /// Gives decode times to the leading packets of a clip whose container stores none
    /// (Matroska with B-frames): one frame apart, ending just before the first known decode time.
    struct DecodeTimeFiller {
        var waiting: [Packet] = []
        var seenDTS = false
        var lastDTS: Int64?

        /// The held packets, with decode times, to write before `next` (nil at the end of the clip).
        /// Also fills `next`'s decode time if it lacks one mid-stream.
        mutating func release(before next: Packet?, frameDuration: Int64) -> [Packet] {
            let released = waiting
            waiting = []
            if let next {
                if let dts = next.dts {
                    for (i, packet) in released.enumerated() {
                        packet.rawDTS = dts - Int64(released.count - i) * frameDuration
                    }
                } else if let last = lastDTS {
                    // A decode time missing mid-stream: one frame on, never past its presentation time.
                    next.rawDTS = max(last + 1, min(next.pts!, last + frameDuration))
                }
                seenDTS = true
                lastDTS = next.dts
            } else {
                // The clip ended before any decode time: decode order is presentation order shifted back.
                let first = released.compactMap(\.pts).min() ?? 0
                for (i, packet) in released.enumerated() {
                    packet.rawDTS = first - Int64(released.count - i) * frameDuration
                }
            }
            return released
        }
    }

    private func open(clip index: Int) throws -> InputContainer {
        let clip = clips[index]
        do {
            // Clip 1 gives the output its codec parameters, so it gets a full probe. Other mp4/mov
            // clips only need their packets now; containers without a sample index need the probe
            // for libavformat to work out decode times of B-frame streams.
            let input = try MediaProbe.openInput(clip.path, findStreamInfo: index == 0 || clip.indexedDataEnd == nil)
            guard input.streamCount == clip.streams.count else {
                throw MiaError(file: clip.path, "changed since the pre-flight (its streams differ)")
            }
            return input
        } catch let error as MiaError {
            throw error.about(.clip(number: index + 1, path: clip.path))
        }
    }

    /// The copy must find exactly the video the pre-flight measured or the container states.
    private func checkComplete(_ clip: ClipInfo, videoSpan: Int64, subject: MiaError.Subject, frameDuration: Int64) throws {
        guard let video = clip.video,
              let problem = Completeness.problem("video", held: videoSpan, stream: video, slack: 0) else { return }
        throw MiaError(subject, problem)
    }

    /// One chapter per clip, from the lengths the pre-flight established (exact: see `ClipLength`).
    private func chapterList(timeBase: Rational) -> [(title: String, start: Int64, end: Int64)] {
        var start: Int64 = 0
        return clips.enumerated().map { index, clip in
            let length = clip.video?.durationTimestamp ?? 0
            defer { start += length }
            return (title: options.chapterTitle(index, path: clip.path), start: start, end: start + length)
        }
    }

    static func explain(_ error: JoinTimeline.JoinError, subject: MiaError.Subject, timeBase: Rational) -> MiaError {
        switch error {
        case let .videoDecodeOrder(previous, next):
            let gap = Double(previous - next) * timeBase.value
            return MiaError(subject, String(format: "its video decode timestamps would go back %.3f s at the join (a different B-frame delay than the clip before); stream copy cannot join it", gap))
        case .hiddenLeadingFrames:
            return MiaError(subject, "its edit list hides frames at the start (a trimmed clip); stream copy can only hide frames at the start of the output, so it would show them")
        case let .audioOrder(previous, next):
            return MiaError(subject, "its audio timestamps go backwards (\(next) after \(previous)); the file is damaged")
        }
    }
}
