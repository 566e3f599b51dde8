import Foundation

/// Runway's developer API: text-to-video tasks, polled until they succeed, then the first output downloaded.
///
/// API facts used, checked 2026-11 with the search tool:
/// - runwayml sdk-node `src/resources/text-to-video.ts` and sdk-python `resources/text_to_video.py`:
///   `POST /v1/text_to_video` → `{"id"}`; `gen4.5`: `promptText` (non-empty, at most 1000 UTF-16 code
///   units), `ratio` "1280:720" | "720:1280", `duration` an integer 2–10; `veo3.1` / `veo3.1_fast`: the
///   same ratios plus "1920:1080" | "1080:1920", `duration` 4 | 6 | 8. No square ratio for text-to-video
///   (960:960 is an image-to-video ratio), so a square plan gets 1280:720. Only the 720p ratios are used:
///   they are what `ProviderCatalog` prices.
/// - sdk-node `src/resources/tasks.ts`: `GET /v1/tasks/{id}` → `status` PENDING | THROTTLED | RUNNING |
///   SUCCEEDED | FAILED | CANCELLED, `progress` 0–1 while running, `output` URLs (expire in 24–48 h),
///   `failure`, `failureCode` (dot-separated, e.g. SAFETY.INPUT.TEXT); "do not expect updates more
///   often than every five seconds".
/// - sdk-python `src/runwayml/lib/polling.py`: polls every 6 s ± 1.5 s (POLL_TIME 6, POLL_JITTER 3);
///   FAILED and CANCELLED are final.
/// - docs.dev.runwayml.com "Task failures": SAFETY.* must not be retried; INTERNAL.BAD_OUTPUT.* may be.
///   "HTTP errors": 400/401/404/405 final; 429/502/503/504 may be retried with backoff and jitter.
/// - sdk-python `types/image_to_video_create_params.py`: `POST /v1/image_to_video`, `gen4_turbo` and `gen4.5`
///   take `promptImage` (an https URL, or a data URI as the API docs allow, up to 5 MB), `ratio` "1280:720" |
///   "720:1280" | "1104:832" | "832:1104" | "960:960" | "1584:672", `duration`, optional `promptText`;
///   `veo3.1` / `veo3.1_fast` the 16:9 and 9:16 ratios only. The image is sent as a data URI: a file here
///   has no URL Runway could fetch.
/// - Every call carries `X-Runway-Version: 2024-11-06` and `Authorization: Bearer <key>`.
public struct RunwayProvider: VideoProvider {
    public static let defaultBaseURL = "https://api.dev.runwayml.com"
    public static let apiVersion = "2024-11-06"
    /// `promptText` limit, in UTF-16 code units.
    public static let maxPromptLength = 1000
    /// The largest start image sent, as PNG bytes: its data URI (4/3 as long) stays under the API's 5 MB.
    static let maxImageBytes = 3_700_000

    /// Timeouts, retries and polling; tests shorten them.
    public struct Options: Sendable, Equatable {
        public var http: HTTPSettings
        public var poll: PollSchedule

        public init(http: HTTPSettings = HTTPSettings(retry: .runway),
                    poll: PollSchedule = PollSchedule(initial: 6, maximum: 6, jitter: 1.5)) {
            self.http = http
            self.poll = poll
        }
    }

    public let id = ProviderID.runway
    let http: HTTPClient
    let options: Options
    private let log: any EventSink

    /// - Parameters:
    ///   - apiKey: `RUNWAYML_API_SECRET`; kept only for the `Authorization` header.
    ///   - baseURL: `RUNWAYML_BASE_URL`, or nil for Runway's own endpoint.
    /// - Throws: `MiaError` when `baseURL` is not an http(s) URL.
    public init(apiKey: String, baseURL: String? = nil, options: Options = Options(), log: any EventSink) throws {
        let base = try baseURL.map { try ProviderVariables.checkedBaseURL($0, variable: "RUNWAYML_BASE_URL") }
        self.init(key: APIKey(apiKey), baseURL: base, options: options, log: log)
    }

    /// The registry's way in: the key and base URL as `ProviderVariables` read and checked them.
    init(key: APIKey, baseURL: URL?, options: Options, log: any EventSink) {
        http = HTTPClient(provider: .runway, baseURL: baseURL ?? URL(string: Self.defaultBaseURL)!, key: key,
                          headers: ["X-Runway-Version": Self.apiVersion], settings: options.http, log: log)
        self.options = options
        self.log = log
    }

    // MARK: - VideoProvider

