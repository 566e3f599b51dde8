import MiaFFmpeg
/// Exact clip lengths, which chapters (written in the header) and the audio trim need up front.
///
/// mp4/mov index every sample, so their stated track length is exact (and the index is checked
/// against it, see `Completeness`). Other containers (Matroska) state a length only as a tag or
/// for the whole file, so the pre-flight reads the packets once to measure it, and a clip that holds
/// much less than it states is refused as truncated.
enum ClipLength {
    static func measured(_ clip: ClipInfo, subject: MiaError.Subject) throws -> ClipInfo {
        guard let videoIndex = clip.videoIndex, let video = clip.video else { return clip }
        var streams = [videoIndex: video.frameTicks]
        if let audioIndex = clip.audioIndex, let audio = clip.audio { streams[audioIndex] = audio.frameTicks }
        let spans: [Int: (start: Int64, end: Int64)]
        do {
            let input = try MediaProbe.openInput(clip.path)
            spans = try input.measureSpans(of: streams)
        } catch let error as FFmpegError {
            throw MiaError(subject, "cannot read media data, the file is truncated or damaged (\(error.message))", cause: error)
        } catch let error as MiaError {
            throw error.about(subject)
        }
        guard let span = spans[videoIndex] else { throw MiaError(subject, "its video stream holds no frames") }
        let audioSpan = clip.audioIndex.flatMap { spans[$0] }.map { $0.end.clampedMinus($0.start) } ?? (clip.audio == nil ? nil : 0)
        if let problem = Completeness.problems(clip, held: .init(video: span.end.clampedMinus(span.start), audio: audioSpan)).first {
            throw MiaError(subject, problem)
        }
        var result = clip
        result.streams[videoIndex].startTimestamp = span.start
        result.streams[videoIndex].durationTimestamp = span.end.clampedMinus(span.start)
        return result
    }
}
