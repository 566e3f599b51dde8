import ArgumentParser
import Foundation
import MiaPipeline

/// Reads a script from a path, or from standard input for "-". A script that cannot be read is logged as
/// `[MIA:ANALYZE:ERROR]` to `log` (when given) before the error is thrown.
/// The folder a script's `![](path)` files are relative to: its own, or the current one for standard input.
func scriptFolder(_ path: String) -> String {
    path == "-" ? FileManager.default.currentDirectoryPath
        : URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
}

func readScript(_ path: String, log: (any EventSink)? = nil) throws -> (text: String, name: String) {
    do {
        return try readScriptFile(path)
    } catch {
        log?.emit(ScriptAnalyzer.errorEvent(error, script: path == "-" ? "stdin" : path))
        throw error
    }
}

private func readScriptFile(_ path: String) throws -> (text: String, name: String) {
    if path == "-" {
        return (try ScriptText.decode(FileHandle.standardInput.readDataToEndOfFile(), name: "stdin"), "stdin")
    }
    switch FileKind.of(path) {
    case .missing: throw MiaError(file: path, "file not found")
    case .directory: throw MiaError(file: path, "is a directory, not a script")
    case .regular: break
    // Never opened: reading a FIFO or a device could block or never end.
    case let kind: throw MiaError(file: path, "is not a regular file (\(kind.name))")
    }
    guard let data = FileManager.default.contents(atPath: path) else { throw MiaError(file: path, "cannot be read (permission denied?)") }
    return (try ScriptText.decode(data, name: path), path)
}

/// The analysis knobs `analyze` and `plan` share.
struct ScriptOptions: ParsableArguments {
    @Option(help: "Target length in seconds; a script much longer or shorter gets a warning.")
    var duration: Double?

    @Option(help: "Budget in US dollars.")
    var budget: Double?

    @Option(help: "Frame shape: 16:9, 9:16 or 1:1.")
    var aspect: Aspect?

    @Option(help: "auto picks per scene among connected providers; template, runway, veo, luma or sora renders every scene with that one.")
    var provider: ProviderChoiceArgument = .auto

    @Option(name: .customLong("wpm"), help: "Narration speaking rate, words per minute.")
    var wordsPerMinute: Double = 150

    @Option(name: .customLong("format"), help: ArgumentHelp("Read the script in this format instead of detecting it.",
            valueName: ScriptFormat.allCases.filter { $0 != .empty }.map(\.rawValue).joined(separator: "|")))
    var scriptFormat: ScriptFormat?

    @Flag(name: .customLong("animate-images"),
          help: "Start a clip from each scene's own image (![](photo.jpg)) with Runway or Veo, paid as a generated scene, instead of a slow zoom made here.")
    var animateImages = false

    func validate() throws {
        if let problem = duration.flatMap(RenderLimits.duration) { throw ValidationError("--duration \(problem)") }
        if let problem = budget.flatMap(RenderLimits.budget) { throw ValidationError("--budget \(problem)") }
        if let problem = RenderLimits.wordsPerMinute(wordsPerMinute) { throw ValidationError("--wpm \(problem)") }
    }
}

extension ScriptOptions {
    /// The plan settings these options and a frame format describe, with providers from the environment.
    func planOptions(_ format: FormatOptions) -> PlanOptions {
        var options = PlanOptions(provider: provider.provider, width: format.size?.width, height: format.size?.height, fps: format.fps,
                                  budget: budget, targetDuration: duration, aspect: aspect, wordsPerMinute: wordsPerMinute,
                                  environment: .current(), scriptFormat: scriptFormat)
        options.animateImages = animateImages
        return options
    }
}

/// The frame size and rate of rendered scenes (`plan`, `render`).
struct FormatOptions: ParsableArguments {
    @Option(help: "Frame size, e.g. 1920x1080 (default from --aspect).")
    var size: PixelSize?

    @Option(help: "Frames per second.")
    var fps: Int = 30

    func validate() throws {
        if let problem = RenderLimits.fps(fps) { throw ValidationError("--fps \(problem)") }
    }
}

enum ProviderChoiceArgument: String, ExpressibleByArgument, CaseIterable {
    case auto, template, sora, runway, veo, luma
    var provider: ProviderID? { ProviderID(rawValue: rawValue) }
}

extension Aspect: ExpressibleByArgument {}

extension ScriptFormat: ExpressibleByArgument {
    public init?(argument: String) {
        guard let format = ScriptFormat.named(argument) else { return nil }
        self = format
    }

    public static var allValueStrings: [String] { allCases.filter { $0 != .empty }.map(\.rawValue) }
}

/// How scenes are rendered, for every command that renders them (render, render-scene, submit).
struct SceneRenderingOptions: ParsableArguments {
    @Option(help: "Template look: \(Theme.all.map(\.name).joined(separator: ", ")).")
    var theme: String = Theme.defaultName

    @Flag(name: .customLong("no-fallback"), help: "Fail a scene its provider cannot render, instead of using Template.")
    var noFallback = false

    var fallback: Bool { !noFallback }
    func resolvedTheme() throws -> Theme { try Theme.named(theme) }
}

/// Where the job store lives.
struct StoreOptions: ParsableArguments {
    @Option(help: "Job store: a SQLite file, or postgres://USER@HOST:PORT/DATABASE for workers on many machines; default $MIA_DB, else ~/.local/share/mia-stitch/jobs.sqlite.")
    var db: String?

    func open() throws -> JobStore { try JobStore(path: db ?? JobStore.defaultPath()) }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

extension MiaStitch {
    struct Analyze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Split a script into scenes with durations, a provider per scene, cost and warnings."
        )

        @Argument(help: "The script file, or - for standard input.")
        var script: String

        @OptionGroup var options: ScriptOptions

        @Flag(help: "Print the full analysis as JSON on standard output (scenes with their lines and rules, left-out text).")
        var json = false

        @Flag(help: "Show the lines each scene came from, the rule that split it, and every line left out and why.")
        var explain = false

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                let log = global.makeLog()
                let (text, name) = try readScript(script, log: log)
                var analysisOptions = AnalysisOptions(
                    targetDuration: options.duration, budget: options.budget, aspect: options.aspect ?? .landscape,
                    estimator: DurationEstimator(wordsPerMinute: options.wordsPerMinute),
                    providerOverride: options.provider.provider, environment: .current(), format: options.scriptFormat)
                analysisOptions.mediaFolder = scriptFolder(script)
                analysisOptions.animateImages = options.animateImages
                let analysis = try ScriptAnalyzer(log: log).analyze(text, name: name, options: analysisOptions)
                if json {
                    try printJSON(analysis)
                } else {
                    say(MiaMessages.summary(analysis))
                    if explain { say("\n" + MiaMessages.explanation(analysis)) }
                }
            } catch {
                throw fail(error)
            }
        }
    }
}
