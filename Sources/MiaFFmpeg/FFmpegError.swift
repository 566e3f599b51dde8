internal import CFFmpeg

/// A failed FFmpeg call: which C function, on which file, and FFmpeg's own text for the code.
package struct FFmpegError: Error, CustomStringConvertible, Sendable {
    package let code: Int32
    package let function: String
    package let path: String?
    package let message: String

    package init(code: Int32, function: String, path: String?) {
        self.code = code
        self.function = function
        self.path = path
        self.message = FFmpegError.text(for: code)
    }

    /// A problem we detect ourselves while driving FFmpeg (data that cannot be right).
    package static func invalidData(_ what: String, path: String?) -> FFmpegError {
        FFmpegError(code: mia_averror_invaliddata(), function: what, path: path)
    }

    /// "avformat_write_header failed: Invalid argument": the call and FFmpeg's words, without the file.
    package var summary: String { "\(function) failed: \(message)" }

    package var description: String {
        let location = path.map { "\($0): " } ?? ""
        return "\(location)\(summary)"
    }

    /// `av_strerror`'s text for a code (the function `av_err2str` would call).
    static func text(for code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        mia_strerror(code, &buffer, buffer.count)
        return String(filledBuffer: buffer)
    }

    package var isEndOfFile: Bool { code == mia_averror_eof() }
    package var isInvalidArgument: Bool { code == mia_averror_einval() }
    /// An operating-system error (`AVERROR(errno)`: no space, too many open files, permission): about the
    /// machine, not the media. FFmpeg's own codes are large negative tags (`FFERRTAG`).
    package var isOperatingSystemError: Bool { code < 0 && code > -4096 && !isEndOfFile }
}

/// The one helper every FFmpeg call goes through: negative results become `FFmpegError`.
/// - Returns: the non-negative result, for calls that return a count or index.
@discardableResult
func ffCheck(_ result: Int32, _ function: String, path: String? = nil) throws -> Int32 {
    if result < 0 { throw FFmpegError(code: result, function: function, path: path) }
    return result
}

/// Result of a send/receive step: end of stream and "needs more input" are normal, not errors.
package enum CodecStep<Value> {
    case value(Value)
    case needsInput
    case endOfStream
}

let noTimestamp: Int64 = mia_nopts_value()
