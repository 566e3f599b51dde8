import Foundation
import Yams

/// A batch manifest: many scripts to render, each into its own video, with `render`'s options.
///
/// YAML, or JSON (which is YAML too, so one parser gives line numbers for both):
///
/// ```yaml
/// defaults:            # optional: options for every job; a job's own keys win
///   provider: template
///   size: 1280x720
/// jobs:
///   - script: scripts/launch.txt     # paths are relative to the manifest's folder
///     output: out/launch.mp4
///     theme: sunset
///   - script: scripts/recap.txt
///     output: out/recap.mp4
///     budget: 5
///     aspect: "9:16"
/// ```
///
/// Option keys are `render`'s long option names: provider, size, aspect, fps, budget, duration, wpm, format,
/// theme, no-fallback, overwrite, webhook (an http or https URL told when the job's plan is stitched or fails).
///
/// A manifest may come from anyone, and `batch` may run as root: its scripts must be text files and, like
/// its outputs, lie under the manifest's folder (symlinks resolved) or under its `root:` (a folder relative
/// to the manifest), unless the caller allows paths outside.
public struct BatchManifest: Sendable, Equatable {
    /// The manifest file, as given.
    public var path: String
    public var jobs: [BatchJob]

    /// Reads and checks a manifest: every job's keys, types and values, that each script is a text file
    /// under the manifest's root, that each output is under it too, and that no two jobs write the same
    /// output (or the same plan and scene folder). Nothing is rendered.
    /// - Parameters:
    ///   - path: The manifest file.
    ///   - allowOutside: Accept scripts and outputs anywhere (`--allow-outside`).
    /// - Throws: `BatchManifestError` listing every problem found, each naming `FILE:LINE` and the field.
    public static func load(path: String, allowOutside: Bool = false) throws -> BatchManifest {
        switch FileKind.of(path) {
        case .missing: throw BatchManifestError([MiaError(file: path, "file not found")])
        case .directory: throw BatchManifestError([MiaError(file: path, "is a directory, not a manifest")])
        case .regular: break
        case let kind: throw BatchManifestError([MiaError(file: path, "is not a regular file (\(kind.name))")])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BatchManifestError([MiaError(file: path, "cannot be read")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BatchManifestError([MiaError(file: path, "is not UTF-8 text")])
        }
        return try parse(text, path: path, allowOutside: allowOutside)
    }

    /// Checks a manifest's text; relative paths in it are taken from `path`'s folder.
    /// - Throws: `BatchManifestError`.
    public static func parse(_ text: String, path: String, allowOutside: Bool = false) throws -> BatchManifest {
        var reader = ManifestReader(path: path, allowOutside: allowOutside)
        let jobs = reader.read(text)
        // In file order, whichever check found them.
        let problems = reader.problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
        guard problems.isEmpty else { throw BatchManifestError(problems.map(\.element.error)) }
        return BatchManifest(path: path, jobs: jobs)
    }
}

/// Every problem found in a manifest, in file order.
public struct BatchManifestError: Error, CustomStringConvertible, Sendable {
    public let problems: [MiaError]

    public init(_ problems: [MiaError]) { self.problems = problems }

    public var description: String { problems.map(\.message).joined(separator: "\n") }
}

/// One job of a manifest: a script rendered into one video.
public struct BatchJob: Sendable, Equatable {
    /// 1-based position in the manifest.
    public var number: Int
    /// The manifest line the job starts on.
    public var line: Int
    /// The script, resolved against the manifest's folder.
    public var script: String
    /// The video to write, resolved against the manifest's folder.
    public var output: String
    public var settings: BatchJobSettings
}

/// A job's `render` options, as the manifest set them (defaults, then the job's own keys).
public struct BatchJobSettings: Sendable, Equatable {
    /// nil: pick per scene (`provider: auto`).
    public var provider: ProviderID?
    public var width: Int?
    public var height: Int?
    public var aspect: Aspect?
    public var fps = 30
    public var budget: Double?
    public var duration: Double?
    public var wordsPerMinute: Double = 150
    /// `format:` — read the script in this format instead of detecting it.
    public var scriptFormat: ScriptFormat?
    public var theme = Theme.defaultName
    public var fallback = true
    /// Replace an existing output that is not this job's finished video.
    public var overwrite = false
    /// `voice:`, `voices:`, `language:`, `duck:`, `loudness:` — as `render`'s options (auto: narrated).
    public var voice = VoiceChoice.auto
    public var speakers = SpeakerVoices()
    public var language: String?
    public var soundtrack = SoundtrackSettings()
    /// `music:`, `music-duck:` — as `render`'s `--music` and `--music-duck`: the file resolved against the
    /// manifest, inside its root.
    public var music: String?
    /// `captions:`, `caption-style:`, `caption-font:` — as `render`'s `--captions` (none, sidecar, soft, burn),
    /// `--caption-style` and `--caption-font` (a font file resolved against the manifest, inside its root).
    public var captions = CaptionMode.sidecar
    public var captionAppearance = CaptionAppearance()
    /// `animate-images:` — as `render`'s `--animate-images`.
    public var animateImages = false
    /// `webhook:` — as `render`'s `--webhook`.
    public var webhook: WebhookURL?

    public init() {}

    /// The plan settings, with the providers connected in `environment`.
    public func planOptions(environment: ProviderEnvironment) -> PlanOptions {
        var options = PlanOptions(provider: provider, width: width, height: height, fps: fps, budget: budget, targetDuration: duration,
                    aspect: aspect, wordsPerMinute: wordsPerMinute, environment: environment, scriptFormat: scriptFormat,
                    narration: NarrationOptions(voice: voice, speakers: speakers, language: language, rate: wordsPerMinute / 150,
                                                fallback: fallback, soundtrack: soundtrack, captions: captions,
                                                captionAppearance: captionAppearance))
        options.music = music
        options.animateImages = animateImages
        return options
    }

    /// The render settings (`concurrency` is the batch's, shared by all jobs).
    /// - Throws: `MiaError` for an unknown theme (the manifest's check already refuses one).
    public func renderOptions(environment: ProviderEnvironment) throws -> RenderOptions {
        RenderOptions(plan: planOptions(environment: environment), fallback: fallback, theme: try Theme.named(theme),
                      overwrite: overwrite, webhook: webhook)
    }
}

/// Walks the YAML tree, collecting every problem with its line instead of stopping at the first.
private struct ManifestReader {
    let path: String
    let folder: URL
    let allowOutside: Bool
    /// The folder scripts and outputs must resolve into: the manifest's, or its `root:`, symlinks resolved.
    var root: String
    /// Where `root` came from, for messages.
    var rootName = "the manifest's folder"
    var problems: [(line: Int, error: MiaError)] = []
    /// Every job's resolved output with its line, for the duplicate-output check (jobs with other problems too).
    var outputs: [(job: Int, path: String, line: Int)] = []

    static let optionKeys = ["provider", "size", "aspect", "fps", "budget", "duration", "wpm", "format", "theme", "no-fallback", "overwrite",
                             "voice", "voices", "language", "duck", "loudness", "music", "music-duck", "captions",
                             "caption-style", "caption-font", "animate-images", "webhook"]
    static let jobKeys = ["script", "output"] + optionKeys

    init(path: String, allowOutside: Bool) {
        self.path = path
        self.allowOutside = allowOutside
        folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        root = PathContainment.resolved(folder.path)
    }

    mutating func problem(_ line: Int?, _ text: String) {
        problems.append((line ?? 0, MiaError(file: line.map { "\(path):\($0)" } ?? path, text)))
    }

    mutating func read(_ text: String) -> [BatchJob] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let (line, reason) = YAMLProblem.describe(error)
            problem(line, "is not valid YAML or JSON: \(reason)")
            return []
        } catch {
            problem(nil, "is not valid YAML or JSON: \(error)")
            return []
        }
        guard let root, let top = root.mapping else {
            problem(root?.mark?.line ?? 1, "a manifest is a mapping with a \"jobs\" list (and optional \"defaults\")")
            return []
        }
        for (key, _) in top where !["jobs", "defaults", "root"].contains(key.string ?? "") {
            problem(key.mark?.line, "unknown key \"\(key.string ?? "?")\" (a manifest has \"jobs\", \"defaults\" and \"root\")")
        }
        if let node = top["root"] { readRoot(node) }
        var defaults = BatchJobSettings()
        if let node = top["defaults"] {
            if let mapping = node.mapping {
                for (key, value) in mapping {
                    let name = key.string ?? ""
                    if Self.optionKeys.contains(name) {
                        apply(name, value, to: &defaults, field: "defaults.\(name)")
                    } else {
                        problem(key.mark?.line, "defaults: unknown key \"\(name)\"\(Self.suggestion(name, in: Self.optionKeys))")
                    }
                }
            } else {
                problem(node.mark?.line, "defaults: must be a mapping of render options")
            }
        }
        guard let jobsNode = top["jobs"] else {
            problem(root.mark?.line ?? 1, "has no \"jobs\" list")
            return []
        }
        guard case .sequence(let list) = jobsNode, !list.isEmpty else {
            problem(jobsNode.mark?.line, "jobs: must be a list with at least one job")
            return []
        }
        var jobs: [BatchJob] = []
        for (index, node) in list.enumerated() {
            if let job = readJob(node, number: index + 1, defaults: defaults) { jobs.append(job) }
        }
        checkOutputsAreDistinct()
        return jobs
    }

