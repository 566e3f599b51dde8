import Foundation
import MiaFFmpeg

/// `Rational` lives with the FFmpeg wrapper (time bases are its unit); the pipeline's public API
/// names it as its own.
public typealias Rational = MiaFFmpeg.Rational

extension ClipInfo {
    /// Reads the parameters of an already opened container.
    init(container input: InputContainer) {
        // Only mp4/mov index every sample; Matroska's cues list keyframes, which says nothing about the end.
        // A fragmented mp4 indexes only its first fragment when opened (its sample tables are empty:
        // no frame counts), so its index says nothing about the end either.
        let parameters = (0..<input.streamCount).map { input.parameters(ofStream: $0) }
        let complete = input.hasSampleIndex
            && parameters.allSatisfy { ![.video, .audio].contains($0.kind) || ($0.frameCount ?? 0) > 0 }
        let indexes = (0..<input.streamCount).map { complete ? input.indexSummary(ofStream: $0) : nil }
        let streams = (0..<input.streamCount).map { index in
            var stream = StreamInfo(parameters[index], index: index)
            if let summary = indexes[index] {
                stream.indexedFrames = summary.entries
                // First to last decode time, plus the last sample's own length (one frame).
                stream.indexedDurationTimestamp = summary.lastTimestamp &- summary.firstTimestamp &+ stream.frameTicks
            }
            return stream
        }
        var videoIndex = input.bestStream(.video)
        // Attached pictures (cover art) are "video" to FFmpeg but are not a clip's picture track.
        if let index = videoIndex, parameters[index].isAttachedPicture {
            videoIndex = nil
        }
        self.init(
            path: input.path,
            container: input.formatName,
            duration: input.duration,
            sizeBytes: input.fileSize,
            bitRate: input.bitRate > 0 ? input.bitRate : nil,
            streams: streams,
            indexedDataEnd: complete ? indexes.compactMap { $0?.dataEnd }.max() : nil,
            videoIndex: videoIndex,
            audioIndex: input.bestStream(.audio)
        )
    }
}

extension StreamInfo {
    init(_ stream: StreamParameters, index: Int) {
        self.init(
            index: index,
            kind: StreamKind(rawValue: stream.kind.rawValue) ?? .unknown,
            codec: stream.codec,
            profile: stream.profile,
            timeBase: stream.timeBase,
            durationTimestamp: stream.duration ?? Self.taggedDuration(stream),
            startTimestamp: stream.startTime,
            frameCount: stream.frameCount,
            bitRate: stream.bitRate,
            extradata: stream.extradata
        )
        switch stream.kind {
        case .video:
            width = stream.width
            height = stream.height
            pixelFormat = stream.pixelFormat
            let average = stream.averageFrameRate
            frameRate = average.num > 0 && average.den > 0 ? average : stream.realFrameRate
            sampleAspectRatio = stream.sampleAspectRatio.num > 0 ? stream.sampleAspectRatio : nil
            fieldOrder = stream.fieldOrder.rawValue
            hasBFrames = stream.videoDelay > 0
        case .audio:
            sampleRate = stream.sampleRate
            channels = stream.channels
            channelLayout = stream.channelLayout
            frameSize = stream.frameSize
        default:
            break
        }
    }

    /// Matroska keeps per-stream lengths only as a "DURATION" tag ("00:00:02.021000000"), which
    /// FFmpeg's and mkvmerge's muxers write; in the stream's time base.
    private static func taggedDuration(_ stream: StreamParameters) -> Int64? {
        guard let tag = stream.tags["DURATION"] else { return nil }
        let parts = tag.split(separator: ":")
        guard parts.count == 3, let h = Double(parts[0]), let m = Double(parts[1]), let sec = Double(parts[2]),
              stream.timeBase.num > 0, stream.timeBase.den > 0 else { return nil }
        let ticks = ((h * 3600 + m * 60 + sec) * Double(stream.timeBase.den) / Double(stream.timeBase.num)).rounded()
        // A tag is text from the file: a value no timestamp can hold is no length at all.
        guard ticks.isFinite, ticks >= 0, ticks < 0x1p62 else { return nil }
        return Int64(ticks)
    }
}
