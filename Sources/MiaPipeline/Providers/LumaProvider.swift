import Foundation

/// Luma Dream Machine: a generation, polled until it is completed, then its video downloaded from Luma's CDN.
///
/// API facts used, checked 2026-12 with the search tool (lumalabs/lumaai-python at c00ac171, 2025-10):
/// - `_client.py`: base URL `https://api.lumalabs.ai/dream-machine/v1` (or `LUMAAI_BASE_URL`), key
///   `LUMAAI_API_KEY` as `Authorization: Bearer`.
/// - `resources/generations/generations.py`: `POST /generations/video` creates (the older `POST
///   /generations` is what it replaced in 2025-05), `GET /generations/{id}` reads.
/// - `types/generation_create_params.py`: `model` "ray-2" | "ray-flash-2" | "ray-1-6", `prompt`,
///   `aspect_ratio` "1:1" | "16:9" | "9:16" | "4:3" | "3:4" | "21:9" | "9:21", `duration` "5s" | "9s",
///   `resolution` "540p" | "720p" | "1080p" | "4k", optional `keyframes`, `loop`, `callback_url`.
/// - `types/generation.py`: `id`, `state` queued | dreaming | completed | failed, `failure_reason`,
///   `assets.video` (a URL).
/// - Errors are `{"detail": …}`; retries and `Retry-After` as the other Stainless SDKs.
public struct LumaProvider: VideoProvider {
    public static let defaultBaseURL = "https://api.lumalabs.ai/dream-machine/v1"
    /// The API's root under a host: `LUMAAI_BASE_URL` may name the host alone or the root, as the SDK's does.
    static let rootPath = "/dream-machine/v1"

    /// Timeouts, retries and polling; tests shorten them.
    public typealias Options = ProviderOptions
    public static let defaultOptions = Options(poll: PollSchedule(initial: 5, maximum: 5, jitter: 1))

    public let id = ProviderID.luma
    let http: HTTPClient
    let options: Options

    /// - Parameters:
    ///   - apiKey: `LUMAAI_API_KEY`; kept only for the `Authorization` header.
    ///   - baseURL: `LUMAAI_BASE_URL` (the host, or the SDK's `…/dream-machine/v1`), or nil for Luma's own.
    /// - Throws: `MiaError` when `baseURL` is not an http(s) URL.
    public init(apiKey: String, baseURL: String? = nil, options: Options = defaultOptions, log: any EventSink) throws {
        let base = try baseURL.map { try ProviderVariables.checkedBaseURL($0, variable: "LUMAAI_BASE_URL") }
        self.init(key: APIKey(apiKey), baseURL: base, options: options, log: log)
    }

    /// The registry's way in: the key and base URL as `ProviderVariables` read and checked them.
    init(key: APIKey, baseURL: URL?, options: Options, log: any EventSink) {
        var root = baseURL ?? URL(string: Self.defaultBaseURL)!
        if !root.path.hasSuffix(Self.rootPath) { root = root.appendingPathComponent(String(Self.rootPath.dropFirst())) }
        http = HTTPClient(provider: .luma, baseURL: root, key: key, settings: options.http, log: log)
        self.options = options
    }

    // MARK: - VideoProvider

    public func create(_ request: RenderRequest) async throws -> String {
        if request.startImage != nil {
            throw ProviderError.unsendableImage(message: "Luma takes keyframes only as a URL its servers fetch, and has no upload")
        }
        let frame = nearestFrame(width: request.width, height: request.height, among: Self.ratios)
        let body = CreateBody(model: request.model, prompt: request.prompt, aspect_ratio: "\(frame.width):\(frame.height)",
                              duration: "\(request.seconds)s", resolution: "720p")
        let url = http.url("generations", "video")
        let created = try await http.create(Generation.self, at: url, body: body)
        return try http.checkedJobID(created.id ?? "", label: http.label("POST", url))
    }

    public func status(of jobID: String) async throws -> ProviderJobState {
        let (generation, label) = try await fetch(jobID)
        switch generation.state {
        case "queued": return .queued
        case "dreaming": return .running(progress: nil)
        case "completed":
            guard generation.assets?.video != nil else {
                throw ProviderError.malformedResponse(message: "\(label): completed without a video")
            }
            return .succeeded
        case "failed": return .failed(failure(of: generation))
        default:
            throw ProviderError.malformedResponse(message: "\(label): unknown state \"\(generation.state?.prefix(40) ?? "")\"")
        }
    }

    /// Reads the generation again and streams its video from Luma's CDN (no key goes there).
    /// - Throws: `ProviderError.jobFailed` for a failed generation, `.download` for one not completed.
    public func download(jobID: String, to destination: String) async throws {
        let (generation, label) = try await fetch(jobID)
        switch generation.state {
        case "completed":
            guard let video = generation.assets?.video, let url = URL(string: video) else {
                throw ProviderError.malformedResponse(message: "\(label): completed without a usable video URL")
            }
            try await http.download(from: url, to: destination, authorized: false)
        case "failed":
            throw ProviderError.jobFailed(failure(of: generation))
        default:
            throw ProviderError.download(message: "generation \(jobID) is \(generation.state?.prefix(40) ?? "unknown"), not completed")
        }
    }

    /// 5 s ± 1 s by default: a Ray 2 clip takes a minute or two.
    public func pollInterval(after attempt: Int) -> Duration { options.poll.interval(after: attempt) }

    // MARK: - Mapping

    /// The aspect ratios the API takes, as width and height.
    static let ratios: [(width: Int, height: Int)] = [(16, 9), (9, 16), (1, 1), (4, 3), (3, 4), (21, 9), (9, 21)]

    private func fetch(_ jobID: String) async throws -> (Generation, String) {
        let url = http.url("generations", jobID)
        return (try await http.fetch(Generation.self, from: url), http.label("GET", url))
    }

    /// Luma gives a reason and no code: a failed generation (a moderation refusal above all) is final.
    private func failure(of generation: Generation) -> ProviderFailure {
        ProviderFailure(code: nil, message: generation.failure_reason.map(http.redact) ?? "the generation failed without a reason",
                        retryable: false)
    }

    // MARK: - Wire types (the API's snake_case names)

    struct CreateBody: Encodable {
        let model: String
        let prompt: String
        let aspect_ratio: String
        /// A string: "5s" or "9s".
        let duration: String
        let resolution: String
    }

    struct Generation: Decodable {
        let id: String?
        let state: String?
        let failure_reason: String?
        let assets: Assets?
    }

    struct Assets: Decodable {
        let video: String?
    }
}
