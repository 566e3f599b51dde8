import Foundation

/// The video sources a scene can be rendered with.
public enum ProviderID: String, Sendable, Codable, CaseIterable {
    case template, sora, runway, veo, luma
    /// The user's own file (`![…](path)`), made into the scene's clip here: never asked for, never paid.
    case media

    public var displayName: String {
        switch self {
        case .template: "Template"
        case .media: "Your media"
        case .sora: "Sora"
        case .runway: "Runway"
        case .veo: "Veo"
        case .luma: "Luma"
        }
    }

    /// Made here, from the script (Template) or the user's file (media): no key, no cost, no provider job.
    public var isLocal: Bool { self == .template || self == .media }

    /// The text-to-video services a user may ask for (`--provider`, `--compare`, a manifest's `provider:`).
    public static var selectable: [ProviderID] { allCases.filter { $0 != .media } }

    /// Can start a clip from a local image, sent inside the request (`--animate-images`): Runway takes a data
    /// URI, Veo the image's bytes. Luma's keyframes take only a URL its servers can fetch, and its API has no
    /// upload, so a file on this machine cannot reach it.
    public var animatesLocalImages: Bool { self == .runway || self == .veo }
}

/// Which clip lengths a model renders.
public enum DurationRule: Sendable, Equatable {
    /// Any length (the built-in generator renders whole frames).
    case any(minimum: Double)
    /// Whole seconds from `min` to `max`.
    case wholeSeconds(min: Int, max: Int)
    /// Only these lengths.
    case choices([Int])

    public var maximum: Double? {
        switch self {
        case .any: nil
        case .wholeSeconds(_, let max): Double(max)
        case .choices(let values): values.max().map(Double.init)
        }
    }

    /// The shortest renderable length that holds `seconds` (or the longest there is).
    public func snap(_ seconds: Double) -> Double {
        switch self {
        case .any(let minimum):
            return max(minimum, (seconds * 10).rounded(.up) / 10)
        case .wholeSeconds(let low, let high):
            return Double(min(high, max(low, Int(seconds.rounded(.up)))))
        case .choices(let values):
            let sorted = values.sorted()
            return Double(sorted.first { Double($0) >= seconds } ?? sorted.last ?? 0)
        }
    }
}

/// One model of one provider: what it renders and what it costs.
public struct ProviderModel: Sendable, Equatable {
    public let provider: ProviderID
    public let name: String
    /// US dollars per rendered second.
    public let pricePerSecond: Double
    public let durations: DurationRule
    /// Aspect ratios the model renders, as "16:9", "9:16", "1:1".
    public let aspects: [String]
    /// Renders from text alone (image-to-video-only models need a reference image).
    public let textToVideo: Bool
}

