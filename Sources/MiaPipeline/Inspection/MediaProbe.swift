import Foundation
import MiaFFmpeg

/// Reads a media file's container and stream parameters.
public enum MediaProbe {
    /// - Parameter path: the file to read.
    /// - Returns: its parameters.
    /// - Throws: `MiaError` naming the file: missing, a directory, empty, or not media FFmpeg can read.
    public static func inspect(_ path: String) throws -> ClipInfo {
        try checkReadableFile(path)
        let input = try openInput(path)
        return ClipInfo(container: input)
    }

    /// What the container's header alone says, without decoding: for mp4/mov that is everything
    /// but the pixel format and the audio frame size. Much faster than `inspect` for large clips.
    static func inspectHeader(_ path: String) throws -> ClipInfo {
        try checkReadableFile(path)
        let input = try openInput(path, findStreamInfo: false)
        return ClipInfo(container: input)
    }

    /// The checks a user gets a plain answer for, before FFmpeg sees the file.
    static func checkReadableFile(_ path: String) throws {
        // Told apart with stat, never by opening: FFmpeg would block on a FIFO until a writer came.
        switch FileKind.of(path) {
        case .missing: throw MiaError(file: path, "file not found")
        case .directory: throw MiaError(file: path, "is a directory, not a media file")
        case .regular(let size):
            guard FileManager.default.isReadableFile(atPath: path) else { throw MiaError(file: path, "permission denied") }
            if size == 0 { throw MiaError(file: path, "file is empty (0 bytes)") }
        case let kind: throw MiaError(file: path, "is not a regular file (\(kind.name))")
        }
    }

    /// Opens a file with FFmpeg, turning its failure into a one-line `MiaError`.
    /// - Parameter findStreamInfo: see `InputContainer.init(path:findStreamInfo:)`.
    static func openInput(_ path: String, findStreamInfo: Bool = true) throws -> InputContainer {
        do {
            return try InputContainer(path: path, findStreamInfo: findStreamInfo)
        } catch let error as FFmpegError {
            // Too many open files, an I/O error: nothing about the file's contents.
            if error.isOperatingSystemError {
                throw MiaError(file: path, "cannot open it (\(error.message))", cause: error)
            }
            throw MiaError(file: path, "not a media file FFmpeg can read (\(error.message))", cause: error)
        }
    }
}
