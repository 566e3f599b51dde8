import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Stand-ins for the remote video APIs, as real HTTP servers on 127.0.0.1 (an ephemeral port) inside the
// test process: the adapters under test use their real HTTP stack against them. Each fake records every
// request, counts the jobs it created and the most it had running at once, and can be told to misbehave.

// MARK: - A small HTTP/1.1 server

/// One request as the server received it. Header names are lowercased.
struct RecordedRequest: Sendable {
    let method: String
    /// The request target, query included.
    let target: String
    let headers: [String: String]
    let body: Data

    /// The target without its query.
    var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
    func header(_ name: String) -> String? { headers[name.lowercased()] }
    /// The body as a JSON object, if it is one.
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
}

/// What the server sends back.
struct FakeReply: Sendable {
    var status: Int
    var headers: [String: String] = [:]
    var body = Data()
    /// Seconds to wait before answering (after the request was handled).
    var delay: Double = 0
    /// Declare the whole body's length but send only this many bytes of it, then close the connection.
    var sendOnly: Int?
    /// Send this hostile body instead of `body` (a huge declared length, an endless stream).
    var flood: Flood?

    static func json(_ status: Int, _ object: Any, headers: [String: String] = [:]) -> FakeReply {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return FakeReply(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: body)
    }

    static func text(_ status: Int, _ text: String, headers: [String: String] = [:]) -> FakeReply {
        FakeReply(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: Data(text.utf8))
    }
}

/// A thread-per-connection HTTP/1.1 server on 127.0.0.1. Every answer closes its connection, so a slow
/// or cut-short answer never confuses the next request. Stops when released.
final class LoopbackHTTPServer: @unchecked Sendable {
    // @unchecked: immutable after init; the shared state lives in `Listener`, which locks it.
    let port: Int
    private let listener: Listener

    init(handler: @escaping @Sendable (RecordedRequest) -> FakeReply) throws {
        listener = try Listener(handler: handler)
        port = listener.port
        let listener = self.listener
        Thread.detachNewThread { listener.acceptLoop() }
    }

    deinit { listener.stop() }
}

private final class Listener: @unchecked Sendable {
    // @unchecked: `stopped` is only touched under `lock`; the rest is immutable.
    let fd: Int32
    let port: Int
    let handler: @Sendable (RecordedRequest) -> FakeReply
    private let lock = NSLock()
    private var stopped = false

