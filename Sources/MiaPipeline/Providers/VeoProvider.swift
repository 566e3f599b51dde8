import Foundation

/// Google Veo through the Gemini API: a long-running operation, polled until it is done, then the clip
/// downloaded through the API's file endpoint.
///
/// API facts used, checked 2026-12 with the search tool (googleapis/python-genai at 66807187, 2026-08):
/// - `models.py` `generate_videos` (Gemini Developer API): `POST v1beta/{model}:predictLongRunning` with
///   `{"instances": [{"prompt"}], "parameters": {"sampleCount", "durationSeconds", "aspectRatio",
///   "resolution", …}}`; `generateAudio` is refused outside Vertex (Veo 3.x clips carry sound anyway).
///   The answer is an operation: `name`, `done`, `error`, and `response.generateVideoResponse` with
///   `generatedSamples[].video.uri` and, for clips the safety filters removed, `raiMediaFilteredCount` and
///   `raiMediaFilteredReasons`.
/// - `operations.py`: `GET v1beta/{operation name}`. Google's JSON leaves `done` out while it is false.
/// - `files.py` `download` + `_transformers.t_file_name`: the file id is taken from the video URI
///   (`…/files/{id}…`, lowercase letters and digits) and fetched as `GET v1beta/files/{id}:download?alt=media`
///   on the client's own base URL with `x-goog-api-key` (`_api_client.py`), redirects followed.
/// - README: `veo-3.1-generate-preview`, polled every 20 s; durations and prices are in `ProviderCatalog`.
/// - `models.py` `_Image_to_mldev`: an instance's `image` is `{"bytesBase64Encoded", "mimeType"}`, the first
///   frame of an image-to-video generation (`--animate-images`), sent inline: the request carries it.
/// - Errors: `{"error": {"code": 400, "message", "status": "INVALID_ARGUMENT"}}`; an operation's `error`
///   is a google.rpc.Status (`code` 13 INTERNAL, 14 UNAVAILABLE and 4 DEADLINE_EXCEEDED are passing faults).
public struct VeoProvider: VideoProvider {
    public static let defaultBaseURL = "https://generativelanguage.googleapis.com"

    /// Timeouts, retries and polling; tests shorten them.
    public typealias Options = ProviderOptions
    public static let defaultOptions = Options(poll: PollSchedule(initial: 10, maximum: 10, jitter: 2))

    public let id = ProviderID.veo
    let http: HTTPClient
    let options: Options

    /// - Parameters:
    ///   - apiKey: `GEMINI_API_KEY`; kept only for the `x-goog-api-key` header.
    ///   - baseURL: `GEMINI_BASE_URL`, or nil for Google's own endpoint.
    /// - Throws: `MiaError` when `baseURL` is not an http(s) URL.
    public init(apiKey: String, baseURL: String? = nil, options: Options = defaultOptions, log: any EventSink) throws {
        let base = try baseURL.map { try ProviderVariables.checkedBaseURL($0, variable: "GEMINI_BASE_URL") }
        self.init(key: APIKey(apiKey), baseURL: base, options: options, log: log)
    }

    /// The registry's way in: the key and base URL as `ProviderVariables` read and checked them.
    init(key: APIKey, baseURL: URL?, options: Options, log: any EventSink) {
        http = HTTPClient(service: ProviderID.veo.rawValue, baseURL: baseURL ?? URL(string: Self.defaultBaseURL)!, key: key,
                          keyHeader: .named("x-goog-api-key"), settings: options.http, log: log)
        self.options = options
    }

    /// The largest start image sent, as PNG bytes (a 1280x720 PNG is at most about 3.7 MB; the Gemini API takes
    /// requests up to 20 MB).
    static let maxImageBytes = 8_000_000

    // MARK: - VideoProvider

    public func create(_ request: RenderRequest) async throws -> String {
        let frame = nearestFrame(width: request.width, height: request.height, among: [(16, 9), (9, 16)])
        // 1080p where the plan's frame is that large and the API renders it: 8 s clips only (ai.google.dev,
        // "Generate videos with Veo 3.1": 1080p and 4k are 8 s only). Same price a second.
        let fullHD = min(request.width, request.height) >= 1080 && request.seconds == 8
        let scale = fullHD ? 120 : 80
        // The start image at the frame the clip is rendered at.
        let image = try request.startImagePNG(width: frame.width * scale, height: frame.height * scale, limit: Self.maxImageBytes).map {
            CreateBody.Image(bytesBase64Encoded: Data($0).base64EncodedString(), mimeType: "image/png")
        }
        let body = CreateBody(instances: [.init(prompt: request.prompt, image: image)],
                              parameters: .init(aspectRatio: "\(frame.width):\(frame.height)", durationSeconds: request.seconds,
                                                resolution: fullHD ? "1080p" : "720p", sampleCount: 1))
        let url = http.url("v1beta", "models", "\(request.model):predictLongRunning")
        let label = http.label("POST", url)
        let name = try http.checkedJobID(try await http.create(OperationBody.self, at: url, body: body).name ?? "", label: label)
        guard Self.operationPath(name) != nil else {
            throw ProviderError.malformedResponse(message: "\(label): the operation name is not a path under v1beta")
        }
        return name
    }

