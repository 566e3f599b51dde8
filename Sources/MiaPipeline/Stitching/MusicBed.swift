import Foundation
import MiaFFmpeg

/// The music under a whole video (`--music`): decoded and resampled to the track's format, looped
/// when it is shorter than the video and cut at the video's end when longer, faded in over the first
/// second and out over the last two. Ducking under the narration is the mix's (`DuckEnvelope`).
///
/// A loop is sample-exact: the file's decoded end, not its container's stated duration (an MP3's is
/// an estimate), meets the file's start again. The last `crossfadeSeconds` of each pass are held
/// back until the pass ends; they are then crossfaded into the next pass's first samples, so the
/// seam has neither a gap nor a click. The crossfade is linear, not equal-power: music made to loop
/// continues itself across the seam, where equal power would bump the level by 3 dB. Pulled a block at a time: one decoder and a few blocks are all that is open.
final class MusicBed {
    static let crossfadeSeconds = 0.05
    static let fadeInSeconds = 1.0
    static let fadeOutSeconds = 2.0
    /// Music shorter than this cannot loop with a crossfade worth the name.
    static let shortestSeconds = 0.5

    let file: String
    private let info: ClipInfo
    private let format: NormalizeTarget.Audio
    private let total: Int64
    private let crossfade: Int
    private let fadeIn: Int64
    private let fadeOut: Int64
    private var pass: ClipSource
    private var passSamples: Int64 = 0
    /// The current pass's newest samples, held back: they may be its end, the loop point.
    private let ahead: AudioFifo
    /// Music ready to play, in order.
    private let ready: AudioFifo
    private let decoded = Frame()
    private var position: Int64 = 0
    /// How many times the music started over.
    private(set) var loops = 0

    /// - Parameters:
    ///   - info: the music file, as `check` found it.
    ///   - total: samples in the whole track; the music never goes past it.
    init(_ info: ClipInfo, total: Int64, format: NormalizeTarget.Audio) throws {
        file = info.path
        self.info = info
        self.format = format
        self.total = total
        let rate = Double(format.sampleRate)
        crossfade = Int((Self.crossfadeSeconds * rate).rounded())
        // A short video still hears the music come and go: the fades share its length.
        fadeIn = min(Int64((Self.fadeInSeconds * rate).rounded()), total / 4)
        fadeOut = min(Int64((Self.fadeOutSeconds * rate).rounded()), total / 2)
        pass = try Self.reading(info.path) { try ClipSource(info, samples: nil, format: format) }
        ahead = try AudioFifo(sampleRate: format.sampleRate, channels: format.channels)
        ready = try AudioFifo(sampleRate: format.sampleRate, channels: format.channels)
    }

    /// Checks a music file before anything is spent: it exists, holds an audio stream, decodes to its
    /// end (a file damaged halfway would otherwise fail only at the stitch) and lasts long enough to loop.
    /// - Returns: the file as probed.
    /// - Throws: `MiaError` naming the file and what is wrong, in one line.
    @discardableResult
    static func check(_ path: String) throws -> ClipInfo {
        guard FileManager.default.fileExists(atPath: path) else { throw MiaError(file: path, "music file not found") }
        let info = try reading(path) { try MediaProbe.inspect(path) }
        guard info.audio != nil else { throw MiaError(file: path, "the music file holds no audio stream") }
        let format = NormalizeTarget.Audio(sampleRate: 48_000, channels: 1)
        let source = try reading(path) { try ClipSource(info, samples: nil, format: format) }
        let frame = Frame()
        var samples: Int64 = 0
        while try reading(path, { try source.next(into: frame) }) { samples += Int64(frame.sampleCount) }
        let seconds = Double(samples) / Double(format.sampleRate)
        guard seconds >= shortestSeconds else {
            throw MiaError(file: path, String(format: "the music lasts %.3f s; it needs at least %.1f s to loop", seconds, shortestSeconds))
        }
        return info
    }

    /// The next `count` samples of music, faded; the caller never asks past `total`.
    func next(_ count: Int) throws -> Frame {
        while ready.count < count {
            if try Self.reading(file, { try pass.next(into: decoded) }) {
                passSamples += Int64(decoded.sampleCount)
                try ahead.append(decoded)
                if ahead.count > crossfade { try ready.append(ahead.take(ahead.count - crossfade)) }
            } else {
                try startOver()
            }
        }
        let block = try ready.take(count)
        try fade(block)
        position += Int64(count)
        return block
    }

    /// The pass ended: the next one starts, its first samples crossfaded with the held-back end.
    private func startOver() throws {
        // Shorter than two crossfades, a pass would never free a sample: the check refuses such music.
        guard passSamples > Int64(2 * crossfade), ahead.count > 0 else {
            throw MiaError(file: file, "the music decoded to only \(passSamples) samples; it cannot loop")
        }
        let tail = try ahead.take(ahead.count)
        pass = try Self.reading(file) { try ClipSource(info, samples: nil, format: format) }
        passSamples = 0
        loops += 1
        while ahead.count < tail.sampleCount {
            guard try Self.reading(file, { try pass.next(into: decoded) }) else {
                throw MiaError(file: file, "the music ended early on its repeat")
            }
            passSamples += Int64(decoded.sampleCount)
            try ahead.append(decoded)
        }
        let head = try ahead.take(tail.sampleCount)
        let n = tail.sampleCount
        for channel in 0..<format.channels {
            try tail.withFloatSamples(channel: channel) { end in
                try head.withFloatSamples(channel: channel) { start in
                    for i in 0..<n {
                        let w = Float((Double(i) + 0.5) / Double(n))
                        start[i] = start[i] * w + end[i] * (1 - w)
                    }
                }
            }
        }
        // The seam comes before what is still held back of the new pass.
        try ready.append(head)
    }

    /// Fades in from the track's start and out to its end, linearly in amplitude.
    private func fade(_ block: Frame) throws {
        let count = Int64(block.sampleCount)
        let outStart = total - fadeOut
        guard position < fadeIn || position + count > outStart else { return }
        var gains = [Float](repeating: 1, count: block.sampleCount)
        for i in gains.indices {
            let n = position + Int64(i)
            var gain = 1.0
            if n < fadeIn { gain *= Double(n + 1) / Double(fadeIn + 1) }
            if n >= outStart { gain *= Double(total - n) / Double(fadeOut + 1) }
            gains[i] = Float(gain)
        }
        for channel in 0..<format.channels {
            try block.withFloatSamples(channel: channel) { samples in
                for i in samples.indices { samples[i] *= gains[i] }
            }
        }
    }

    /// Runs a step of reading the music, naming the file if it fails.
    static func reading<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MiaError {
            throw MiaError(file: path, "the music cannot be read: \(error.problem)", cause: error)
        } catch let error as FFmpegError {
            throw MiaError(file: path, "the music cannot be read: \(error.summary)", cause: error)
        }
    }
}
