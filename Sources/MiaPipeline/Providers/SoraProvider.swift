import Foundation

/// Sora through the OpenAI Videos API, or an OpenAI-compatible gateway set in `OPENAI_BASE_URL`.
///
/// OpenAI shut the public Videos API down on 2026-09-24; an answer from the public endpoint that says so
/// (or a 404/410 to a create anywhere) becomes `ProviderError.discontinued`, never retried.
///
/// API facts used, checked 2026-11 with the search tool:
/// - openai-python `src/openai/resources/videos.py`: `POST /videos` with `prompt`, `model`, `seconds`,
///   `size` (JSON unless an `input_reference` file is sent); `GET /videos/{id}`; `GET /videos/{id}/content`
///   sent with `Accept: application/binary`; `poll()` sleeps for the `openai-poll-after-ms` header when
///   present (1000 ms otherwise). Docstring: seconds 4, 8 or 12; sizes 720x1280, 1280x720, 1024x1792,
///   1792x1024.
/// - openai-python `src/openai/types/video_seconds.py`: `Literal["4", "8", "12"]` — a string.
/// - openai-python `src/openai/types/video.py`: `id`, `status` queued | in_progress | completed | failed,
///   `progress` (integer percent), `error` (`video_create_error.py`: `code`, `message`).
/// - openai-python `_base_client.py`: retry timing and `Retry-After` parsing (see `HTTPClient`).
/// - developers.openai.com, "Video generation with Sora": the Videos API and the sora-2 models are
///   deprecated and shut down on 2026-09-24; sora-2 renders only 720x1280 and 1280x720.
public struct SoraProvider: VideoProvider {
    public static let defaultBaseURL = "https://api.openai.com/v1"

    /// Timeouts, retries and polling; tests shorten them.
    public struct Options: Sendable, Equatable {
        public var http: HTTPSettings
        /// Used until the API sends an `openai-poll-after-ms` hint.
        public var poll: PollSchedule

        public init(http: HTTPSettings = HTTPSettings(retry: .openAI),
                    poll: PollSchedule = PollSchedule(initial: 2, factor: 1.5, maximum: 15)) {
            self.http = http
            self.poll = poll
        }
    }

    public let id = ProviderID.sora
    let http: HTTPClient
    let options: Options
    private let hint = PollHint()

    /// - Parameters:
    ///   - apiKey: `OPENAI_API_KEY`; kept only for the `Authorization` header.
    ///   - baseURL: `OPENAI_BASE_URL`, or nil for OpenAI's own endpoint.
    /// - Throws: `MiaError` when `baseURL` is not an http(s) URL.
    public init(apiKey: String, baseURL: String? = nil, options: Options = Options(), log: any EventSink) throws {
        let base = try baseURL.map { try ProviderVariables.checkedBaseURL($0, variable: "OPENAI_BASE_URL") }
        self.init(key: APIKey(apiKey), baseURL: base, options: options, log: log)
    }

    /// The registry's way in: the key and base URL as `ProviderVariables` read and checked them.
    init(key: APIKey, baseURL: URL?, options: Options, log: any EventSink) {
        http = HTTPClient(provider: .sora, baseURL: baseURL ?? URL(string: Self.defaultBaseURL)!, key: key, settings: options.http, log: log)
        self.options = options
    }

    /// Whether this adapter talks to OpenAI itself rather than a gateway.
    var isPublicEndpoint: Bool { http.baseURL.host?.lowercased() == "api.openai.com" }

    // MARK: - VideoProvider

    public func create(_ request: RenderRequest) async throws -> String {
        // Sora's `input_reference` is a multipart upload this adapter does not make: say so, never drop the image.
        if request.startImage != nil { throw ProviderError.unsendableImage(message: "Sora is not sent images here (use Runway or Veo)") }
        let size = Self.size(model: request.model, width: request.width, height: request.height)
        let body = CreateBody(model: request.model, prompt: request.prompt, seconds: String(request.seconds), size: size)
        let url = http.url("videos")
        let response = try await http.send("POST", url, body: body, mode: .create)
        guard response.isSuccess else { throw failure(response, request: "POST \(url.path)", creating: true, model: request.model) }
        return try http.checkedJobID(try response.decode(Video.self, label: "POST \(url.path)").id, label: "POST \(url.path)")
    }

