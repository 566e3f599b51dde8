import Foundation
import MiaFFmpeg

/// The soundtrack before its loudness is set: the clips' own sound (the plain stitch's audio track)
/// lowered by `duck` dB around each narration, plus every narration added at its exact sample.
///
/// The ducking follows the narration spans the plan knows, not a compressor listening to the
/// voice: the bed ramps down over `rampSeconds` before a narration starts (so its first syllable
/// is already clear) and back up over the same time after it ends, linearly in dB. Mono
/// narration sounds on every channel at unity gain.
///
/// Pulled one block at a time: the bed's decoder and the narrations sounding now are all that is
/// open, so memory stays flat however long the video is. The same inputs give the same samples,
/// so the measuring pass and the writing pass hear one mix.
final class SoundtrackMix {
    /// A narration placed on the timeline, in samples.
    struct Placed {
        let cue: NarrationCue
        let clip: ClipInfo
        let start: Int64
        /// Samples it sounds: all of it, or up to its scene's end.
        let length: Int64
        /// Cut at the scene's end (with a fade): a planner bug, warned about.
        let cut: Bool
        var end: Int64 { start + length }
    }

    static let rampSeconds = 0.1

    let format: NormalizeTarget.Audio
    /// Samples in the whole track: the video's length.
    let total: Int64
    private let narrations: [Placed]
    private let duck: Double
    private let ramp: Int64
    private let bed: ClipSource
    private let bedSamples: AudioFifo
    private var sounding: [(placed: Placed, source: ClipSource, samples: AudioFifo)] = []
    private var nextNarration = 0
    /// The first narration whose ramp may still reach the current block.
    private var firstNear = 0
    private let decoded = Frame()
    private(set) var position: Int64 = 0

    /// - Parameters:
    ///   - stitched: the plain stitch, whose audio (or silence, if it has none) is the bed.
    ///   - narrations: sorted by start.
    ///   - duck: decibels (negative) the bed is lowered by while a narration speaks.
    init(stitched: ClipInfo, total: Int64, narrations: [Placed], duck: Double, format: NormalizeTarget.Audio) throws {
        self.format = format
        self.total = total
        self.narrations = narrations
        self.duck = duck
        ramp = Int64((Self.rampSeconds * Double(format.sampleRate)).rounded())
        bed = try ClipSource(stitched, samples: total, format: format, fadeIn: false, fadeOut: false)
        bedSamples = try AudioFifo(sampleRate: format.sampleRate, channels: format.channels)
    }

    /// The next `count` samples (fewer at the end), or nil when the track is complete.
    /// - Throws: `MiaError` naming the scene and its narration file when a narration cannot be read.
    func next(_ count: Int) throws -> Frame? {
        guard position < total else { return nil }
        let length = Int(min(Int64(count), total - position))
        while bedSamples.count < length {
            guard try bed.next(into: decoded) else {
                throw MiaError("the stitched audio ended \(length - bedSamples.count) samples before the video")
            }
            try bedSamples.append(decoded)
        }
        let block = try bedSamples.take(length)
        block.pts = position
        try duckBed(block)
        try addNarrations(to: block)
        position += Int64(length)
        return block
    }

    /// How far down the bed is at sample `n`, 0 (not at all) to 1 (the full duck).
    private func depth(at n: Int64, near: ArraySlice<Placed>) -> Double {
        var deepest = 0.0
        for placed in near {
            let d: Double
            if n >= placed.start && n < placed.end { return 1 }
            if n < placed.start { d = 1 - Double(placed.start - n) / Double(ramp) } else { d = 1 - Double(n - placed.end + 1) / Double(ramp) }
            deepest = max(deepest, d)
        }
        return deepest
    }

    private func duckBed(_ block: Frame) throws {
        let blockEnd = position + Int64(block.sampleCount)
        while firstNear < narrations.count, narrations[firstNear].end + ramp <= position { firstNear += 1 }
        var last = firstNear
        while last < narrations.count, narrations[last].start - ramp < blockEnd { last += 1 }
        let near = narrations[firstNear..<last].filter { $0.end + ramp > position }
        guard !near.isEmpty else { return }
        var gains = [Float](repeating: 1, count: block.sampleCount)
        let full = Float(pow(10, duck / 20))
        for i in gains.indices {
            let d = depth(at: position + Int64(i), near: near[...])
            gains[i] = d >= 1 ? full : d <= 0 ? 1 : Float(pow(10, duck * d / 20))
        }
        for channel in 0..<format.channels {
            try block.withFloatSamples(channel: channel) { samples in
                for i in samples.indices { samples[i] *= gains[i] }
            }
        }
    }

    private func addNarrations(to block: Frame) throws {
        let blockEnd = position + Int64(block.sampleCount)
        while nextNarration < narrations.count, narrations[nextNarration].start < blockEnd {
            let placed = narrations[nextNarration]
            nextNarration += 1
            guard placed.length > 0 else { continue }
            let source = try Self.reading(placed) {
                try ClipSource(placed.clip, samples: placed.length, format: .init(sampleRate: format.sampleRate, channels: 1),
                               fadeIn: false, fadeOut: placed.cut)
            }
            let samples = try AudioFifo(sampleRate: format.sampleRate, channels: 1)
            sounding.append((placed, source, samples))
        }
        for (placed, source, samples) in sounding {
            let from = max(position, placed.start), to = min(blockEnd, placed.end)
            guard to > from else { continue }
            let count = Int(to - from)
            while samples.count < count {
                guard try Self.reading(placed, { try source.next(into: decoded) }) else {
                    throw MiaError(.scene(placed.cue.scene), "its narration \(placed.cue.file) ended early")
                }
                try samples.append(decoded)
            }
            let voice = try samples.take(count)
            let offset = Int(from - position)
            try voice.withFloatSamples(channel: 0) { voice in
                for channel in 0..<format.channels {
                    try block.withFloatSamples(channel: channel) { mix in
                        for i in 0..<count { mix[offset + i] += voice[i] }
                    }
                }
            }
        }
        sounding.removeAll { $0.placed.end <= blockEnd }
    }

    /// Runs a step of reading a narration, naming its scene and file if it fails.
    static func reading<T>(_ placed: Placed, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MiaError {
            throw MiaError(.scene(placed.cue.scene), "its narration \(placed.cue.file) cannot be read: \(error.problem)", cause: error)
        } catch let error as FFmpegError {
            throw MiaError(.scene(placed.cue.scene), "its narration \(placed.cue.file) cannot be read: \(error.summary)", cause: error)
        }
    }
}
