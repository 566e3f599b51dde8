import Foundation

/// How far a bed (the clips' own sound, the music) goes down under the narration, sample by sample.
///
/// Driven by the narration spans the plan knows, not by a compressor listening to the voice: the bed
/// ramps down over `ramp` samples before a narration starts (so its first syllable is already clear)
/// and back up over the same time after it ends, linearly in dB. Read forwards only, a block at a
/// time: it remembers the first span that can still reach the current block.
struct DuckEnvelope {
    /// A narration's samples on the timeline, `start..<end`.
    struct Span {
        let start: Int64
        let end: Int64
    }

    private let spans: [Span]
    private let duck: Double
    private let ramp: Int64
    /// The first span whose ramp may still reach the current block.
    private var firstNear = 0

    /// - Parameters:
    ///   - spans: sorted by start.
    ///   - duck: decibels (negative) the bed is lowered by while a narration speaks.
    ///   - rampSeconds: how long the way down (and back up) takes.
    init(spans: [Span], duck: Double, rampSeconds: Double, sampleRate: Int) {
        self.spans = spans
        self.duck = duck
        ramp = max(1, Int64((rampSeconds * Double(sampleRate)).rounded()))
    }

    /// The gain of each of `count` samples from `position` on; nil when no narration is near them (all 1).
    mutating func gains(from position: Int64, count: Int) -> [Float]? {
        let blockEnd = position + Int64(count)
        while firstNear < spans.count, spans[firstNear].end + ramp <= position { firstNear += 1 }
        var last = firstNear
        while last < spans.count, spans[last].start - ramp < blockEnd { last += 1 }
        let near = spans[firstNear..<last].filter { $0.end + ramp > position }
        guard !near.isEmpty else { return nil }
        var gains = [Float](repeating: 1, count: count)
        let full = Float(pow(10, duck / 20))
        for i in gains.indices {
            let d = depth(at: position + Int64(i), near: near)
            gains[i] = d >= 1 ? full : d <= 0 ? 1 : Float(pow(10, duck * d / 20))
        }
        return gains
    }

    /// How far down the bed is at sample `n`, 0 (not at all) to 1 (the full duck).
    private func depth(at n: Int64, near: [Span]) -> Double {
        var deepest = 0.0
        for span in near {
            if n >= span.start && n < span.end { return 1 }
            let d = n < span.start ? 1 - Double(span.start - n) / Double(ramp) : 1 - Double(n - span.end + 1) / Double(ramp)
            deepest = max(deepest, d)
        }
        return deepest
    }
}