    mutating func readJob(_ node: Node, number: Int, defaults: BatchJobSettings) -> BatchJob? {
        let line = node.mark?.line ?? 0
        guard let mapping = node.mapping else {
            problem(line, "job \(number): must be a mapping with \"script\" and \"output\"")
            return nil
        }
        let before = problems.count
        var settings = defaults
        var script: String?
        var output: String?
        for (key, value) in mapping {
            let name = key.string ?? ""
            let field = "job \(number), \(name)"
            switch name {
            case "script": script = pathText(value, field: field)
            case "output": output = pathText(value, field: field)
            case _ where Self.optionKeys.contains(name): apply(name, value, to: &settings, field: field)
            default: problem(key.mark?.line, "job \(number): unknown key \"\(name)\"\(Self.suggestion(name, in: Self.jobKeys))")
            }
        }
        if settings.voice == .none, settings.captions == .soft || settings.captions == .burn {
            problem(line, "job \(number): captions: \(settings.captions.rawValue) comes from the narration, and voice: none has none")
        }
        if mapping["script"] == nil { problem(line, "job \(number): \"script\" is missing") }
        if mapping["output"] == nil { problem(line, "job \(number): \"output\" is missing") }
        if let value = script, let valueLine = mapping["script"]?.mark?.line {
            let resolved = resolve(value)
            if let refusal = checkScript(resolved) { problem(valueLine, "job \(number), script: \(resolved) \(refusal)") }
            script = resolved
        }
        if let value = output, let valueLine = mapping["output"]?.mark?.line {
            output = resolve(value)
            outputs.append((number, resolve(value), valueLine))
            if (try? OutputContainerFormat(outputPath: value)) == nil {
                problem(valueLine, "job \(number), output: \(value) must end in .mp4, .m4v, .mov or .mkv")
            } else if let refusal = outsideRoot(resolve(value)) {
                problem(valueLine, "job \(number), output: \(resolve(value)) \(refusal)")
            }
        }
        guard problems.count == before, let script, let output else { return nil }
        return BatchJob(number: number, line: line, script: script, output: output, settings: settings)
    }