/// Everything mia-stitch knows about providers' models and prices, in one place.
///
/// Prices and limits, as published (checked 2026-11):
/// - Sora — OpenAI API pricing page and the Videos API reference: `sora-2` $0.10/s (720p),
///   `sora-2-pro` $0.30/s (720p) and $0.50/s (1024p); `seconds` "4", "8" or "12"; sizes 1280x720 and
///   720x1280 (pro adds 1792x1024, 1024x1792), so no square output. OpenAI shut the public Videos
///   API down on 2026-09-24 (`../shared/context/provider-apis.md`): Sora is only used through an
///   OpenAI-compatible gateway set in `OPENAI_BASE_URL`, never recommended otherwise.
/// - Runway — developer API docs and the runwayml SDK docs: billed in credits at $0.01; `gen4.5`
///   12 credits/s, text or image to video, 2–10 s; text to video takes ratios 1280:720 and 720:1280 only
///   (960:960 is image to video; runwayml sdk-node `text-to-video.ts`, sdk-python `text_to_video.py`);
///   `gen4_turbo` 5 credits/s, image to video only; `veo3.1_fast` 10–15 credits/s (15 with audio
///   is used here, the safe side), 4, 6 or 8 s, 16:9 and 9:16.
/// - Veo — Gemini API (googleapis/python-genai `models.py`: `durationSeconds`, `aspectRatio` "16:9" |
///   "9:16", `resolution` "720p" | "1080p"; README: `veo-3.1-generate-preview`) and ai.google.dev's
///   Gemini API pricing page: `veo-3.1-generate-preview` $0.40/s, `veo-3.1-fast-generate-preview`
///   $0.15/s (later pages list $0.12/s; the higher is used, the safe side), 720p or 1080p, sound included;
///   Veo 3.x renders 4, 6 or 8 s. No square output.
/// - Luma — lumalabs/lumaai-python `types/generation_create_params.py`: `ray-2`, `duration` "5s" | "9s",
///   `resolution` 540p–4k, `aspect_ratio` 1:1, 16:9, 9:16, 4:3, 3:4, 21:9, 9:21. Price: Luma's API list
///   price for ray-2 at 720p, $0.71 for 5 s and $1.27 for 9 s (as Comfy's API-node pricing table passes it
///   on, Comfy-Org/docs `tutorials/api-nodes/pricing.mdx`): $0.142/s. No sound.
/// - Template — rendered locally by mia-stitch: free, any length. Media (the user's own file) likewise.
public enum ProviderCatalog {
    public static let models: [ProviderModel] = [
        ProviderModel(provider: .template, name: "template", pricePerSecond: 0,
                      durations: .any(minimum: 1), aspects: ["16:9", "9:16", "1:1"], textToVideo: true),
        ProviderModel(provider: .media, name: "own-file", pricePerSecond: 0,
                      durations: .any(minimum: 1), aspects: ["16:9", "9:16", "1:1"], textToVideo: false),
        ProviderModel(provider: .sora, name: "sora-2", pricePerSecond: 0.10,
                      durations: .choices([4, 8, 12]), aspects: ["16:9", "9:16"], textToVideo: true),
        ProviderModel(provider: .sora, name: "sora-2-pro", pricePerSecond: 0.30,
                      durations: .choices([4, 8, 12]), aspects: ["16:9", "9:16"], textToVideo: true),
        ProviderModel(provider: .runway, name: "gen4.5", pricePerSecond: 0.12,
                      durations: .wholeSeconds(min: 2, max: 10), aspects: ["16:9", "9:16"], textToVideo: true),
        ProviderModel(provider: .runway, name: "gen4_turbo", pricePerSecond: 0.05,
                      durations: .wholeSeconds(min: 2, max: 10), aspects: ["16:9", "9:16", "1:1"], textToVideo: false),
        ProviderModel(provider: .runway, name: "veo3.1_fast", pricePerSecond: 0.15,
                      durations: .choices([4, 6, 8]), aspects: ["16:9", "9:16"], textToVideo: true),
        ProviderModel(provider: .veo, name: "veo-3.1-fast-generate-preview", pricePerSecond: 0.15,
                      durations: .choices([4, 6, 8]), aspects: ["16:9", "9:16"], textToVideo: true),
        ProviderModel(provider: .veo, name: "veo-3.1-generate-preview", pricePerSecond: 0.40,
                      durations: .choices([4, 6, 8]), aspects: ["16:9", "9:16"], textToVideo: true),
        ProviderModel(provider: .luma, name: "ray-2", pricePerSecond: 0.142,
                      durations: .choices([5, 9]), aspects: ["16:9", "9:16", "1:1"], textToVideo: true),
    ]

    /// The model a provider's scenes use by default: its text-to-video workhorse.
    public static func defaultModel(for provider: ProviderID) -> ProviderModel {
        switch provider {
        case .template: model(.template, "template")!
        case .media: model(.media, "own-file")!
        case .sora: model(.sora, "sora-2")!
        case .runway: model(.runway, "gen4.5")!
        case .veo: model(.veo, "veo-3.1-fast-generate-preview")!
        case .luma: model(.luma, "ray-2")!
        }
    }

    public static func model(_ provider: ProviderID, _ name: String) -> ProviderModel? {
        models.first { $0.provider == provider && $0.name == name }
    }
}