    public func create(_ request: RenderRequest) async throws -> String {
        let prompt = Self.fit(request.prompt, limit: Self.maxPromptLength)
        if prompt.utf16.count < request.prompt.utf16.count {
            log.emit(MiaEvent("MIA:WARN", [
                ("kind", "prompt-shortened"), ("provider", "runway"), ("scene", .int(Int64(request.sceneNumber))),
                ("from", .int(Int64(request.prompt.utf16.count))), ("to", .int(Int64(prompt.utf16.count))),
            ]))
        }
        let animated = request.startImage != nil
        let ratio = Self.ratio(model: request.model, width: request.width, height: request.height, fromImage: animated)
        var body = CreateBody(model: request.model, promptText: prompt, ratio: "\(ratio.width):\(ratio.height)", duration: request.seconds)
        if let png = try request.startImagePNG(width: ratio.width, height: ratio.height, limit: Self.maxImageBytes) {
            body.promptImage = "data:image/png;base64," + Data(png).base64EncodedString()
        }
        let url = http.url("v1", animated ? "image_to_video" : "text_to_video")
        return try http.checkedJobID(try await http.create(Created.self, at: url, body: body).id, label: http.label("POST", url))
    }

    public func status(of jobID: String) async throws -> ProviderJobState {
        let (task, label) = try await fetch(jobID)
        switch task.status {
        case "PENDING", "THROTTLED":
            // THROTTLED: queued behind the organisation's concurrency limit, not a failure.
            return .queued
        case "RUNNING":
            return .running(progress: task.progress.flatMap(ExternalNumber.fraction))
        case "SUCCEEDED":
            guard task.output?.first != nil else {
                throw ProviderError.malformedResponse(message: "\(label): SUCCEEDED without an output URL")
            }
            return .succeeded
        case "FAILED", "CANCELLED":
            return .failed(failure(of: task))
        default:
            throw ProviderError.malformedResponse(message: "\(label): unknown status \"\(task.status.prefix(40))\"")
        }
    }

    /// Fetches the task again (output URLs expire, so a fresh one is used) and streams its first output.
    /// - Throws: `ProviderError.jobFailed` for a failed or cancelled task, `.download` for one not finished.
    public func download(jobID: String, to destination: String) async throws {
        let (task, label) = try await fetch(jobID)
        switch task.status {
        case "SUCCEEDED":
            guard let first = task.output?.first, let url = URL(string: first) else {
                throw ProviderError.malformedResponse(message: "\(label): SUCCEEDED without a usable output URL")
            }
            // The output lives on Runway's CDN: no key goes there.
            try await http.download(from: url, to: destination, authorized: false)
        case "FAILED", "CANCELLED":
            throw ProviderError.jobFailed(failure(of: task))
        default:
            throw ProviderError.download(message: "task \(jobID) is \(task.status.prefix(40)), not SUCCEEDED")
        }
    }

    /// 6 s ± 1.5 s by default, as Runway's SDK polls.
    public func pollInterval(after attempt: Int) -> Duration { options.poll.interval(after: attempt) }

    // MARK: - Mapping

    private func fetch(_ jobID: String) async throws -> (TaskBody, String) {
        let url = http.url("v1", "tasks", jobID)
        return (try await http.fetch(TaskBody.self, from: url), http.label("GET", url))
    }

    private func failure(of task: TaskBody) -> ProviderFailure {
        if task.status == "CANCELLED" {
            return ProviderFailure(code: "CANCELLED", message: task.failure.map(http.redact) ?? "the task was cancelled", retryable: false)
        }
        let code = task.failureCode
        return ProviderFailure(code: code, message: task.failure.map(http.redact) ?? "the task failed without a reason",
                               retryable: Self.isRetryable(code))
    }

    /// INTERNAL.* (INTERNAL.BAD_OUTPUT.* above all) may succeed as a new task; SAFETY.* and the rest never.
    static func isRetryable(_ code: String?) -> Bool { code?.hasPrefix("INTERNAL") ?? false }

    /// The 720p ratio closest to the plan's frame (see the type's notes); image to video with a Gen-4 model
    /// has more shapes, square among them.
    static func ratio(model: String, width: Int, height: Int, fromImage: Bool = false) -> (width: Int, height: Int) {
        let shapes = fromImage && model.hasPrefix("gen4")
            ? [(1280, 720), (720, 1280), (1104, 832), (832, 1104), (960, 960), (1584, 672)]
            : [(1280, 720), (720, 1280)]
        return nearestFrame(width: width, height: height, among: shapes)
    }

    /// `prompt` within `limit` UTF-16 code units, cut between characters (at a word when one is near).
    static func fit(_ prompt: String, limit: Int) -> String {
        guard prompt.utf16.count > limit else { return prompt }
        var kept = ""
        var length = 0
        for character in prompt {
            let size = character.utf16.count
            if length + size > limit { break }
            kept.append(character)
            length += size
        }
        if let space = kept.lastIndex(where: \.isWhitespace), kept.distance(from: space, to: kept.endIndex) <= 80 {
            kept = String(kept[..<space])
        }
        return kept.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - Wire types

    struct CreateBody: Encodable {
        let model: String
        let promptText: String
        let ratio: String
        let duration: Int
        /// Image to video only: the first frame, as a data URI.
        var promptImage: String?
    }

    struct Created: Decodable {
        let id: String
    }

    struct TaskBody: Decodable {
        let status: String
        let progress: Double?
        let output: [String]?
        let failure: String?
        let failureCode: String?
    }
}