    /// Sets one option from its manifest value, with `render`'s rules.
    mutating func apply(_ name: String, _ value: Node, to settings: inout BatchJobSettings, field: String) {
        let line = value.mark?.line
        switch name {
        case "provider":
            guard let choice = text(value, field: field) else { return }
            if choice == "auto" {
                settings.provider = nil
            } else if let provider = ProviderID(rawValue: choice), provider != .media {
                settings.provider = provider
            } else {
                problem(line, "\(field): must be auto, template, runway, veo, luma or sora (got \"\(choice)\")")
            }
        case "size":
            guard let size = text(value, field: field) else { return }
            if let parsed = RenderLimits.frameSize(size) {
                (settings.width, settings.height) = (parsed.width, parsed.height)
            } else {
                problem(line, "\(field): \(RenderLimits.frameSizeRule) (got \"\(size)\")")
            }
        case "aspect":
            // Plain 16:9 is a YAML 1.1 base-60 number; its text is what was written, so it is read as text.
            guard let shape = text(value, field: field) else { return }
            if let aspect = Aspect(rawValue: shape) { settings.aspect = aspect } else {
                problem(line, "\(field): must be 16:9, 9:16 or 1:1 (got \"\(shape)\")")
            }
        case "fps":
            guard let fps = wholeNumber(value, field: field) else { return }
            if let rule = RenderLimits.fps(fps) { problem(line, "\(field): \(rule)") } else { settings.fps = fps }
        case "budget":
            guard let budget = number(value, field: field) else { return }
            if let rule = RenderLimits.budget(budget) { problem(line, "\(field): \(rule)") } else { settings.budget = budget }
        case "duration":
            guard let duration = number(value, field: field) else { return }
            if let rule = RenderLimits.duration(duration) { problem(line, "\(field): \(rule)") } else { settings.duration = duration }
        case "wpm":
            guard let wpm = number(value, field: field) else { return }
            if let rule = RenderLimits.wordsPerMinute(wpm) { problem(line, "\(field): \(rule)") } else { settings.wordsPerMinute = wpm }
        case "format":
            guard let name = text(value, field: field) else { return }
            if let format = ScriptFormat.named(name) { settings.scriptFormat = format } else {
                problem(line, "\(field): \(MiaMessages.unknownFormat(name))")
            }
        case "theme":
            guard let theme = text(value, field: field) else { return }
            do {
                settings.theme = try Theme.named(theme).name
            } catch {
                problem(line, "\(field): \((error as? MiaError)?.message ?? "\(error)")")
            }
        case "no-fallback":
            if let flag = flag(value, field: field) { settings.fallback = !flag }
        case "overwrite":
            if let flag = flag(value, field: field) { settings.overwrite = flag }
        case "animate-images":
            if let flag = flag(value, field: field) { settings.animateImages = flag }
        case "webhook":
            guard let url = text(value, field: field) else { return }
            if let rule = WebhookURL.problem(url) { problem(line, "\(field): \(rule)") } else { settings.webhook = try? WebhookURL(parsing: url) }
        case "voice":
            guard let voice = text(value, field: field) else { return }
            do { settings.voice = try VoiceChoice(parsing: voice) } catch { problem(line, "\(field): \((error as? MiaError)?.message ?? "\(error)")") }
        case "voices":
            // A voices file is read like a script: inside the manifest's root, and checked now, before any job runs.
            guard let path = pathText(value, field: field) else { return }
            let resolved = resolve(path)
            if let refusal = checkScript(resolved) {
                problem(line, "\(field): \(resolved) \(refusal)")
            } else {
                do { settings.speakers = try SpeakerVoices.load(resolved) } catch { problem(line, "\(field): \((error as? MiaError)?.message ?? "\(error)")") }
            }
        case "music":
            // Inside the manifest's root like a script; whether it plays is checked when its job plans, before any speech.
            guard let path = pathText(value, field: field) else { return }
            let resolved = resolve(path)
            if let outside = outsideRoot(resolved) {
                problem(line, "\(field): \(resolved) \(outside)")
            } else {
                switch FileKind.of(resolved) {
                case .missing: problem(line, "\(field): \(resolved) not found")
                case .regular: settings.music = resolved
                default: problem(line, "\(field): \(resolved) is not a regular file")
                }
            }
        case "music-duck":
            guard let duck = number(value, field: field) else { return }
            if let rule = RenderLimits.duck(duck) { problem(line, "\(field): \(rule)") } else { settings.soundtrack.musicDuck = duck }
        case "language":
            guard let code = text(value, field: field) else { return }
            if let rule = RenderLimits.language(code) { problem(line, "\(field): \(rule)") } else { settings.language = code.lowercased() }
        case "duck":
            guard let duck = number(value, field: field) else { return }
            if let rule = RenderLimits.duck(duck) { problem(line, "\(field): \(rule)") } else { settings.soundtrack.duck = duck }
        case "loudness":
            guard let loudness = number(value, field: field) else { return }
            if let rule = RenderLimits.loudness(loudness) { problem(line, "\(field): \(rule)") } else { settings.soundtrack.loudness = loudness }
        case "captions":
            guard let mode = text(value, field: field) else { return }
            do { settings.captions = try CaptionMode(parsing: mode) } catch { problem(line, "\(field): \((error as? MiaError)?.message ?? "\(error)")") }
        case "caption-style":
            guard let style = text(value, field: field) else { return }
            do { settings.captionAppearance.style = try CaptionStyle(parsing: style) } catch {
                problem(line, "\(field): \((error as? MiaError)?.message ?? "\(error)")")
            }
        case "caption-font":
            guard let name = text(value, field: field) else { return }
            // A family name as it is; a font file inside the manifest's root like a script.
            let isFile = name.contains("/") || FileManager.default.fileExists(atPath: resolve(name))
            let font = isFile ? resolve(name) : name
            if isFile, let outside = outsideRoot(font) {
                problem(line, "\(field): \(font) \(outside)")
            } else {
                do {
                    _ = try CaptionFont.resolve(font)
                    settings.captionAppearance.font = font
                } catch { problem(line, "\(field): \((error as? MiaError)?.message ?? "\(error)")") }
            }
        default:
            break
        }
    }

