import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode every frame, check timestamps, and check the files can be stitched together.",
            discussion: "Exit status 0 only when every file passes."
        )

        @Argument(help: "Media files to verify (with --plan: the scene clips in order; default the plan's own).")
        var files: [String] = []

        @Option(help: "A render plan: also check each file against its scene job (length, size, frame rate, audio).")
        var plan: String?

        @Flag(help: "Print JSON on standard output.")
        var json = false

        @Option(help: "Also write a JUnit XML report to this file.")
        var junit: String?

        @Flag(help: "Check each file on its own, not as one set of clips to stitch.")
        var independent = false

        @Flag(help: "Replace the JUnit file if it exists.")
        var overwrite = false

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if files.isEmpty && plan == nil { throw ValidationError("give files to verify, or --plan") }
        }

        func run() async throws {
            var files = files
            var renderPlan: RenderPlan?
            if let plan {
                do {
                    let planFiles = try PlanFiles.load(plan)
                    let loaded = planFiles.plan
                    if files.isEmpty { files = planFiles.clipPaths }
                    guard files.count == loaded.scenes.count else {
                        throw MiaError(file: plan, "has \(loaded.scenes.count) scenes but \(files.count) files were given")
                    }
                    renderPlan = loaded
                } catch {
                    throw fail(error)
                }
            }
            let reports = Verifier(log: global.makeLog()).verify(files, asStitchSet: !independent, plan: renderPlan)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(reports), as: UTF8.self))
            } else {
                for report in reports {
                    let duration = report.duration.map { String(format: "%.3f s", $0) } ?? "unknown duration"
                    let verdict = report.passed ? "PASS" : "FAIL"
                    say("\(verdict) \(report.file): \(duration), \(report.videoFrames) video frames, \(report.audioFrames) audio frames, \(report.decodeErrors) decode errors")
                    for problem in report.problems { say("  - \(problem)") }
                }
            }
            if let junit {
                do {
                    let target = try AtomicOutput(destination: junit, overwrite: overwrite)
                    try target.write { try JUnitReport.xml(reports).write(toFile: $0, atomically: false, encoding: .utf8) }
                } catch {
                    throw fail(error)
                }
            }
            if reports.contains(where: { !$0.passed }) { throw ExitCode.failure }
        }
    }
}
