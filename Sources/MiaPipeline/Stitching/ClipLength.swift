import MiaFFmpeg
/// Exact clip lengths, which chapters (written in the header) and the audio trim need up front.
///
/// mp4/mov index every sample, so their stated track length is exact. Other containers (Matroska)
/// state a length only as a tag or for the whole file, so the pre-flight reads the video packets
/// once to measure it, and a clip that holds much less than it states is refused as truncated.
enum ClipLength {
    static func measured(_ clip: ClipInfo, subject: MiaError.Subject) throws -> ClipInfo {
        guard let videoIndex = clip.videoIndex, let video = clip.video else { return clip }
        let frame = StreamCopyStitch.frameDuration(video)
        let span: (start: Int64, end: Int64)?
        do {
            let input = try MediaProbe.openInput(clip.path)
            span = try input.measureSpan(ofStream: videoIndex, fallbackDuration: frame)
        } catch let error as FFmpegError {
            throw MiaError(subject, "cannot read media data, the file is truncated or damaged (\(error.message))", cause: error)
        } catch let error as MiaError {
            throw error.about(subject)
        }
        guard let span else { throw MiaError(subject, "its video stream holds no frames") }
        let measured = span.end - span.start
        if let stated = video.durationTimestamp {
            try check(measured: measured, stated: stated, tolerance: 2 * frame, timeBase: video.timeBase, subject: subject)
        } else if let fileLength = clip.duration {
            // The container's length covers its longest stream; allow audio to outlast video by a second.
            let stated = Int64((fileLength / video.timeBase.value).rounded())
            let second = Int64((1 / video.timeBase.value).rounded())
            try check(measured: measured, stated: stated, tolerance: 2 * frame + second, timeBase: video.timeBase, subject: subject)
        }
        var result = clip
        result.streams[videoIndex].startTimestamp = span.start
        result.streams[videoIndex].durationTimestamp = measured
        return result
    }

    /// Refuses a clip that holds clearly less video than it states.
    static func check(measured: Int64, stated: Int64, tolerance: Int64, timeBase: Rational, subject: MiaError.Subject) throws {
        guard stated - measured > tolerance else { return }
        let have = Double(measured) * timeBase.value, want = Double(stated) * timeBase.value
        throw MiaError(subject, "holds \(seconds(have)) of video but states \(seconds(want)); the file is truncated or damaged")
    }

    private static func seconds(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return "\(rounded) s"
    }
}