    // MARK: - Typed values

    mutating func text(_ node: Node, field: String) -> String? {
        guard let scalar = node.scalar, Self.yamlType(node) != .null else {
            problem(node.mark?.line, "\(field): must be text, got \(Self.kind(node))")
            return nil
        }
        return scalar.string
    }

    mutating func wholeNumber(_ node: Node, field: String) -> Int? {
        guard Self.yamlType(node) == .int, let value = node.int else {
            problem(node.mark?.line, "\(field): must be a whole number, got \(Self.kind(node))")
            return nil
        }
        return value
    }

    mutating func number(_ node: Node, field: String) -> Double? {
        guard [.int, .float].contains(Self.yamlType(node)), let value = node.float, value.isFinite else {
            problem(node.mark?.line, "\(field): must be a number, got \(Self.kind(node))")
            return nil
        }
        return value
    }

    mutating func flag(_ node: Node, field: String) -> Bool? {
        guard Self.yamlType(node) == .bool, let value = node.bool else {
            problem(node.mark?.line, "\(field): must be true or false, got \(Self.kind(node))")
            return nil
        }
        return value
    }

    /// The value's resolved YAML type (quoted scalars are text; plain ones are typed by their look).
    static func yamlType(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    /// What a value is, for "must be a number, got text "thirty"".
    static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch Self.yamlType(node) {
            case .null: return "nothing"
            case .bool: return "true/false"
            case .int, .float: return "the number \(scalar.string)"
            default: return "the text \"\(scalar.string)\""
            }
        }
    }

    // MARK: - Paths

    /// A path field's text; a path with a NUL or another control character is refused, naming the field.
    mutating func pathText(_ node: Node, field: String) -> String? {
        guard let value = text(node, field: field) else { return nil }
        if let control = PathContainment.controlCharacter(in: value) {
            problem(node.mark?.line, "\(field): the path contains \(control)")
            return nil
        }
        return value
    }

    /// `root:` widens (or narrows) where scripts and outputs may be: an existing folder, relative to the manifest.
    mutating func readRoot(_ node: Node) {
        guard let value = pathText(node, field: "root") else { return }
        let resolved = PathContainment.resolved(resolve(value))
        guard FileKind.of(resolved) == .directory else {
            problem(node.mark?.line, "root: \(resolve(value)) is not an existing folder")
            return
        }
        (root, rootName) = (resolved, "the manifest's root")
    }

    /// Why `resolved` may not be written or read by this manifest, or nil when it may.
    func outsideRoot(_ resolved: String) -> String? {
        guard !allowOutside else { return nil }
        let real = PathContainment.resolved(resolved)
        guard !PathContainment.isInside(real, folder: root) else { return nil }
        let leads = real == resolved ? "" : "leads to \(real), which "
        return "\(leads)is outside \(rootName) \(root) (set root: in the manifest, or use --allow-outside)"
    }

    /// Why a job's script cannot be used, or nil: it must be inside the root and a regular file whose bytes
    /// read as text (as the script reader accepts them); devices, FIFOs and folders are never opened.
    func checkScript(_ resolved: String) -> String? {
        if let outside = outsideRoot(resolved) { return outside }
        switch FileKind.of(resolved) {
        case .missing: return "not found"
        case .directory: return "is a directory, not a script"
        case .regular(let size):
            if size > Int64(ScriptText.sizeLimit) { return "is too large for a script (the limit is 5 MB)" }
            guard let data = FileManager.default.contents(atPath: resolved) else { return "cannot be read" }
            do {
                _ = try ScriptText.decode(data, name: resolved)
                return nil
            } catch {
                return (error as? MiaError)?.problem ?? "cannot be read as text"
            }
        case let kind: return "is not a regular file (\(kind.name))"
        }
    }

    func resolve(_ value: String) -> String {
        let expanded = (value as NSString).expandingTildeInPath
        let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : folder.appendingPathComponent(expanded)
        return url.standardizedFileURL.path
    }

    /// Two jobs must not write the same video, nor the same plan file and scene folder (`render` puts them
    /// beside the output as NAME.plan.json and NAME-scenes/, so a.mp4 and a.mkv would collide).
    mutating func checkOutputsAreDistinct() {
        var byOutput: [String: (job: Int, path: String, line: Int)] = [:]
        var byPlan: [String: (job: Int, path: String, line: Int)] = [:]
        for output in outputs {
            if let earlier = byOutput[output.path] {
                problem(output.line, "job \(output.job), output: \(output.path) is also the output of job \(earlier.job) (line \(earlier.line))")
                continue
            }
            byOutput[output.path] = output
            let plan = URL(fileURLWithPath: output.path).deletingPathExtension().path
            if let earlier = byPlan[plan] {
                problem(output.line, "job \(output.job), output: \(output.path) would share its plan and scene folder "
                        + "(\(URL(fileURLWithPath: plan).lastPathComponent).plan.json) with job \(earlier.job)'s \(earlier.path) (line \(earlier.line))")
            }
            byPlan[plan] = output
        }
    }

    // MARK: - Messages

    static func suggestion(_ key: String, in keys: [String]) -> String {
        func distance(_ a: String, _ b: String) -> Int { ClosestNames.distance(Array(a), Array(b)) }
        let close = keys.min { distance(key, $0) < distance(key, $1) }
        if let close, distance(key, close) <= 2 { return "; did you mean \"\(close)\"?" }
        return " (keys: \(keys.joined(separator: ", ")))"
    }

}