    public func status(of jobID: String) async throws -> ProviderJobState {
        let url = http.url("videos", jobID)
        let label = "GET \(url.path)"
        let response = try await http.send("GET", url, mode: .idempotent)
        guard response.isSuccess else { throw failure(response, request: label, creating: false, model: nil) }
        // A server's number: read without trapping, kept within 0.1–60 s.
        if let ms = response.header("openai-poll-after-ms").flatMap(ExternalNumber.parse), ms > 0 {
            hint.milliseconds = ExternalNumber.clamped(ms, to: 100...60_000)
        }
        let video = try response.decode(Video.self, label: label)
        switch video.status {
        case "queued":
            return .queued
        case "in_progress":
            return .running(progress: video.progress.flatMap { ExternalNumber.fraction($0 / 100) })
        case "completed":
            return .succeeded
        case "failed":
            let code = video.error?.code
            let message = video.error?.message.map(http.redact) ?? "the video failed without a reason"
            return .failed(ProviderFailure(code: code, message: message, retryable: Self.isRetryable(code)))
        default:
            throw ProviderError.malformedResponse(message: "\(label): unknown status \"\(video.status.prefix(40))\"")
        }
    }

    public func download(jobID: String, to destination: String) async throws {
        try await http.download(from: http.url("videos", jobID, "content"), to: destination, authorized: true,
                                accept: "application/binary")
    }

    /// The API's `openai-poll-after-ms` hint once one was seen (kept within 0.1–60 s), otherwise
    /// `options.poll`.
    public func pollInterval(after attempt: Int) -> Duration {
        if let ms = hint.milliseconds { return .milliseconds(min(max(ms, 100), 60_000)) }
        return options.poll.interval(after: attempt)
    }

    // MARK: - Mapping

    /// The size the API renders closest to the plan's frame. sora-2 renders 1280x720 and 720x1280;
    /// sora-2-pro (and its dated snapshots) also 1792x1024 and 1024x1792. No square: a square plan gets
    /// 1280x720.
    static func size(model: String, width: Int, height: Int) -> String {
        var sizes: [(width: Int, height: Int)] = [(1280, 720), (720, 1280)]
        if model.hasPrefix("sora-2-pro") { sizes += [(1792, 1024), (1024, 1792)] }
        let best = nearestFrame(width: width, height: height, among: sizes)
        return "\(best.width)x\(best.height)"
    }

    /// Words in an error's code or message that mean the API or the model is gone.
    static let gonePhrases = ["deprecat", "shut down", "shutdown", "discontinued", "decommission", "no longer available",
                              "no longer supported", "sunset", "retired"]

    /// A final answer (3xx/4xx) as the error the orchestrator acts on.
    func failure(_ response: HTTPResponse, request: String, creating: Bool, model: String?) -> ProviderError {
        let error = APIErrorBody.parse(response.body)
        let summary = APIErrorBody.summary(response.body).map(http.redact) ?? "no details"
        let words = "\(error.code ?? "") \(error.message ?? "")".lowercased()
        let saysGone = Self.gonePhrases.contains { words.contains($0) }
        let modelGone = isPublicEndpoint && (error.code == "model_not_found")
        let statusGone = response.status == 410 || (creating && response.status == 404)
        guard saysGone || modelGone || statusGone else { return .rejected(status: response.status, message: summary) }
        if isPublicEndpoint {
            return .discontinued(message: "OpenAI answered HTTP \(response.status) to \(request) (\(summary)); its Videos API "
                                 + "was shut down on 2026-09-24. Point OPENAI_BASE_URL at an OpenAI-compatible gateway, or use another provider")
        }
        let what = model.map { "the Videos API or the model \($0)" } ?? "the Videos API"
        return .discontinued(message: "\(http.baseURL.host ?? "the gateway") answered HTTP \(response.status) to \(request) "
                             + "(\(summary)): \(what) is not served there")
    }

    /// A failed video is worth a new job only when its code points at a passing fault; never for
    /// moderation. OpenAI does not document the codes, so unknown ones are final.
    static func isRetryable(_ code: String?) -> Bool {
        guard let code = code?.lowercased() else { return false }
        if ["moderation", "policy", "safety", "blocked", "content"].contains(where: code.contains) { return false }
        return ["internal", "server_error", "timeout", "unavailable", "overloaded"].contains(where: code.contains)
    }

    // MARK: - Wire types

    struct CreateBody: Encodable {
        let model: String
        let prompt: String
        /// A string: the API's `VideoSeconds` is "4", "8" or "12".
        let seconds: String
        let size: String
    }

    struct Video: Decodable {
        let id: String
        let status: String
        let progress: Double?
        let error: VideoError?
    }

    struct VideoError: Decodable {
        let code: String?
        let message: String?
    }
}

/// The latest `openai-poll-after-ms` hint.
private final class PollHint: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Int?

    var milliseconds: Int? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
