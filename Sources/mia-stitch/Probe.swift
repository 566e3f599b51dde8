import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Probe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each file's container, duration, size and stream parameters."
        )

        @Argument(help: "Media files to inspect.")
        var files: [String]

        @Flag(help: "Print JSON on standard output.")
        var json = false

        @Flag(help: "With --json, include each stream's codec-private bytes (extradata, base64).")
        var showExtradata = false

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let reports = files.map(ProbeReport.probe)
            for report in reports {
                if let error = report.error { FileHandle.standardError.write(Data("mia-stitch: error: \(TerminalText.escaped(error))\n".utf8)) }
            }
            if json {
                print(try ProbeReport.json(reports, showExtradata: showExtradata))
            } else {
                for report in reports where report.error == nil { say(report.text) }
            }
            if reports.contains(where: { $0.error != nil }) { throw ExitCode.failure }
        }
    }
}
