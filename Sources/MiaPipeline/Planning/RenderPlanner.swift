import Foundation
internal import Crypto

/// What `plan` takes besides the script.
public struct PlanOptions: Sendable {
    /// nil: pick per scene (`--provider auto`).
    public var provider: ProviderID?
    public var width: Int?
    public var height: Int?
    public var fps = 30
    public var budget: Double?
    public var targetDuration: Double?
    public var aspect: Aspect?
    public var wordsPerMinute: Double = 150
    public var environment = ProviderEnvironment()
    /// Read the script in this format (`--format`); nil detects it.
    public var scriptFormat: ScriptFormat?
    /// Speak the narration and time scenes by it (`--voice`, default auto in the CLI); nil: silent scenes
    /// timed by the words-per-minute estimate.
    public var narration: NarrationOptions?
    /// Music under the whole video (`--music`): a path from the current folder, or absolute. Checked
    /// before any speech is bought; recorded in the plan.
    public var music: String?
    /// The script's folder: `![](path)` files are resolved against it and checked before anything is spent.
    /// nil: the current folder.
    public var scriptFolder: String?
    /// Animate the scenes' own images with a provider that can (`--animate-images`); off: they move slowly, here.
    public var animateImages = false

    public init(provider: ProviderID? = nil, width: Int? = nil, height: Int? = nil, fps: Int = 30, budget: Double? = nil,
                targetDuration: Double? = nil, aspect: Aspect? = nil, wordsPerMinute: Double = 150,
                environment: ProviderEnvironment = ProviderEnvironment(), scriptFormat: ScriptFormat? = nil,
                narration: NarrationOptions? = nil) {
        self.scriptFormat = scriptFormat
        self.narration = narration
        self.provider = provider
        self.width = width
        self.height = height
        self.fps = fps
        self.budget = budget
        self.targetDuration = targetDuration
        self.aspect = aspect
        self.wordsPerMinute = wordsPerMinute
        self.environment = environment
    }
}

/// Turns an analyzed script into a render plan.
public struct RenderPlanner: Sendable {
    public let log: any EventSink

    public init(log: any EventSink) { self.log = log }

    /// A silent plan: scenes timed by the words-per-minute estimate.
    /// - Parameters:
    ///   - planFileName: the plan file's name; scene clips go in a folder named after it.
    /// - Returns: the plan, and the analysis it came from.
    public func plan(_ text: String, scriptName: String, planFileName: String, options: PlanOptions) throws -> (RenderPlan, ScriptAnalysis) {
        var silent = options
        silent.narration = nil
        return try make(text, scriptName: scriptName, planFileName: planFileName, options: silent, narration: nil, planFolder: nil)
    }

    /// A plan whose narration is spoken first (`options.narration`), each scene timed by its speech; without
    /// narration options, or with `--voice none`, the silent plan.
    /// - Parameters:
    ///   - planFolder: the plan file's folder, where the speech files go (`NAME-scenes/speech/`).
    ///   - speaker: the voice stage.
    /// - Returns: the plan, the analysis it came from, and the speech (nil when silent).
    public func plan(_ text: String, scriptName: String, planFileName: String, planFolder: String, options: PlanOptions,
                     speaker: SpeechSynthesizer) async throws -> (RenderPlan, ScriptAnalysis, NarrationResult?) {
        // Music that cannot be played, or a scene's own file that cannot be shown, is found before any speech is bought.
        if let music = options.music { try MusicBed.check(music) }
        if let parsed = try? ScriptReader.read(text, name: scriptName, as: options.scriptFormat) {
            try OwnMediaCheck.check(parsed.scenes, folder: Self.scriptFolder(options), script: scriptName)
        }
        guard let narration = options.narration, narration.voice != .none,
              let parsed = try? ScriptReader.read(text, name: scriptName, as: options.scriptFormat), !parsed.scenes.isEmpty else {
            // Silent, or a script the analysis refuses (it says why).
            var silent = options
            silent.narration = nil
            let (plan, analysis) = try make(text, scriptName: scriptName, planFileName: planFileName, options: silent, narration: nil,
                                            planFolder: planFolder)
            return (scored(plan, options: options, planFolder: planFolder), analysis, nil)
        }
        let spoken = try await speaker.speak(parsed.scenes, options: narration, folder: planFolder,
                                             speechFolder: Self.clipFolder(planFileName) + "/speech", budget: options.budget)
        let (plan, analysis) = try make(text, scriptName: scriptName, planFileName: planFileName, options: options, narration: spoken,
                                        planFolder: planFolder)
        return (scored(plan, options: options, planFolder: planFolder), analysis, spoken)
    }