    public func status(of jobID: String) async throws -> ProviderJobState {
        let (operation, label) = try await fetch(jobID)
        guard operation.done == true else { return .running(progress: nil) }
        if let failure = failure(of: operation) { return .failed(failure) }
        guard operation.videoURI != nil else {
            throw ProviderError.malformedResponse(message: "\(label): done without a video or an error")
        }
        return .succeeded
    }

    /// Reads the operation again and fetches its first video through the API's file endpoint.
    /// - Throws: `ProviderError.jobFailed` for a failed or filtered operation, `.download` for one not done.
    public func download(jobID: String, to destination: String) async throws {
        let (operation, label) = try await fetch(jobID)
        guard operation.done == true else { throw ProviderError.download(message: "operation \(jobID) is not done") }
        if let failure = failure(of: operation) { throw ProviderError.jobFailed(failure) }
        guard let uri = operation.videoURI, let url = fileURL(uri) else {
            throw ProviderError.malformedResponse(message: "\(label): done without a usable video URI")
        }
        // The key goes only to the API's own origin (the client sees to it), redirects included.
        try await http.download(from: url, to: destination, authorized: true)
    }

    /// 10 s ± 2 s by default (Google's samples poll every 10–20 s; a clip takes a minute or more).
    public func pollInterval(after attempt: Int) -> Duration { options.poll.interval(after: attempt) }

    // MARK: - Mapping

    private func fetch(_ jobID: String) async throws -> (OperationBody, String) {
        guard let path = Self.operationPath(jobID) else {
            throw ProviderError.malformedResponse(message: "the recorded operation name is not a path under v1beta")
        }
        let url = http.url(["v1beta"] + path)
        return (try await http.fetch(OperationBody.self, from: url), http.label("GET", url))
    }

    /// An operation name as path segments: `models/veo-…/operations/abc` → 4 segments. Nil for one that
    /// would climb out of `v1beta` or is empty.
    static func operationPath(_ name: String) -> [String]? {
        let segments = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !segments.isEmpty, segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return nil }
        return segments
    }

    /// Where the video is fetched: as the SDK does, the file id from the URI on this client's base URL
    /// (so a gateway serves it too); a URI without one is fetched as it is.
    func fileURL(_ uri: String) -> URL? {
        guard let range = uri.range(of: "files/") else { return URL(string: uri) }
        let fileID = uri[range.upperBound...].prefix { $0.isASCII && ($0.isLowercase || $0.isNumber) }
        guard !fileID.isEmpty else { return URL(string: uri) }
        return URL(string: http.url("v1beta", "files", "\(fileID):download").absoluteString + "?alt=media")
    }

    /// A done operation's failure: its `error`, or every clip removed by the safety filters. Nil when it has a video.
    private func failure(of operation: OperationBody) -> ProviderFailure? {
        if let error = operation.error {
            let code = error.status ?? error.code.map { "code \($0)" }
            return ProviderFailure(code: code, message: error.message.map(http.redact) ?? "the operation failed without a reason",
                                   retryable: error.code.map { [4, 13, 14].contains($0) } ?? false)
        }
        guard operation.videoURI == nil, let result = operation.response?.generateVideoResponse,
              (result.raiMediaFilteredCount ?? 0) > 0 || !(result.raiMediaFilteredReasons ?? []).isEmpty else { return nil }
        let reasons = (result.raiMediaFilteredReasons ?? []).map(http.redact).joined(separator: "; ")
        return ProviderFailure(code: "RAI_FILTERED",
                               message: "Google's safety filters removed the clip" + (reasons.isEmpty ? "" : ": \(reasons)"),
                               retryable: false)
    }

    // MARK: - Wire types

    struct CreateBody: Encodable {
        struct Instance: Encodable {
            let prompt: String
            var image: Image?
        }
        struct Image: Encodable {
            let bytesBase64Encoded: String
            let mimeType: String
        }
        struct Parameters: Encodable {
            let aspectRatio: String
            let durationSeconds: Int
            let resolution: String
            let sampleCount: Int
        }
        let instances: [Instance]
        let parameters: Parameters
    }

    struct OperationBody: Decodable {
        let name: String?
        let done: Bool?
        let error: Status?
        let response: Response?

        var videoURI: String? { response?.generateVideoResponse?.generatedSamples?.lazy.compactMap { $0.video?.uri }.first }
    }

    struct Status: Decodable {
        let code: Int?
        let message: String?
        let status: String?
    }

    struct Response: Decodable {
        let generateVideoResponse: VideoResponse?
    }

    struct VideoResponse: Decodable {
        let generatedSamples: [Sample]?
        let raiMediaFilteredCount: Int?
        let raiMediaFilteredReasons: [String]?
    }

    struct Sample: Decodable {
        let video: Video?
    }

    struct Video: Decodable {
        let uri: String?
    }
}
