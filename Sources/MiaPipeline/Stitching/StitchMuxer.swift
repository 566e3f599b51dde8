import Foundation
import MiaFFmpeg

/// The output side of every stitch pass, copy or normalizing: open the container, add its streams,
/// chapters, header, then packets placed by `JoinTimeline`, then the trailer. Failures name the
/// final output (never the hidden temporary file) and, for a codec the container cannot hold, the
/// clip and what to use instead.
final class StitchMuxer {
    let output: OutputContainer
    /// The name the user gave; what messages say.
    let destination: String
    let container: OutputContainerFormat
    let placement: OutputContainerFormat.IndexPlacement
    private(set) var videoStream = 0
    private(set) var videoMuxTimeBase = Rational(1, 1)

    /// The muxer needed more room for the index than was reserved; the pass is redone with a second pass.
    struct IndexReservationTooSmall: Error {}

    /// Runs a whole pass with the index reserved up front when `placement` says so, and again with
    /// faststart's rewrite in the rare case the reservation was too small.
    static func withIndexRetry<T>(_ placement: OutputContainerFormat.IndexPlacement,
                                  _ pass: (OutputContainerFormat.IndexPlacement) throws -> T) throws -> T {
        do {
            return try pass(placement)
        } catch is IndexReservationTooSmall {
            return try pass(.secondPass)
        }
    }

    /// - Parameters:
    ///   - temporary: where the bytes go (the hidden file beside `destination`).
    ///   - destination: the output as the user named it.
    init(temporary: String, destination: String, container: OutputContainerFormat,
         placement: OutputContainerFormat.IndexPlacement) throws {
        self.destination = destination
        self.container = container
        self.placement = placement
        output = try Self.writing(destination) { try OutputContainer(path: temporary, formatName: container.muxer) }
    }

    /// Adds the video stream, its packets copied from `input`'s stream `stream`.
    func addVideo(copiedFrom input: InputContainer, stream: Int, timeBase: Rational, clip: MiaError.Subject) throws {
        videoStream = try addCopied(from: input, stream: stream, timeBase: timeBase, clip: clip)
    }

    /// Adds a stream whose packets are copied from `input`'s stream `stream`.
    /// - Returns: the output stream's index.
    func addCopied(from input: InputContainer, stream: Int, timeBase: Rational, clip: MiaError.Subject) throws -> Int {
        do {
            return try output.addCopiedStream(from: input, stream: stream, timeBase: timeBase)
        } catch let refused as OutputContainer.CodecRefused {
            throw MiaError(clip, "its \(refused.codec) cannot go in \(container.extensionText) (the \(refused.muxer) container refuses it); "
                           + "write \(container.alternativesText(for: refused.codec)), or use --normalize always to re-encode to H.264 and AAC",
                           cause: refused)
        } catch let error as FFmpegError {
            throw MiaError(.output(destination), "cannot write output", ffmpeg: error)
        }
    }

    func setChapters(_ chapters: [(title: String, start: Int64, end: Int64)], timeBase: Rational) throws {
        try Self.writing(destination) { try output.setChapters(chapters, timeBase: timeBase) }
    }

    /// Writes the header; from here on the muxer's time bases are settled.
    /// - Parameter codecs: what the streams hold, named in the message if the container refuses them.
    func writeHeader(codecs: [String]) throws {
        do {
            try output.writeHeader(options: container.headerOptions(placement))
        } catch let error as FFmpegError where error.isOperatingSystemError || error.function == "avio_open" {
            // No space, no permission, the folder gone: the machine's problem, not the codecs'.
            throw MiaError(.output(destination), "cannot write output", ffmpeg: error)
        } catch let error as FFmpegError {
            // The muxer's own checks (codec profiles, sample formats) go beyond avformat_query_codec.
            let what = codecs.joined(separator: " and ")
            throw MiaError(.output(destination), "cannot write \(what) in \(container.extensionText) (\(error.summary)); "
                           + "write \(container.alternativesText(for: codecs.first ?? "")), or use --normalize always to re-encode to H.264 and AAC",
                           cause: error)
        }
        videoMuxTimeBase = output.timeBase(ofStream: videoStream)
    }

    /// Places a video packet on the timeline (see `JoinTimeline.place`) and writes it.
    /// - Returns: where it was placed, in the timeline's video time base.
    @discardableResult
    func writeVideo(_ packet: Packet, on timeline: inout JoinTimeline, fallbackDuration: Int64,
                    clip: MiaError.Subject) throws -> (pts: Int64, end: Int64) {
        let placed = try timeline.place(videoPacket: packet, fallbackDuration: fallbackDuration, stream: videoStream,
                                        muxTimeBase: videoMuxTimeBase, subject: clip)
        try write(packet)
        return placed
    }

    /// Hands any packet (timestamps already in its stream's muxer time base) to the interleaver.
    func write(_ packet: Packet) throws {
        try Self.writing(destination) { try output.write(packet) }
    }

    /// Writes the trailer (mp4/mov: the index) and closes the file.
    /// - Throws: `IndexReservationTooSmall` when the index did not fit the space reserved for it.
    func finish() throws {
        do {
            try output.finish()
        } catch let error as FFmpegError {
            // movenc answers EINVAL when the index outgrew its reserved space; anything else (no space
            // left, I/O) is the real error, not a reason to write the whole file again.
            if case .reserved = placement, error.isInvalidArgument { throw IndexReservationTooSmall() }
            throw MiaError(.output(destination), "cannot write output", ffmpeg: error)
        }
    }

    /// Runs a step of writing the output, naming it if FFmpeg fails.
    static func writing<T>(_ destination: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FFmpegError {
            throw MiaError(.output(destination), "cannot write output", ffmpeg: error)
        }
    }
}
