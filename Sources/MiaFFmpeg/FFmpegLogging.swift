internal import CFFmpeg
import Foundation

/// FFmpeg's own console messages. They are off by default: every problem that matters reaches the
/// user as a `MiaError` or a `[MIA:*]` event instead. `MIA_FFMPEG_LOGLEVEL=warning` (or error,
/// info, debug) shows them when investigating a file.
enum FFmpegLogging {
    static let configured: Void = {
        let levels: [String: Int32] = ["quiet": AV_LOG_QUIET, "panic": AV_LOG_PANIC, "fatal": AV_LOG_FATAL,
                                       "error": AV_LOG_ERROR, "warning": AV_LOG_WARNING, "info": AV_LOG_INFO,
                                       "verbose": AV_LOG_VERBOSE, "debug": AV_LOG_DEBUG]
        let requested = ProcessInfo.processInfo.environment["MIA_FFMPEG_LOGLEVEL"].flatMap { levels[$0.lowercased()] }
        av_log_set_level(requested ?? AV_LOG_QUIET)
    }()
}
