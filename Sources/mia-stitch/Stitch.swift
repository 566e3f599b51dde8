import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Stitch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join clips in order into one file, copying their packets without re-encoding."
        )

        @Argument(help: "Clips to join, in order.")
        var clips: [String]

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
            if clips.isEmpty { throw ValidationError("give at least one clip to stitch") }
        }

        func run() async throws {
            installInterruptCleanup()
            let display = global.showsProgress ? ProgressLine() : nil
            let stitcher = Stitcher(log: global.makeLog(), progress: display.map { line in
                { @Sendable progress in line.show("stitching: clip \(progress.clipsDone)/\(progress.clipCount)") }
            })
            do {
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
