import MiaFFmpeg

/// Reading clips, with FFmpeg's failures turned into one-line errors that name the clip (shared by
/// the copy and the normalizing passes; the writing side is `StitchMuxer`).
enum StitchIO {
    /// Reads the next packet; false at the end of the file.
    /// - Parameter subject: the clip, as messages name it ("clip 2 (b.mp4)").
    static func read(_ input: InputContainer, into packet: Packet, subject: MiaError.Subject) throws -> Bool {
        do {
            return try input.read(into: packet)
        } catch let error as FFmpegError {
            throw MiaError(subject, "cannot read media data, the file is truncated or damaged (\(error.message))", cause: error)
        }
    }
}
