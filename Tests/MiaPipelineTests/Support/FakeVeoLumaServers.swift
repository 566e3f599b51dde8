import Foundation

// Veo (the Gemini API) and Luma Dream Machine as real HTTP servers on loopback, built on the same
// `LoopbackHTTPServer`, `FakeAPI` and `FakeCDN` as the Sora and Runway fakes.

/// How a fake job ends.
enum FakeOutcome: Sendable {
    case succeed
    /// Veo: a done operation with `error`; Luma: `failed` with this `failure_reason`.
    case fail(code: Int, message: String)
    /// Veo: done, no samples, `raiMediaFilteredCount`/`raiMediaFilteredReasons`.
    case filtered(reason: String)
}

/// What successive polls of a job show; the last step repeats. `custom`: Veo's `done` value, Luma's `state`.
enum FakeStep: Sendable { case queued, running, done, custom(String) }

/// What the Veo and Luma fakes share, so one test drives either: the server, the CDN, and how jobs go.
class FakeGenerationAPI: FakeAPI, @unchecked Sendable {
    // @unchecked: every mutable field is only touched under `lock`.
    let key: String
    let cdn: FakeCDN
    private var server: LoopbackHTTPServer?
    // The fakes read these under `lock`; tests set them through the properties below.
    var _steps: [FakeStep]
    var _outcome = FakeOutcome.succeed
    var _idSuffix = ""

    /// - Parameter clip: the MP4 the CDN serves (the 2 s fixture by default).
    init(key: String, clip: Data?, steps: [FakeStep]) throws {
        self.key = key
        cdn = try FakeCDN(clip: try clip ?? fixtureClip())
        _steps = steps
        super.init()
        server = try LoopbackHTTPServer { [weak self] request in self?.handle(request) ?? FakeReply(status: 503) }
    }

    /// The API's answer; each fake overrides it.
    func handle(_ request: RecordedRequest) -> FakeReply { FakeReply(status: 501) }

    /// The base URL variable's value for this server (the host alone).
    var baseURL: String { "http://127.0.0.1:\(server!.port)" }
    var steps: [FakeStep] { get { lock.withLock { _steps } } set { lock.withLock { _steps = newValue } } }
    var outcome: FakeOutcome { get { lock.withLock { _outcome } } set { lock.withLock { _outcome = newValue } } }
    /// Appended to every job id (a hostile server echoes the key there).
    var idSuffix: String { get { lock.withLock { _idSuffix } } set { lock.withLock { _idSuffix = newValue } } }
}

/// Google's Gemini API for Veo: `POST /v1beta/models/{model}:predictLongRunning`, `GET /v1beta/{operation}`,
/// `GET /v1beta/files/{id}:download?alt=media` (answered with a redirect to the CDN, as Google does).
/// Endpoints for `inject`: "create", "status", "download"; the CDN's is "get".
final class FakeVeoServer: FakeGenerationAPI, @unchecked Sendable {
    private var operations: [String: (polls: Int, finished: Bool)] = [:]

    init(key: String, clip: Data? = nil) throws { try super.init(key: key, clip: clip, steps: [.running, .running, .done]) }

    override func handle(_ request: RecordedRequest) -> FakeReply {
        record(request)
        guard request.header("x-goog-api-key") == key else {
            // Echo what was presented, as a careless gateway would: the client must not repeat it.
            return .json(400, ["error": ["code": 400, "status": "INVALID_ARGUMENT",
                                         "message": "API key not valid: \(request.header("x-goog-api-key") ?? "none")"]])
        }
        let parts = request.path.split(separator: "/").map(String.init)
        if request.method == "POST", parts.count == 3, parts[0] == "v1beta", parts[1] == "models",
           parts[2].hasSuffix(":predictLongRunning") {
            return create(request, model: String(parts[2].dropLast(":predictLongRunning".count)))
        }
        if request.method == "GET", parts.count == 3, parts[0] == "v1beta", parts[1] == "files", parts[2].hasSuffix(":download") {
            return download(String(parts[2].dropLast(":download".count)), query: request.target)
        }
        if request.method == "GET", parts.first == "v1beta" {
            return status(parts.dropFirst().joined(separator: "/"))
        }
        return .json(404, ["error": ["code": 404, "status": "NOT_FOUND", "message": "Not found"]])
    }

    private func create(_ request: RecordedRequest, model: String) -> FakeReply {
        let fault = nextFault("create")
        if let reply = Self.replacement(fault) { return reply }
        guard let body = request.json, let instance = (body["instances"] as? [[String: Any]])?.first,
              let prompt = instance["prompt"] as? String, !prompt.isEmpty,
              let parameters = body["parameters"] as? [String: Any], let seconds = parameters["durationSeconds"] as? Int,
              [4, 6, 8].contains(seconds), let aspect = parameters["aspectRatio"] as? String, ["16:9", "9:16"].contains(aspect),
              let resolution = parameters["resolution"] as? String, ["720p", "1080p"].contains(resolution),
              resolution == "720p" || seconds == 8 else {   // 1080p is rendered for 8 s clips only
            return .json(400, ["error": ["code": 400, "status": "INVALID_ARGUMENT", "message": "Request contains an invalid argument."]])
        }
        let name: String = lock.withLock {
            jobStarted()
            let name = "models/\(model)/operations/op\(operations.count + 1)x7k2" + _idSuffix
            operations[name] = (0, false)
            return name
        }
        return Self.delayed(.json(200, ["name": name]), fault)
    }

