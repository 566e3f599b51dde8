import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct Voices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the voices narration can be spoken with.",
            discussion: """
            eSpeak NG is built in and always listed. OpenAI voices are listed when OPENAI_API_KEY is set, ElevenLabs \
            voices (your account's, cloned ones included) when ELEVENLABS_API_KEY is set. Use a voice as \
            --voice ENGINE:ID, or in a --voices file. An eSpeak NG voice takes a variant after a plus sign \
            (espeak:en-us+f3; m1-m8, f1-f5, whisper and more), which is how a screenplay's characters get voices of \
            their own.
            """
        )

        @Option(help: "Only this engine: espeak, openai or elevenlabs.")
        var engine: VoiceEngine?

        @Option(help: ArgumentHelp("Only voices that speak this language (ISO 639-1: en, de, ja).", valueName: "code"))
        var language: String?

        @Flag(help: "Print JSON on standard output.")
        var json = false

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let problem = language.flatMap(RenderLimits.language) { throw ValidationError("--language \(problem)") }
        }

        func run() async throws {
            do {
                let log = global.makeLog()
                let registry = VoiceRegistry.live(log: log)
                var listed: [VoiceInfo] = []
                var notes: [String] = []
                for engine in engine.map({ [$0] }) ?? VoiceEngine.allCases {
                    do {
                        listed += try await registry.provider(engine).voices(language: language?.lowercased())
                    } catch {
                        let message = (error as? VoiceError)?.message ?? (error as? ProviderError)?.message ?? (error as? MiaError)?.message ?? "\(error)"
                        // Asking for one engine by name and not getting it is an error; listing them all is not.
                        if self.engine != nil { throw MiaError(message) }
                        notes.append(message)
                    }
                }
                if json {
                    try printJSON(listed)
                    return
                }
                let widths = [11, 28, 30]
                say(columns(["engine", "voice", "name", "languages"], widths: widths))
                for voice in listed {
                    say(columns([voice.engine.rawValue, voice.id, voice.name,
                                 voice.languages.isEmpty ? "any" : voice.languages.joined(separator: ", ")], widths: widths))
                }
                if listed.isEmpty { say("No voices\(language.map { " for \($0)" } ?? "").") }
                for note in notes { say("(\(note))") }
            } catch {
                throw fail(error)
            }
        }
    }
}

extension VoiceEngine: ExpressibleByArgument {}
