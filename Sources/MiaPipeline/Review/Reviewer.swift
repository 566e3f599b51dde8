import Foundation

/// Where a video is going, and what each place accepts. One table, kept current here.
/// (Limits as the platforms publish them for uploads in 2026: Shorts and Reels up to 3 minutes,
/// TikTok uploads up to 10 minutes, LinkedIn video up to 10 minutes.)
public struct Platform: Sendable, Codable, Equatable {
    public let name: String
    public let aspects: [Aspect]
    public let preferred: Aspect
    public let minimumSeconds: Double
    public let maximumSeconds: Double

    public static let all: [Platform] = [
        Platform(name: "YouTube", aspects: [.landscape], preferred: .landscape, minimumSeconds: 1, maximumSeconds: 12 * 3600),
        Platform(name: "YouTube Shorts", aspects: [.portrait, .square], preferred: .portrait, minimumSeconds: 1, maximumSeconds: 180),
        Platform(name: "TikTok", aspects: [.portrait], preferred: .portrait, minimumSeconds: 3, maximumSeconds: 600),
        Platform(name: "Instagram Reels", aspects: [.portrait], preferred: .portrait, minimumSeconds: 3, maximumSeconds: 180),
        Platform(name: "LinkedIn", aspects: [.landscape, .square, .portrait], preferred: .landscape, minimumSeconds: 3, maximumSeconds: 600),
    ]
}

/// How a video fits one platform, and the change that would make it fit.
public struct PlatformFit: Sendable, Codable, Equatable {
    public let platform: String
    public let fits: Bool
    /// What to change, when it does not fit.
    public let reformat: String?
}

/// Narration speed of one scene.
public struct PacingNote: Sendable, Codable, Equatable {
    public let scene: Int
    public let seconds: Double
    /// Narration words per second (0 for scenes without narration): over the speech itself when it was
    /// spoken, else over the scene.
    public let wordsPerSecond: Double
    public let note: String?
    /// Seconds of speech, when the narration was spoken.
    public var speechSeconds: Double?
}

/// Spend against the estimate, and what other choices would have cost.
public struct CostFeedback: Sendable, Codable, Equatable {
    public let estimated: Double
    public let spent: Double
    public let templateOnly: Double
    /// Every scene rendered with one provider's default model instead (Runway gen4.5, Veo 3.1 Fast, …).
    public let alternatives: [String: Double]
}

/// The post-render review: platform fit, pacing, cost.
public struct Review: Sendable, Codable, Equatable {
    public let video: String
    public let duration: Double
    public let width: Int
    public let height: Int
    public let aspect: Aspect
    public let platforms: [PlatformFit]
    public let pacing: [PacingNote]
    public let rhythm: String
    public let cost: CostFeedback?
}

/// Reviews a finished video, with its plan when there is one.
public struct Reviewer: Sendable {
    public let log: any EventSink

    public init(log: any EventSink) { self.log = log }

    /// - Parameters:
    ///   - scenes: how the scenes were rendered (for spend), when known.
    ///   - spent: dollars committed to providers, when known.
    /// - Throws: `MiaError` when the video cannot be read.
    public func review(video: String, plan: RenderPlan?, scenes: [SceneOutcome] = [], spent: Double? = nil) throws -> Review {
        let info = try MediaProbe.inspect(video)
        guard let stream = info.video, let width = stream.width, let height = stream.height else {
            throw MiaError(file: video, "has no video stream to review")
        }
        let duration = stream.duration ?? info.duration ?? 0
        let aspect = Aspect(width: width, height: height)
        let platforms = Platform.all.map { fit($0, aspect: aspect, duration: duration) }

        var pacing: [PacingNote] = []
        var rhythm = "one continuous shot"
        var cost: CostFeedback?
        if let plan {
            pacing = plan.scenes.map { job in
                // Spoken narration is judged by its real rate: words over the seconds the voice took.
                let words = job.speech?.words.count ?? job.narration.split { $0.isWhitespace }.count
                let spoken = job.speech?.seconds ?? job.length
                let rate = spoken > 0 ? Double(words) / spoken : 0
                // A spoken scene is as long as its speech needs: only the voice's own pace can be off.
                let text = job.speech == nil ? MiaMessages.pacing(wordsPerSecond: rate, words: words, seconds: job.length)
                    : MiaMessages.voicePace(wordsPerSecond: rate, words: words)
                var note = PacingNote(scene: job.sceneNumber, seconds: job.length, wordsPerSecond: (rate * 100).rounded() / 100,
                                      note: text)
                note.speechSeconds = job.speech.map { ($0.seconds * 100).rounded() / 100 }
                return note
            }
            let lengths = plan.scenes.map(\.length)
            rhythm = MiaMessages.rhythm(average: lengths.reduce(0, +) / Double(max(1, lengths.count)),
                                        longest: lengths.max() ?? 0, sceneCount: lengths.count)
            var alternatives: [String: Double] = [:]
            for provider in ProviderID.allCases where !provider.isLocal {
                let model = ProviderCatalog.defaultModel(for: provider)
                let total = plan.scenes.reduce(0) { $0 + model.durations.snap($1.seconds) * model.pricePerSecond }
                alternatives[provider.rawValue] = (total * 100).rounded() / 100
            }
            cost = CostFeedback(estimated: plan.estimatedCost, spent: spent ?? scenes.reduce(0) { $0 + $1.cost },
                                templateOnly: 0, alternatives: alternatives)
        }
        let review = Review(video: video, duration: duration, width: width, height: height, aspect: aspect,
                            platforms: platforms, pacing: pacing, rhythm: rhythm, cost: cost)
        log.emit(MiaEvent("MIA:REVIEW", [
            ("video", .string(video)), ("duration", .seconds(duration)), ("aspect", .string(aspect.rawValue)),
            ("fits", .string(platforms.filter(\.fits).map(\.platform).joined(separator: ","))),
            ("rushed_scenes", .int(Int64(pacing.filter { $0.speechSeconds == nil && $0.wordsPerSecond > MiaMessages.rushedWordsPerSecond }.count))),
        ] + Self.speakingRate(pacing)))
        return review
    }

    /// The narration's real pace over the whole video, when it was spoken.
    private static func speakingRate(_ pacing: [PacingNote]) -> [(String, MiaEvent.Value)] {
        let spoken = pacing.filter { $0.speechSeconds != nil }
        let seconds = spoken.reduce(0) { $0 + ($1.speechSeconds ?? 0) }
        guard seconds > 0 else { return [] }
        let words = spoken.reduce(0) { $0 + $1.wordsPerSecond * ($1.speechSeconds ?? 0) }
        return [("words_per_minute", .int(Int64((words / seconds * 60).rounded())))]
    }

    private func fit(_ platform: Platform, aspect: Aspect, duration: Double) -> PlatformFit {
        var changes: [String] = []
        if !platform.aspects.contains(aspect) {
            changes.append("re-plan at \(platform.preferred.rawValue) (--aspect \(platform.preferred.rawValue))")
        }
        if duration > platform.maximumSeconds {
            changes.append(String(format: "trim to %.0f s (now %.0f s)", platform.maximumSeconds, duration))
        } else if duration < platform.minimumSeconds {
            changes.append(String(format: "lengthen to at least %.0f s", platform.minimumSeconds))
        }
        return PlatformFit(platform: platform.name, fits: changes.isEmpty,
                           reformat: changes.isEmpty ? nil : changes.joined(separator: " and "))
    }
}
