internal import CFFmpeg

/// Samples waiting to be cut into encoder-sized frames (`AVAudioFifo`): filter graphs hand out
/// frames of any length, AAC takes exactly 1024 samples a frame.
package final class AudioFifo {
    private let fifo: OpaquePointer
    package let sampleRate: Int
    package let channels: Int

    /// Planar float samples (what FFmpeg's AAC encoder takes).
    package init(sampleRate: Int, channels: Int) throws {
        guard let fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, Int32(channels), 4096) else {
            throw FFmpegError(code: mia_averror_enomem(), function: "av_audio_fifo_alloc", path: nil)
        }
        self.fifo = fifo
        self.sampleRate = sampleRate
        self.channels = channels
    }

    deinit { av_audio_fifo_free(fifo) }

    package var count: Int { Int(av_audio_fifo_size(fifo)) }

    /// Appends the first `samples` samples of `frame` (all of them when nil).
    package func append(_ frame: Frame, samples: Int? = nil) throws {
        let count = Int32(samples ?? frame.sampleCount)
        guard count > 0 else { return }
        let written = frame.pointer.pointee.extended_data.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: channels) {
            av_audio_fifo_write(fifo, $0, count)
        }
        try ffCheck(written, "av_audio_fifo_write")
    }

    /// Takes up to `samples` samples from the front as a new frame.
    package func take(_ samples: Int) throws -> Frame {
        let frame = try Frame.audio(samples: min(samples, count), rate: sampleRate, channels: channels)
        let read = frame.pointer.pointee.extended_data.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: channels) {
            av_audio_fifo_read(fifo, $0, Int32(frame.sampleCount))
        }
        try ffCheck(read, "av_audio_fifo_read")
        return frame
    }
}
