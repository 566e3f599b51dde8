import Foundation
import MiaFFmpeg

/// The soundtrack before its loudness is set: the clips' own sound (the plain stitch's audio track)
/// lowered by `duck` dB around each narration, the music (if any) lowered by `musicDuck` dB around
/// them, plus every narration added at its exact sample.
///
/// Both ducks follow the narration spans the plan knows (`DuckEnvelope`), not a compressor listening
/// to the voice. The clips' sound ramps over `rampSeconds`; music over the slower `musicRampSeconds`,
/// so it breathes rather than pumps. Mono narration sounds on every channel at unity gain.
///
/// Pulled one block at a time: the bed's decoder, the music's and the narrations sounding now are all
/// that is open, so memory stays flat however long the video is. The same inputs give the same samples,
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
    static let musicRampSeconds = 0.25

    let format: NormalizeTarget.Audio
    /// Samples in the whole track: the video's length.
    let total: Int64
    private let narrations: [Placed]
    private var bedDuck: DuckEnvelope
    private var musicDuck: DuckEnvelope
    private let bed: ClipSource
    private let bedSamples: AudioFifo
    private let music: MusicBed?
    private var sounding: [(placed: Placed, source: ClipSource, samples: AudioFifo)] = []
    private var nextNarration = 0
    private let decoded = Frame()
    private(set) var position: Int64 = 0

    /// - Parameters:
    ///   - stitched: the plain stitch, whose audio (or silence, if it has none) is the bed.
    ///   - narrations: sorted by start.
    ///   - music: the music file (checked by `MusicBed.check`), or nil.
    ///   - settings: how far the clips' sound (`duck`) and the music (`musicDuck`) go down under a narration.
    init(stitched: ClipInfo, total: Int64, narrations: [Placed], music: ClipInfo?, settings: SoundtrackSettings,
         format: NormalizeTarget.Audio) throws {
        self.format = format
        self.total = total
        self.narrations = narrations
        let spans = narrations.map { DuckEnvelope.Span(start: $0.start, end: $0.end) }
        bedDuck = DuckEnvelope(spans: spans, duck: settings.duck, rampSeconds: Self.rampSeconds, sampleRate: format.sampleRate)
        musicDuck = DuckEnvelope(spans: spans, duck: settings.musicDuck, rampSeconds: Self.musicRampSeconds,
                                 sampleRate: format.sampleRate)
        bed = try ClipSource(stitched, samples: total, format: format, fadeIn: false, fadeOut: false)
        bedSamples = try AudioFifo(sampleRate: format.sampleRate, channels: format.channels)
        self.music = try music.map { try MusicBed($0, total: total, format: format) }
    }

    /// How many times the music started over so far.
    var musicLoops: Int { music?.loops ?? 0 }

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
        try scale(block, by: bedDuck.gains(from: position, count: length))
        try addMusic(to: block)
        try addNarrations(to: block)
        position += Int64(length)
        return block
    }

    private func scale(_ block: Frame, by gains: [Float]?) throws {
        guard let gains else { return }
        for channel in 0..<format.channels {
            try block.withFloatSamples(channel: channel) { samples in
                for i in samples.indices { samples[i] *= gains[i] }
            }
        }
    }

    private func addMusic(to block: Frame) throws {
        guard let music else { return }
        let count = block.sampleCount
        let tune = try music.next(count)
        try scale(tune, by: musicDuck.gains(from: position, count: count))
        for channel in 0..<format.channels {
            try tune.withFloatSamples(channel: channel) { tune in
                try block.withFloatSamples(channel: channel) { mix in
                    for i in 0..<count { mix[i] += tune[i] }
                }
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
