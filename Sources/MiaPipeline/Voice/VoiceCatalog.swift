import Foundation

/// What speech costs, per engine and model, in dollars per character (as the APIs count them: code points).
///
/// Sources, read 2026-11 with the search tool:
/// - OpenAI, `tts-1` $15 and `tts-1-hd` $30 per 1M characters (OpenAI's pricing page, "Text-to-speech").
/// - OpenAI, `gpt-4o-mini-tts`: billed by tokens; OpenAI publishes an estimate of about $0.015 per minute
///   of audio. Converted conservatively: narration runs near 900 characters a minute (150 words of about
///   six characters); taking 750 counts slow speech as well, so $0.015 / 750 = $20 per 1M characters.
/// - ElevenLabs API (elevenlabs.io/pricing/api, as summarised in developer.puter.com's "ElevenLabs API
///   Pricing", June 2026): Multilingual v2/v3 $0.10 and Flash/Turbo $0.05 per 1,000 characters, the same
///   rate on every plan. ElevenLabs' help centre ("How do I find the model ID") agrees on the ratio: Flash
///   and Turbo cost 1 credit per 2 characters, every other model 1 credit per character.
/// - eSpeak NG runs here: free.
public enum VoiceCatalog {
    /// Dollars per character; nil for a model this catalog does not know.
    public static func pricePerCharacter(engine: VoiceEngine, model: String) -> Double? {
        switch engine {
        case .espeak:
            return 0
        case .openai:
            switch model {
            case "tts-1": return 15 / 1_000_000
            case "tts-1-hd": return 30 / 1_000_000
            default: return model.hasPrefix("gpt-4o-mini-tts") ? 20 / 1_000_000 : nil
            }
        case .elevenlabs:
            if model.contains("flash") || model.contains("turbo") { return 0.05 / 1000 }
            if model.hasPrefix("eleven_") { return 0.10 / 1000 }
            return nil
        }
    }

    /// Dollars for speaking `text`: a model the catalog does not know is priced as the engine's dearest
    /// (a budget check errs on the side of caution).
    public static func price(engine: VoiceEngine, model: String, text: String) -> Double {
        let dearest: Double = switch engine {
        case .espeak: 0
        case .openai: 30 / 1_000_000
        case .elevenlabs: 0.10 / 1000
        }
        return Double(SpeechText.length(text)) * (pricePerCharacter(engine: engine, model: model) ?? dearest)
    }

    /// The most characters one request may carry.
    ///
    /// OpenAI: `input` is at most 4096 characters (openai-python `speech_create_params.py`, and the API
    /// reference). ElevenLabs (its models overview, via the docs search, 2026-11): Multilingual v2 10,000;
    /// Flash v2.5 and Turbo v2.5 40,000; Flash v2 and Turbo v2 30,000; v3 5,000. An unknown model gets 5,000.
    public static func characterLimit(engine: VoiceEngine, model: String) -> Int {
        switch engine {
        case .espeak: return .max
        case .openai: return 4096
        case .elevenlabs:
            switch model {
            case "eleven_multilingual_v2": return 10_000
            case "eleven_flash_v2_5", "eleven_turbo_v2_5": return 40_000
            case "eleven_flash_v2", "eleven_turbo_v2": return 30_000
            default: return 5000
            }
        }
    }
}