    init(handler: @escaping @Sendable (RecordedRequest) -> FakeReply) throws {
        self.handler = handler
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    var isStopped: Bool { lock.withLock { stopped } }

    func stop() {
        lock.withLock { stopped = true }
    }

    func acceptLoop() {
        defer { close(fd) }
        while !isStopped {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        #if !os(Linux)
        var yes: Int32 = 1
        setsockopt(client, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
        #endif
        guard var request = readRequest(client) else { return }
        // A proxy's tunnel (`CONNECT host:port`): recorded and agreed to, then the request inside it is served.
        if request.method == "CONNECT" {
            _ = handler(request)
            sendAll(client, Data("HTTP/1.1 200 Connection established\r\n\r\n".utf8))
            guard let inner = readRequest(client) else { return }
            request = inner
        }
        let reply = handler(request)
        if reply.delay > 0 { Thread.sleep(forTimeInterval: reply.delay) }
        var head = "HTTP/1.1 \(reply.status) \(Self.reason(reply.status))\r\n"
        for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
        if let flood = reply.flood {
            if let declared = flood.declaredLength { head += "Content-Length: \(declared)\r\n" }
            sendAll(client, Data((head + "Connection: close\r\n\r\n").utf8))
            flood.run(client)
            return
        }
        head += "Content-Length: \(reply.body.count)\r\nConnection: close\r\n\r\n"
        sendAll(client, Data(head.utf8))
        if let count = reply.sendOnly {
            sendAll(client, reply.body.prefix(count))
            Thread.sleep(forTimeInterval: 0.05)
        } else {
            sendAll(client, reply.body)
        }
    }

    private func readRequest(_ client: Int32) -> RecordedRequest? {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        func receive() -> Bool {
            let count = recv(client, &chunk, chunk.count, 0)
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
        let separator = Data("\r\n\r\n".utf8)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            guard receive() else { return nil }
            headerEnd = buffer.range(of: separator)
        }
        let lines = String(decoding: buffer[..<headerEnd!.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headerEnd!.upperBound
        if headers["expect"]?.lowercased() == "100-continue", buffer.count - bodyStart < length {
            sendAll(client, Data("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        while buffer.count - bodyStart < length {
            guard receive() else { return nil }
        }
        return RecordedRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers,
                               body: Data(buffer[bodyStart..<bodyStart + length]))
    }

    private func sendAll(_ client: Int32, _ data: Data) {
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)  // a client that gave up must not kill the test process with SIGPIPE
        #else
        let flags: Int32 = 0
        #endif
        data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let sent = send(client, base + offset, raw.count - offset, flags)
                guard sent > 0 else { return }
                offset += sent
            }
        }
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 302: "Found"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

// MARK: - Misbehaviour

/// A body that attacks the client's size limit: a declared length far over it (and nothing sent), or
/// bytes sent as fast as the socket takes them. Bounded so a client that never gives up cannot hang a
/// test: it stops after `maxBytes` or `maxSeconds`. Records what it sent and how long the client stayed.
final class Flood: @unchecked Sendable {
    // @unchecked: the counters are only touched under `lock`; the rest is immutable.
    /// The `Content-Length` sent; nil sends none (the body ends when the connection closes).
    let declaredLength: Int64?
    /// Send no body at all, only wait (with a declared length: "a 50 GB file is coming").
    let silent: Bool
    let maxBytes: Int64
    let maxSeconds: Double
    private let lock = NSLock()
    private var _sent: Int64 = 0
    private var _connected: Double?

    init(declaredLength: Int64? = nil, silent: Bool = false, maxBytes: Int64 = 4_000_000_000, maxSeconds: Double = 30) {
        self.declaredLength = declaredLength
        self.silent = silent
        self.maxBytes = maxBytes
        self.maxSeconds = maxSeconds
    }

    /// Body bytes the client took before it closed the connection (or the flood stopped).
    var sent: Int64 { lock.withLock { _sent } }
    /// Seconds from the headers to the client closing the connection; nil while it is still open.
    var connectedSeconds: Double? { lock.withLock { _connected } }

    func run(_ client: Int32) {
        let start = Date()
        defer { lock.withLock { _connected = Date().timeIntervalSince(start) } }
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        let chunk = [UInt8](repeating: 0x2e, count: 64 << 10)
        while Date().timeIntervalSince(start) < maxSeconds, sent < maxBytes {
            if silent {
                // Wait for the client to hang up (readable with nothing to read).
                var poller = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 20) > 0 {
                    var byte: UInt8 = 0
                    if recv(client, &byte, 1, Int32(MSG_DONTWAIT)) <= 0 { return }
                }
                continue
            }
            let count = chunk.withUnsafeBytes { send(client, $0.baseAddress!, $0.count, flags) }
            guard count > 0 else { return }
            lock.withLock { _sent += Int64(count) }
        }
    }
}

/// Something a fake does instead of (or on top of) its normal answer, once per request, in order.
enum Fault: Sendable {
    /// Answer this instead; nothing is created.
    case status(Int, headers: [String: String] = [:], body: String = "")
    /// Handle the request normally (a create makes its job) but answer only after this many seconds.
    case slow(Double)
    /// A 200 whose body is not JSON; nothing is created.
    case malformedJSON
    /// Downloads: declare the whole clip, send half of it, close the connection.
    case cutShort
    /// Downloads: redirect here instead.
    case redirect(String)
}

/// Shared bookkeeping of a fake: recorded requests, faults per endpoint, jobs created and in flight.
class FakeAPI: @unchecked Sendable {
    // @unchecked: every mutable field is only touched under `lock`.
    let lock = NSLock()
    private var recorded: [RecordedRequest] = []
    private var faults: [String: [Fault]] = [:]
    private var created = 0
    private var running = 0
    private var peak = 0

    /// Every request received, in order.
    var requests: [RecordedRequest] { lock.withLock { recorded } }
    /// How many jobs were created.
    var jobsCreated: Int { lock.withLock { created } }
    /// The most jobs that were created and not yet finished at one time.
    var maxJobsInFlight: Int { lock.withLock { peak } }

    /// The next requests to `endpoint` get these faults, one each, in order.
    func inject(_ list: [Fault], on endpoint: String) { lock.withLock { faults[endpoint, default: []] += list } }

    func record(_ request: RecordedRequest) { lock.withLock { recorded.append(request) } }

    func nextFault(_ endpoint: String) -> Fault? {
        lock.withLock { faults[endpoint]?.isEmpty == false ? faults[endpoint]!.removeFirst() : nil }
    }

    /// Call under `lock`.
    func jobStarted() { created += 1; running += 1; peak = max(peak, running) }
    /// Call under `lock`.
    func jobFinished() { running -= 1 }

    /// Applies a fault that replaces the answer.
    static func replacement(_ fault: Fault?) -> FakeReply? {
        switch fault {
        case .status(let status, let headers, let body)?: .text(status, body, headers: headers)
        case .malformedJSON?: .text(200, "{\"id\": \"video_1\", \"status\": ")
        default: nil
        }
    }

    static func delayed(_ reply: FakeReply, _ fault: Fault?) -> FakeReply {
        guard case .slow(let seconds)? = fault else { return reply }
        var slow = reply
        slow.delay = seconds
        return slow
    }
}

/// A file server standing in for a CDN: any GET path answers the clip.
final class FakeCDN: FakeAPI, @unchecked Sendable {
    let clip: Data
    private var server: LoopbackHTTPServer?

    init(clip: Data) throws {
        self.clip = clip
        super.init()
        server = try LoopbackHTTPServer { [weak self] request in self?.handle(request) ?? FakeReply(status: 503) }
    }

    var port: Int { server!.port }

    private func handle(_ request: RecordedRequest) -> FakeReply {
        record(request)
        let fault = nextFault("get")
        if let reply = Self.replacement(fault) { return reply }
        var reply = FakeReply(status: 200, headers: ["Content-Type": "video/mp4"], body: clip)
        if case .cutShort? = fault { reply.sendOnly = clip.count / 2 }
        return Self.delayed(reply, fault)
    }
}

/// The media every fake serves: a real, small H.264/AAC MP4.
func fixtureClip() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: Repo.media("h264-aac-a.mp4"))) }

// MARK: - OpenAI Videos API

/// OpenAI's Videos API: `POST /v1/videos`, `GET /v1/videos/{id}`, `GET /v1/videos/{id}/content`.
/// Endpoints for `inject`: "create", "status", "content".
final class FakeSoraServer: FakeAPI, @unchecked Sendable {
    enum Step: Sendable { case queued, running(Int), done }

