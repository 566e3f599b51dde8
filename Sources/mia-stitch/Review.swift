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

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                let renderPlan = try plan.map(RenderPlan.load)
                let review = try Reviewer(log: global.makeLog()).review(video: video, plan: renderPlan)
                if json { try printJSON(review) } else { say(MiaMessages.review(review)) }
            } catch {
                throw fail(error)
            }
        }
    }
}
