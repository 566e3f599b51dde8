import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Stitch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join clips in order into one file, copying their packets without re-encoding."
        )

        @Argument(help: "Clips to join, in order.")
        var clips: [String] = []

        @Option(help: "A render plan: join its scene clips, in order (instead of listing CLIPs).")
        var plan: String?

        @Option(name: .shortAndLong, help: "Output file; .mp4, .mov or .mkv picks the container.")
        var output: String

        @Flag(help: "Replace OUTPUT if it exists.")
        var overwrite = false

        @Flag(name: .customLong("no-faststart"), help: "Leave the mp4/mov index at the end of the file.")
        var noFaststart = false

        @Flag(name: .customLong("no-chapters"), help: "Do not add one chapter per clip.")
        var noChapters = false

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if clips.isEmpty && plan == nil { throw ValidationError("give the clips to stitch, or --plan") }
            if !clips.isEmpty && plan != nil { throw ValidationError("give either CLIPs or --plan, not both") }
        }

        func run() async throws {
            installInterruptCleanup()
            let display = global.showsProgress ? ProgressLine() : nil
            let stitcher = Stitcher(log: global.makeLog(), progress: display.map { line in
                { @Sendable progress in line.show("stitching: clip \(progress.clipsDone)/\(progress.clipCount)") }
            })
            do {
                var clips = clips
                if let plan {
                    let renderPlan = try RenderPlan.load(plan)
                    let folder = URL(fileURLWithPath: plan).deletingLastPathComponent()
                    clips = renderPlan.scenes.map { folder.appendingPathComponent($0.output).path }
                    if let missing = clips.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
                        throw MiaError(file: plan, "scene clip \(missing) is not rendered yet (mia-stitch render-scene --plan \(plan) --scene N)")
                    }
                }
                _ = try stitcher.stitch(clips, to: output, options: StitchOptions(
                    faststart: !noFaststart, chapters: !noChapters, overwrite: overwrite))
                display?.clear()
            } catch {
                display?.clear()
                throw fail(error)
            }
        }
    }
}