    /// The plan with its music recorded, and the soundtrack settings it is mixed with (a silent plan
    /// with music gets a soundtrack too). The id stays: music changes no scene.
    private func scored(_ plan: RenderPlan, options: PlanOptions, planFolder: String) -> RenderPlan {
        guard let music = options.music else { return plan }
        var plan = plan
        plan.music = PlanFiles.musicEntry(music, planFolder: planFolder)
        plan.soundtrack = plan.soundtrack ?? options.narration?.soundtrack ?? SoundtrackSettings()
        return plan
    }

    /// The folder for a plan's scene clips, relative to the plan file's folder.
    static func clipFolder(_ planFileName: String) -> String {
        URL(fileURLWithPath: planFileName).deletingPathExtension().lastPathComponent + "-scenes"
    }

    static func aspect(_ options: PlanOptions) -> Aspect {
        options.aspect ?? options.width.flatMap { w in options.height.map { Aspect(width: w, height: $0) } } ?? .landscape
    }

    /// How a plan's script is analyzed, before speech sets the scenes' lengths (words set them until then).
    static func analysisOptions(_ options: PlanOptions) -> AnalysisOptions {
        var analysis = AnalysisOptions(
            targetDuration: options.targetDuration, budget: options.budget, aspect: aspect(options),
            estimator: DurationEstimator(wordsPerMinute: options.wordsPerMinute), providerOverride: options.provider,
            enforceBudget: true, environment: options.environment, format: options.scriptFormat)
        analysis.mediaFolder = scriptFolder(options)
        analysis.animateImages = options.animateImages
        return analysis
    }

    static func scriptFolder(_ options: PlanOptions) -> String {
        options.scriptFolder ?? FileManager.default.currentDirectoryPath
    }

