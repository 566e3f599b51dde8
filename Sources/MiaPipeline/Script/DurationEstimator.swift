/// How long a scene should run, before snapping to what a provider renders.
public struct DurationEstimate: Sendable, Codable, Equatable {
    public enum Source: String, Sendable, Codable {
        /// The script says so: `(5s)`, `00:00–00:05`.
        case annotation
        /// Narration words at the speaking rate.
        case narration
        /// Reading time of on-screen text.
        case onScreenText
        /// Nothing to time: the visuals-only minimum.
        case minimum
        /// The narration as synthesized, with its lead-in and tail (`NarrationTiming`).
        case speech
    }

    public var seconds: Double
    public var source: Source
}

/// Estimates scene lengths from what is said and shown.
public struct DurationEstimator: Sendable {
    /// Speaking rate of the narration (the studio's default: 150 words a minute).
    public var wordsPerMinute: Double = 150
    /// A scene with nothing to time still needs to be seen.
    public var minimumSeconds: Double = 3
    /// On-screen text is read more slowly than it is spoken: about three words a second.
    public var readingWordsPerSecond: Double = 3

    public init(wordsPerMinute: Double = 150, minimumSeconds: Double = 3) {
        self.wordsPerMinute = wordsPerMinute
        self.minimumSeconds = minimumSeconds
    }

    public func estimate(_ scene: Scene) -> DurationEstimate {
        if let annotated = scene.annotatedSeconds, annotated > 0 {
            return DurationEstimate(seconds: annotated, source: .annotation)
        }
        let spoken = Double(scene.narrationWords) * 60 / wordsPerMinute
        let textWords = scene.onScreenText.split { $0.isWhitespace }.count
        let reading = textWords > 0 ? Double(textWords) / readingWordsPerSecond + 1 : 0
        // Half-second steps: finer precision than a voice read is pretend accuracy.
        func halfSeconds(_ value: Double) -> Double { (value * 2).rounded(.up) / 2 }
        if spoken > 0, spoken >= reading {
            return DurationEstimate(seconds: max(2, halfSeconds(spoken)), source: .narration)
        }
        if reading > minimumSeconds {
            return DurationEstimate(seconds: halfSeconds(reading), source: .onScreenText)
        }
        if spoken > 0 {
            return DurationEstimate(seconds: max(2, halfSeconds(spoken)), source: .narration)
        }
        return DurationEstimate(seconds: minimumSeconds, source: .minimum)
    }
}
