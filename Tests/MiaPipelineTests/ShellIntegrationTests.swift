import Foundation
import Testing

/// The built binary's shell completions: generated from the command definitions, so every subcommand is in them.
@Suite struct ShellIntegrationTests {
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsNameTheSubcommands(shell: String) throws {
        let result = try run(Repo.cli, ["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        for subcommand in ["render", "batch", "submit", "worker", "status", "stitch", "verify", "plan"] {
            #expect(result.stdout.contains(subcommand), "\(shell) completion lacks \(subcommand)")
        }
        // An option added here reaches completions without anyone editing a script.
        #expect(result.stdout.contains("webhook"))
    }
}