    /// - Parameter planFolder: where the plan file goes: a scene's own file inside it is recorded relative to it
    ///   (the folder moves with its files), any other as an absolute path. nil: absolute.
    private func make(_ text: String, scriptName: String, planFileName: String, options: PlanOptions,
                      narration: NarrationResult?, planFolder: String?) throws -> (RenderPlan, ScriptAnalysis) {
        let aspect = Self.aspect(options)
        let size = (options.width != nil && options.height != nil) ? (options.width!, options.height!) : aspect.defaultSize
        // Speech is bought before the pictures: what it cost comes off the budget the scenes are fitted to.
        var analysisOptions = Self.analysisOptions(options)
        analysisOptions.budget = options.budget.map { max(0, $0 - (narration?.cost ?? 0)) }
        analysisOptions.speechSeconds = narration?.speech.mapValues(\.seconds) ?? [:]
        var analysis = try ScriptAnalyzer(log: log).analyze(text, name: scriptName, options: analysisOptions)
        analysis.warnings += narration?.warnings ?? []

        let target = TargetFormat(width: size.0, height: size.1, fps: options.fps)
        let scriptHash = SHA256.hex(text)
        // Everything that shapes the plan goes into its id; nothing else (no clock, no paths).
        let identityParts = [scriptHash, target.size, "\(target.fps)", options.provider?.rawValue ?? "auto",
                        options.budget.map { String(format: "%.2f", $0) } ?? "-",
                        options.targetDuration.map { String(format: "%.1f", $0) } ?? "-",
                        String(format: "%.1f", options.wordsPerMinute), aspect.rawValue]
            // A forced format, or one a file name can decide (`.fdx`, `.srt`, `.csv`…), reads the same text
            // differently; other formats follow from the text alone, and their plans keep the ids they had.
            + (options.scriptFormat != nil || [.fdx, .srt, .vtt, .csv, .tsv, .table].contains(analysis.format)
               ? ["format=\(analysis.format.rawValue)"] : [])
            // Silent plans keep the ids they had before narration existed.
            + (narration != nil ? [options.narration?.identity ?? "", "language=\(narration?.language ?? "")"] : [])
            // Plans made before images could be animated keep their ids.
            + (options.animateImages ? ["animate-images"] : [])
        let identity = identityParts.joined(separator: "|")
        let planId = "plan-" + SHA256.hex(identity).prefix(16)
        let folder = Self.clipFolder(planFileName)

        let jobs = analysis.scenes.map { item in
            SceneJob(sceneNumber: item.scene.number, title: item.scene.title, provider: item.chosen.provider,
                     model: item.chosen.model, seconds: item.seconds, prompt: Self.prompt(for: item, aspect: aspect),
                     narration: item.scene.narration, onScreenText: item.scene.onScreenText,
                     output: "\(folder)/scene-\(String(format: "%02d", item.scene.number)).mp4",
                     status: .pending, estimatedCost: item.cost, reason: item.chosen.reason,
                     speech: narration?.speech[item.scene.number], sceneSeconds: item.sceneSeconds, fit: item.fit,
                     media: item.scene.media.map { media in
                         var entry = media
                         let file = OwnMediaCheck.resolve(media.path, against: Self.scriptFolder(options))
                         entry.path = planFolder.map { PlanFiles.musicEntry(file, planFolder: $0) } ?? file
                         return entry
                     })
        }
        let voiceCost = narration?.cost ?? 0
        var plan = RenderPlan(renderPlanId: String(planId), scriptHash: scriptHash, script: scriptName, format: analysis.format,
                              target: target, budget: options.budget, targetDuration: options.targetDuration,
                              estimatedCost: ((analysis.totalCost + voiceCost) * 100).rounded() / 100,
                              totalSeconds: analysis.totalSeconds, outputDirectory: folder,
                              warnings: analysis.warnings.map(\.message), scenes: jobs)
        if let narration, let options = options.narration {
            plan.voice = options.voice.description + " (\(narration.language))"
            plan.soundtrack = options.soundtrack
            plan.language = narration.language
            plan.captions = options.captions
            if options.captions == .burn { plan.captionAppearance = options.captionAppearance }
        }
        log.emit(MiaEvent("MIA:ORCHESTRATE", [
            ("plan", .string(plan.renderPlanId)), ("scenes", .int(Int64(jobs.count))),
            ("size", .string(target.size)), ("fps", .int(Int64(target.fps))),
            ("duration", .seconds(plan.totalSeconds)), ("cost", .string(MiaMessages.dollars(plan.estimatedCost))),
        ] + (narration.map { [("narrated", .int(Int64($0.speech.count))), ("language", .string($0.language))] } ?? [])))
        return (plan, analysis)
    }

    /// The text sent to a provider: the scene's picture, with the look its style asks for.
    /// (Runway takes at most 1,000 characters of promptText.)
    static func prompt(for item: SceneAnalysis, aspect: Aspect) -> String {
        let scene = item.scene
        if item.chosen.provider.isLocal { return scene.title }
        var picture = scene.visual.isEmpty ? scene.narration : scene.visual
        if picture.isEmpty { picture = scene.title }
        // An animated image: the picture is given; its description says what the motion is about.
        if let media = scene.media, !media.description.isEmpty { picture = media.description + ". " + picture }
        let look: String
        switch item.style {
        case .cinematic: look = "Cinematic, photorealistic footage. "
        case .stylized: look = "Stylized animation. "
        default: look = ""
        }
        let shape = aspect == .portrait ? " Vertical 9:16 framing." : aspect == .square ? " Square 1:1 framing." : ""
        let text = look + picture.replacingOccurrences(of: "\n", with: " ") + shape
        return text.count <= 1000 ? text : String(text.prefix(999)) + "…"
    }
}