    let key: String
    let clip: Data
    let cdn: FakeCDN
    private var server: LoopbackHTTPServer?
    private var jobs: [String: (model: String, seconds: String, size: String, polls: Int, finished: Bool)] = [:]
    private var _steps: [Step] = [.queued, .running(40), .done]
    private var _failure: (code: String, message: String)?
    private var _pollAfterMs: Int?

    init(key: String) throws {
        self.key = key
        clip = try fixtureClip()
        cdn = try FakeCDN(clip: clip)
        super.init()
        server = try LoopbackHTTPServer { [weak self] request in self?.handle(request) ?? FakeReply(status: 503) }
    }

    /// `OPENAI_BASE_URL` for this server.
    var baseURL: String { "http://127.0.0.1:\(server!.port)/v1" }
    var port: Int { server!.port }

    /// What successive polls of a job show; the last step repeats.
    var steps: [Step] { get { lock.withLock { _steps } } set { lock.withLock { _steps = newValue } } }
    /// Jobs end `failed` with this error instead of `completed`.
    var failure: (code: String, message: String)? { get { lock.withLock { _failure } } set { lock.withLock { _failure = newValue } } }
    /// Sent as `openai-poll-after-ms` on status answers.
    var pollAfterMs: Int? { get { lock.withLock { _pollAfterMs } } set { lock.withLock { _pollAfterMs = newValue } } }

    private func handle(_ request: RecordedRequest) -> FakeReply {
        record(request)
        guard request.header("authorization") == "Bearer \(key)" else {
            // Like a careless gateway, echo the key that was presented: the client must not repeat it.
            let presented = request.header("authorization")?.replacingOccurrences(of: "Bearer ", with: "") ?? ""
            return .json(401, ["error": ["message": "Incorrect API key provided: \(presented).", "type": "invalid_request_error",
                                         "code": "invalid_api_key"]])
        }
        let parts = request.path.split(separator: "/").map(String.init)
        switch (request.method, parts.count) {
        case ("POST", 2) where parts == ["v1", "videos"]: return create(request)
        case ("GET", 3) where parts[1] == "videos": return status(parts[2])
        case ("GET", 4) where parts[1] == "videos" && parts[3] == "content": return content(parts[2])
        default: return .json(404, ["error": ["message": "Invalid URL (\(request.method) \(request.path))", "code": "not_found"]])
        }
    }

