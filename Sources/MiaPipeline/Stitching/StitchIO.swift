/// Reading clips and writing the output, with FFmpeg's failures turned into one-line errors that
/// name the file (shared by the copy and the normalizing passes).
enum StitchIO {
    /// Reads the next packet; false at the end of the file.
    /// - Parameter subject: the clip, as messages name it ("clip 2 (b.mp4)").
    static func read(_ input: InputContainer, into packet: Packet, subject: String) throws -> Bool {
        do {
            return try input.read(into: packet)
        } catch let error as FFmpegError {
            throw MiaError(file: subject, "cannot read media data, the file is truncated or damaged (\(error.message))")
        }
    }

    /// Runs a step of writing the output at `path`, naming it if FFmpeg fails.
    static func writing<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FFmpegError {
            throw MiaError(file: path, "cannot write output: \(error.function) failed: \(error.message)")
        }
    }
}