    private func status(_ name: String) -> FakeReply {
        let fault = nextFault("status")
        if let reply = Self.replacement(fault) { return reply }
        let answer: FakeReply = lock.withLock {
            guard var operation = operations[name] else {
                return .json(404, ["error": ["code": 404, "status": "NOT_FOUND", "message": "Operation not found: \(name)"]])
            }
            let step = _steps[min(operation.polls, _steps.count - 1)]
            operation.polls += 1
            // Google's JSON leaves `done` out while it is false.
            var object: [String: Any] = ["name": name]
            switch step {
            case .queued, .running: break
            case .custom(let done): object["done"] = done
            case .done:
                if !operation.finished { operation.finished = true; jobFinished() }
                object["done"] = true
                switch _outcome {
                case .succeed:
                    let file = "vid\(operations.count)a1"
                    object["response"] = ["@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
                                          "generateVideoResponse": ["generatedSamples": [
                                            ["video": ["uri": "https://generativelanguage.googleapis.com/v1beta/files/\(file):download?alt=media"]],
                                          ]]]
                case .fail(let code, let message):
                    object["error"] = ["code": code, "message": message]
                case .filtered(let reason):
                    object["response"] = ["generateVideoResponse": ["raiMediaFilteredCount": 1, "raiMediaFilteredReasons": [reason]]]
                }
            }
            operations[name] = operation
            return .json(200, object)
        }
        return Self.delayed(answer, fault)
    }

    private func download(_ file: String, query: String) -> FakeReply {
        let fault = nextFault("download")
        if let reply = Self.replacement(fault) { return reply }
        guard query.hasSuffix("?alt=media") else { return .json(400, ["error": ["code": 400, "message": "alt=media is required"]]) }
        return FakeReply(status: 302, headers: ["Location": "http://127.0.0.1:\(cdn.port)/download/\(file).mp4?token=signed"])
    }
}

/// Luma's Dream Machine API: `POST /dream-machine/v1/generations/video`, `GET /dream-machine/v1/generations/{id}`;
/// videos on a separate CDN server. Endpoints for `inject`: "create", "status"; the CDN's is "get".
final class FakeLumaServer: FakeGenerationAPI, @unchecked Sendable {
    private var generations: [String: (polls: Int, finished: Bool)] = [:]

    init(key: String, clip: Data? = nil) throws { try super.init(key: key, clip: clip, steps: [.queued, .running, .done]) }

    override func handle(_ request: RecordedRequest) -> FakeReply {
        record(request)
        guard request.header("authorization") == "Bearer \(key)" else {
            return .json(401, ["detail": "Invalid API key: \(request.header("authorization") ?? "none")"])
        }
        let parts = request.path.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[0] == "dream-machine", parts[1] == "v1", parts[2] == "generations" else {
            return .json(404, ["detail": "Not Found"])
        }
        if request.method == "POST", parts.count == 4, parts[3] == "video" { return create(request) }
        if request.method == "GET", parts.count == 4 { return status(parts[3]) }
        return .json(404, ["detail": "Not Found"])
    }

    private func create(_ request: RecordedRequest) -> FakeReply {
        let fault = nextFault("create")
        if let reply = Self.replacement(fault) { return reply }
        guard let body = request.json, let prompt = body["prompt"] as? String, !prompt.isEmpty,
              let model = body["model"] as? String, ["ray-2", "ray-flash-2"].contains(model),
              let duration = body["duration"] as? String, ["5s", "9s"].contains(duration),
              let ratio = body["aspect_ratio"] as? String, ["1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"].contains(ratio),
              let resolution = body["resolution"] as? String, ["540p", "720p", "1080p", "4k"].contains(resolution) else {
            return .json(422, ["detail": [["loc": ["body"], "msg": "invalid generation request", "type": "value_error"]]])
        }
        let id: String = lock.withLock {
            jobStarted()
            let id = "5c1e9a7d-0000-4000-8000-\(String(format: "%012d", generations.count + 1))" + _idSuffix
            generations[id] = (0, false)
            return id
        }
        return Self.delayed(.json(201, generation(id, state: "queued")), fault)
    }

    private func status(_ id: String) -> FakeReply {
        let fault = nextFault("status")
        if let reply = Self.replacement(fault) { return reply }
        let answer: FakeReply = lock.withLock {
            guard var job = generations[id] else { return .json(404, ["detail": "Generation not found"]) }
            let step = _steps[min(job.polls, _steps.count - 1)]
            job.polls += 1
            var object: [String: Any]
            switch step {
            case .queued: object = generation(id, state: "queued")
            case .running: object = generation(id, state: "dreaming")
            case .custom(let state): object = generation(id, state: state)
            case .done:
                if !job.finished { job.finished = true; jobFinished() }
                switch _outcome {
                case .succeed:
                    object = generation(id, state: "completed")
                    object["assets"] = ["video": "http://127.0.0.1:\(cdn.port)/dream-machine/video/\(id).mp4?sig=signed"]
                case .fail(_, let message), .filtered(let message):
                    object = generation(id, state: "failed")
                    object["failure_reason"] = message
                }
            }
            generations[id] = job
            return .json(200, object)
        }
        return Self.delayed(answer, fault)
    }

    private func generation(_ id: String, state: String) -> [String: Any] {
        ["id": id, "state": state, "generation_type": "video", "model": "ray-2", "created_at": "2026-12-02T10:00:00.000Z"]
    }
}