    private func create(_ request: RecordedRequest) -> FakeReply {
        let fault = nextFault("create")
        if let reply = Self.replacement(fault) { return reply }
        guard let body = request.json, let prompt = body["prompt"] as? String, !prompt.isEmpty else {
            return .json(400, ["error": ["message": "Missing required parameter: 'prompt'.", "code": "missing_required_parameter"]])
        }
        let model = body["model"] as? String ?? "sora-2"
        let seconds = body["seconds"] as? String ?? "4"
        let size = body["size"] as? String ?? "720x1280"
        let id: String = lock.withLock {
            jobStarted()
            let id = "video_\(jobs.count + 1)"
            jobs[id] = (model, seconds, size, 0, false)
            return id
        }
        return Self.delayed(.json(200, video(id, model: model, seconds: seconds, size: size, status: "queued", progress: 0)), fault)
    }

    private func status(_ id: String) -> FakeReply {
        let fault = nextFault("status")
        if let reply = Self.replacement(fault) { return reply }
        let answer: FakeReply = lock.withLock {
            guard var job = jobs[id] else {
                return .json(404, ["error": ["message": "Video with id '\(id)' not found.", "code": "video_not_found"]])
            }
            let step = _steps[min(job.polls, _steps.count - 1)]
            job.polls += 1
            var object: [String: Any]
            switch step {
            case .queued: object = video(id, model: job.model, seconds: job.seconds, size: job.size, status: "queued", progress: 0)
            case .running(let percent):
                object = video(id, model: job.model, seconds: job.seconds, size: job.size, status: "in_progress", progress: percent)
            case .done:
                if !job.finished { job.finished = true; jobFinished() }
                if let failure = _failure {
                    object = video(id, model: job.model, seconds: job.seconds, size: job.size, status: "failed", progress: 0)
                    object["error"] = ["code": failure.code, "message": failure.message]
                } else {
                    object = video(id, model: job.model, seconds: job.seconds, size: job.size, status: "completed", progress: 100)
                }
            }
            jobs[id] = job
            let headers = _pollAfterMs.map { ["openai-poll-after-ms": String($0)] } ?? [:]
            return .json(200, object, headers: headers)
        }
        return Self.delayed(answer, fault)
    }

    private func content(_ id: String) -> FakeReply {
        let fault = nextFault("content")
        if let reply = Self.replacement(fault) { return reply }
        if case .redirect(let location)? = fault { return FakeReply(status: 302, headers: ["Location": location]) }
        let ready = lock.withLock { jobs[id]?.finished == true && _failure == nil }
        guard ready else {
            return .json(404, ["error": ["message": "Video is not ready or does not exist.", "code": "video_not_ready"]])
        }
        var reply = FakeReply(status: 200, headers: ["Content-Type": "video/mp4"], body: clip)
        if case .cutShort? = fault { reply.sendOnly = clip.count / 2 }
        return Self.delayed(reply, fault)
    }

    private func video(_ id: String, model: String, seconds: String, size: String, status: String, progress: Int) -> [String: Any] {
        ["id": id, "object": "video", "model": model, "status": status, "progress": progress, "seconds": seconds,
         "size": size, "created_at": 1_763_000_000]
    }
}

// MARK: - Runway developer API

/// Runway's API: `POST /v1/text_to_video`, `GET /v1/tasks/{id}`; outputs on a separate CDN server.
/// Endpoints for `inject`: "create", "status"; the CDN's is "get" (`cdn.inject`).
final class FakeRunwayServer: FakeAPI, @unchecked Sendable {
    enum Step: Sendable {
        case pending, throttled, running(Double), done
        /// A status the API does not define (a hostile server's).
        case custom(String)
    }
    enum Outcome: Sendable { case succeed, fail(code: String, message: String), cancel }

    let key: String
    let cdn: FakeCDN
    private var server: LoopbackHTTPServer?
    private var tasks: [String: (polls: Int, finished: Bool)] = [:]
    private var _steps: [Step] = [.pending, .throttled, .running(0.5), .done]
    private var _outcome = Outcome.succeed
    private var _outputHost = "127.0.0.1"
    private var _idSuffix = ""

