import ArgumentParser
import MiaPipeline

/// `--webhook URL`: told when a plan is stitched or fails (render, submit, batch).
struct WebhookOption: ParsableArguments {
    @Option(help: ArgumentHelp("POST plan.stitched or plan.failed here as JSON, signed with MIA_WEBHOOK_SECRET (http or https).",
                               valueName: "url"))
    var webhook: String?

    func validate() throws {
        // The URL itself is not echoed: its query or user part may hold a token.
        if let webhook, let problem = WebhookURL.problem(webhook) { throw ValidationError("--webhook \(problem)") }
    }

    /// The checked URL (`validate` has refused a bad one).
    var url: WebhookURL? { get throws { try webhook.map(WebhookURL.init(parsing:)) } }
}
