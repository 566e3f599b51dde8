/// Frame shapes a plan can target.
public enum Aspect: String, Sendable, Codable, CaseIterable {
    case landscape = "16:9"
    case portrait = "9:16"
    case square = "1:1"

    /// The 1080p frame size for this shape.
    public var defaultSize: (width: Int, height: Int) {
        switch self {
        case .landscape: (1920, 1080)
        case .portrait: (1080, 1920)
        case .square: (1080, 1080)
        }
    }

    /// The shape of a frame size (nearest of the three).
    public init(width: Int, height: Int) {
        let ratio = Double(width) / Double(max(height, 1))
        self = ratio > 1.2 ? .landscape : ratio < 0.83 ? .portrait : .square
    }
}

/// A provider and model for a scene, and why.
public struct ProviderChoice: Sendable, Codable, Equatable {
    public var provider: ProviderID
    public var model: String
    public var reason: String
}

/// One scene with its timing, provider and cost.
public struct SceneAnalysis: Sendable, Codable, Equatable {
    public var scene: Scene
    public var style: SceneStyle
    public var estimate: DurationEstimate
    /// The provider that suits the scene best.
    public var recommended: ProviderChoice
    /// The provider the scene will use: the recommendation, unless it is not connected, was
    /// overridden, or the budget required a downgrade (`reason` says which).
    public var chosen: ProviderChoice
    /// The estimate snapped to what the chosen model renders.
    public var seconds: Double
    /// US dollars at the chosen model's price.
    public var cost: Double
    /// How long the scene lasts in the video when its clip is fitted to its speech (`fit`); nil: `seconds`.
    public var sceneSeconds: Double?
    public var fit: ClipFit?

    /// The scene's length in the video.
    public var length: Double { sceneSeconds ?? seconds }
}

/// Something the user should know before rendering.
public struct AnalysisWarning: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case durationLong = "duration-long"
        case durationShort = "duration-short"
        case budget
        case noNarration = "no-narration"
        case providerNotConnected = "provider-not-connected"
        case providerRetired = "provider-retired"
        case sceneTooLong = "scene-too-long"
        /// The format was a close call between two readings.
        case formatGuess = "format-guess"
        /// Time ranges that overlap or leave gaps.
        case timing
        /// Something about how the narration is spoken (markup left out, a voice for a name no one speaks).
        case narration
    }

    public var kind: Kind
    public var message: String
}

/// The cheapest change that brings a plan within budget: these scenes rendered with Template.
public struct BudgetFit: Sendable, Codable, Equatable {
    public var downgradedScenes: [Int]
    public var cost: Double
}

/// A script, analyzed: scenes, durations, providers, cost and warnings.
public struct ScriptAnalysis: Sendable, Codable, Equatable {
    public var format: ScriptFormat
    /// How the format was found (or forced), and the other reading when it was a close call.
    public var detection: FormatDetection
    public var scenes: [SceneAnalysis]
    /// Text of the script that is in no scene, on purpose, with its line and why.
    public var leftOut: [LeftOutText]
    public var totalSeconds: Double
    public var totalCost: Double
    public var targetDuration: Double?
    public var budget: Double?
    public var aspect: Aspect
    public var warnings: [AnalysisWarning]
    /// Offered when the cost exceeds the budget (nil otherwise).
    public var budgetFit: BudgetFit?
}

/// What the analysis takes besides the script.
public struct AnalysisOptions: Sendable {
    /// Read the script in this format (`--format`); nil detects it.
    public var format: ScriptFormat?
    public var targetDuration: Double?
    public var budget: Double?
    public var aspect: Aspect = .landscape
    public var estimator = DurationEstimator()
    /// Use this provider for every scene that is not text-led (`--provider`); nil picks per scene.
    public var providerOverride: ProviderID?
    /// Apply the budget fit to the chosen providers (a plan must fit; an analysis only offers it).
    public var enforceBudget = false
    public var environment = ProviderEnvironment()
    /// Seconds of synthesized speech per scene number (`plan` and `render` speak first): a scene lasts its
    /// speech with a lead-in and a tail, and at least what its picture needs. Empty: estimated from words.
    public var speechSeconds: [Int: Double] = [:]
    /// The script's folder: the files its `![](path)` lines name are resolved against it and checked (see
    /// `OwnMediaCheck`). nil: not checked (a script with no folder, read from text alone).
    public var mediaFolder: String?
    /// Send a scene's own image to a provider as the first frame of a generated clip (`--animate-images`)
    /// instead of moving over it locally; only where a connected provider can take a local image.
    public var animateImages = false

    public init(targetDuration: Double? = nil, budget: Double? = nil, aspect: Aspect = .landscape,
                estimator: DurationEstimator = DurationEstimator(), providerOverride: ProviderID? = nil,
                enforceBudget: Bool = false, environment: ProviderEnvironment = ProviderEnvironment(), format: ScriptFormat? = nil) {
        self.format = format
        self.targetDuration = targetDuration
        self.budget = budget
        self.aspect = aspect
        self.estimator = estimator
        self.providerOverride = providerOverride
        self.enforceBudget = enforceBudget
        self.environment = environment
    }
}