    init(key: String) throws {
        self.key = key
        cdn = try FakeCDN(clip: try fixtureClip())
        super.init()
        server = try LoopbackHTTPServer { [weak self] request in self?.handle(request) ?? FakeReply(status: 503) }
    }

    /// `RUNWAYML_BASE_URL` for this server.
    var baseURL: String { "http://127.0.0.1:\(server!.port)" }

    var steps: [Step] { get { lock.withLock { _steps } } set { lock.withLock { _steps = newValue } } }
    var outcome: Outcome { get { lock.withLock { _outcome } } set { lock.withLock { _outcome = newValue } } }
    /// The host named in output URLs (the CDN listens on 127.0.0.1; "localhost" makes it a foreign host).
    var outputHost: String { get { lock.withLock { _outputHost } } set { lock.withLock { _outputHost = newValue } } }
    /// Appended to every task id the server creates (a hostile server echoes the key there).
    var idSuffix: String { get { lock.withLock { _idSuffix } } set { lock.withLock { _idSuffix = newValue } } }

    private func handle(_ request: RecordedRequest) -> FakeReply {
        record(request)
        guard request.header("authorization") == "Bearer \(key)" else {
            return .json(401, ["error": "Invalid API key. Received \(request.header("authorization") ?? "nothing")"])
        }
        guard request.header("x-runway-version") == "2024-11-06" else {
            return .json(400, ["error": "The X-Runway-Version header is missing or invalid."])
        }
        let parts = request.path.split(separator: "/").map(String.init)
        if request.method == "POST", parts == ["v1", "text_to_video"] { return create(request) }
        if request.method == "POST", parts == ["v1", "image_to_video"] { return create(request, fromImage: true) }
        if request.method == "GET", parts.count == 3, parts[0] == "v1", parts[1] == "tasks" { return status(parts[2]) }
        return .json(404, ["error": "Not found"])
    }

    /// Image to video (as the SDK's `image_to_video_create_params.py` states it): a `promptImage` URL or data
    /// URI and the Gen-4 ratios, square among them; text to video: `promptText` and the two 720p ratios.
    private func create(_ request: RecordedRequest, fromImage: Bool = false) -> FakeReply {
        let fault = nextFault("create")
        if let reply = Self.replacement(fault) { return reply }
        let ratios = fromImage ? ["1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"] : ["1280:720", "720:1280"]
        guard let body = request.json, let prompt = body["promptText"] as? String, !prompt.isEmpty,
              prompt.utf16.count <= 1000, body["duration"] is Int, let ratio = body["ratio"] as? String,
              ratios.contains(ratio),
              !fromImage || ((body["promptImage"] as? String)?.hasPrefix("data:image/") ?? false) else {
            return .json(400, ["error": "Validation of body failed", "issues": []])
        }
        let id: String = lock.withLock {
            jobStarted()
            let id = "1f2e3d4c-0000-4000-8000-\(String(format: "%012d", tasks.count + 1))" + _idSuffix
            tasks[id] = (0, false)
            return id
        }
        return Self.delayed(.json(200, ["id": id]), fault)
    }

    private func status(_ id: String) -> FakeReply {
        let fault = nextFault("status")
        if let reply = Self.replacement(fault) { return reply }
        let answer: FakeReply = lock.withLock {
            guard var task = tasks[id] else { return .json(404, ["error": "Task not found"]) }
            let step = _steps[min(task.polls, _steps.count - 1)]
            task.polls += 1
            var object: [String: Any] = ["id": id, "createdAt": "2026-11-25T10:00:00.000Z"]
            switch step {
            case .pending: object["status"] = "PENDING"
            case .throttled: object["status"] = "THROTTLED"
            case .running(let progress): object["status"] = "RUNNING"; object["progress"] = progress
            case .custom(let status): object["status"] = status
            case .done:
                if !task.finished { task.finished = true; jobFinished() }
                switch _outcome {
                case .succeed:
                    object["status"] = "SUCCEEDED"
                    object["output"] = ["http://\(_outputHost):\(cdn.port)/outputs/\(id).mp4?_jwt=signed-token"]
                case .fail(let code, let message):
                    object["status"] = "FAILED"; object["failure"] = message; object["failureCode"] = code
                case .cancel:
                    object["status"] = "CANCELLED"
                }
            }
            tasks[id] = task
            return .json(200, object)
        }
        return Self.delayed(answer, fault)
    }
}
