import Foundation

/// What Mia says when she reviews a finished video: platform fit, pacing and cost.
extension MiaMessages {
    /// Above this, narration sounds rushed (180 words a minute).
    public static let rushedWordsPerSecond = 3.0

    public static func pacing(wordsPerSecond rate: Double, words: Int, seconds: Double) -> String? {
        if words == 0 { return seconds > 6 ? String(format: "%.0f s with no narration: hold it only if the picture carries it", seconds) : nil }
        if rate > rushedWordsPerSecond { return String(format: "rushed: %.1f words a second; trim the line or give it more time", rate) }
        if rate < 1.2 { return String(format: "slow: %.1f words a second; tighten the scene", rate) }
        return nil
    }

    /// Spoken narration: a voice faster than 240 or slower than 90 words a minute (over its own speech,
    /// pauses included) is worth a word. `--wpm` sets the pace relative to 150, each voice's own.
    public static func voicePace(wordsPerSecond rate: Double, words: Int) -> String? {
        guard words >= 5 else { return nil }
        if rate > 240.0 / 60 { return String(format: "the voice speaks fast (%.0f words a minute); a lower --wpm slows it", rate * 60) }
        if rate < 90.0 / 60 { return String(format: "the voice speaks slowly (%.0f words a minute); a higher --wpm speeds it up", rate * 60) }
        return nil
    }

    public static func rhythm(average: Double, longest: Double, sceneCount: Int) -> String {
        if sceneCount <= 1 { return "one continuous shot" }
        if average > 8 { return String(format: "slow cuts (%.1f s a scene on average); social audiences skip long shots", average) }
        if average < 2 { return String(format: "very fast cuts (%.1f s a scene); check viewers can read the text", average) }
        return String(format: "steady cuts, %.1f s a scene on average (longest %.1f s)", average, longest)
    }

    /// The review as lines for the terminal.
    public static func review(_ review: Review) -> String {
        var lines = [String(format: "Review of %@: %.1f s, %dx%d (%@).", review.video, review.duration, review.width,
                            review.height, review.aspect.rawValue)]
        let fits = review.platforms.filter(\.fits).map(\.platform)
        lines.append("Fits: " + (fits.isEmpty ? "none of the usual platforms as it is." : fits.joined(separator: ", ") + "."))
        for platform in review.platforms where !platform.fits {
            lines.append("  \(platform.platform): \(platform.reformat ?? "")")
        }
        lines.append("Pacing: \(review.rhythm).")
        let spoken = review.pacing.filter { $0.speechSeconds != nil }
        if !spoken.isEmpty {
            lines.append("Narration, as spoken (words a minute): " + spoken.map {
                String(format: "scene %d %.0f", $0.scene, $0.wordsPerSecond * 60)
            }.joined(separator: ", ") + ".")
        }
        for note in review.pacing { if let text = note.note { lines.append("  Scene \(note.scene): \(text)") } }
        if let cost = review.cost {
            var line = "Cost: spent \(dollars(cost.spent)) of an estimated \(dollars(cost.estimated)); Template only would be free"
            let others = cost.alternatives.sorted { $0.key < $1.key }.map { "\(ProviderID(rawValue: $0.key)?.displayName ?? $0.key) \(dollars($0.value))" }
            if !others.isEmpty { line += "; every scene on " + others.joined(separator: ", or on ") }
            lines.append(line + ".")
        }
        return lines.joined(separator: "\n")
    }
}
