import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Review a finished video: platform fit, pacing and (with its plan) cost."
        )

        @Argument(help: "The video to review.")
        var video: String

        @Option(help: "The render plan it came from (adds pacing per scene and cost feedback).")
        var plan: String?

        @Flag(help: "Print JSON on standard output.")
        var json = false

        @Option(name: .customLong("contact-sheet"),
                help: "Also write a PNG with a labelled frame from the middle of each chapter (scene), or every ~5 s without chapters.")
        var contactSheet: String?

        @Flag(help: "Replace the contact sheet if it exists.")
        var overwrite = false

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                let renderPlan = try plan.map(RenderPlan.load)
                let review = try Reviewer(log: global.makeLog()).review(video: video, plan: renderPlan)
                if let contactSheet {
                    let sheet = try ContactSheet.scenes(of: video)
                    try sheet.write(to: contactSheet, overwrite: overwrite)
                    if !json { say("Contact sheet: \(contactSheet) (\(sheet.cells.count) frames)") }
                }
                if json { try printJSON(review) } else { say(MiaMessages.review(review)) }
            } catch {
                throw fail(error)
            }
        }
    }
}
