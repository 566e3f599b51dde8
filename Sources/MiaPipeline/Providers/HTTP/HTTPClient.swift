import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// The one HTTP layer the provider adapters share: Foundation's URLSession (libcurl on Linux), driven
// through a session delegate so bodies stream, redirects are vetted and every request has a timeout.
//
// Why URLSession and not AsyncHTTPClient: no extra dependency, and on Linux with Swift 6.3 it does what
// is needed — async requests, streaming to disk with flat memory, an error on a body cut short. Two
// swift-corelibs-foundation behaviours are worked around here, both checked on this platform:
// - timeouts are truncated to whole seconds (0.5 s times out at once) and `timeoutIntervalForResource`
//   is ignored, so each request gets its own watchdog (a total deadline and an idle limit) that cancels
//   the task; URLSession's own timeout is only a backstop;
// - `Authorization` is forwarded on a redirect to another host, so redirects go through
//   `willPerformHTTPRedirection`, which drops the header unless the target is the API's own origin.
//
// Retries and their limits: `HTTPClient+Retry.swift`. Bodies in flight: `Transfer` and `SessionDelegate`.

/// The HTTP client of one provider: its base URL, its key, its fixed headers.
final class HTTPClient: @unchecked Sendable {
    // @unchecked: every stored property is immutable; URLSession is documented thread-safe and the
    // delegate guards its own state with a lock.
    let provider: ProviderID
    let baseURL: URL
    let settings: HTTPSettings
    private let key: APIKey
    private let fixedHeaders: [String: String]
    let log: any EventSink
    private let session: URLSession
    private let delegate: SessionDelegate

    /// - Parameters:
    ///   - baseURL: the API root (`https://api.openai.com/v1`); its origin is the only one that gets the key.
    ///   - headers: sent with every request to the API's origin (e.g. `X-Runway-Version`).
    init(provider: ProviderID, baseURL: URL, key: APIKey, headers: [String: String] = [:],
         settings: HTTPSettings, log: any EventSink) {
        self.provider = provider
        self.baseURL = baseURL
        self.key = key
        self.fixedHeaders = headers
        self.settings = settings
        self.log = log
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        delegate = SessionDelegate()
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    /// `path` under the base URL, each segment given percent-encoded (job ids come from the server).
    func url(_ segments: String...) -> URL {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        let tail = segments.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }.joined(separator: "/")
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return URL(string: base + "/" + tail)!
    }

    /// Removes the key (and lookalikes) from a message meant for a log or an error.
    func redact(_ text: String) -> String { key.redact(text) }

    /// A job id from a create answer, checked before it is recorded, logged or polled.
    ///
    /// Answers reach the adapters already redacted, so an id that held the key now holds the marker. Such a
    /// job is refused, not kept: stored as it came, the id would put the key in the job store, the logs and
    /// every status URL; stored redacted, it could never be polled. A server that echoes the key into an
    /// id is broken or hostile, and the refusal is final (a malformed answer: exit 65, or the Template
    /// fallback), so no retry pays for a second job there.
    /// - Throws: `ProviderError.malformedResponse` for an empty id, one with the key, or one no API would send.
    func checkedJobID(_ id: String, label: String) throws -> String {
        guard !id.isEmpty else { throw ProviderError.malformedResponse(message: "\(label): the answer has an empty id") }
        if id.contains(APIKey.marker) {
            throw ProviderError.malformedResponse(message: "\(label): the job id in the answer contains the API key; "
                                                  + "refusing a job that could only be recorded or polled by writing the key out")
        }
        guard id.count <= 256, !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ProviderError.malformedResponse(message: "\(label): the answer's job id is not a usable id (\(id.count) characters)")
        }
        return id
    }

    // MARK: - API requests

    /// Sends one API request, retrying as the policy and `mode` allow.
    /// - Returns: the first answer that is not retried: a 2xx, or a final 3xx/4xx for the caller to map.
    /// - Throws: `ProviderError.unavailable` (still failing after the retries, asked to wait too long, or
    ///   a create whose outcome is unknown), `.malformedResponse` (an answer over the size limit),
    ///   `CancellationError`.
    func send(_ method: String, _ url: URL, json: Data? = nil, mode: RetryMode) async throws -> HTTPResponse {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let json {
            request.httpBody = json
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let label = self.label(method, url)
        return try await withRetries(label: label, mode: mode, download: false) {
            try await self.perform(request, sink: .memory(limit: self.settings.maxResponseBytes),
                                   total: self.settings.requestTimeout, idle: self.settings.requestTimeout)
        }
    }

    /// Sends `body` as JSON, encoded the same way for every provider (sorted keys, `/` unescaped: the
    /// bytes sent are stable, so a test or a log can compare them).
    /// - Throws: as `send(_:_:json:mode:)`, and `EncodingError` when `body` cannot be encoded.
    func send(_ method: String, _ url: URL, body: some Encodable, mode: RetryMode) async throws -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try await send(method, url, json: try encoder.encode(body), mode: mode)
    }

    // MARK: - Downloads

    /// Streams `url` into the file `destination`, replacing it. On any failure no file is left there.
    /// - Parameters:
    ///   - authorized: send the key (only ever to the API's own origin, redirects included).
    ///   - accept: the `Accept` header.
    /// - Returns: the number of bytes written.
    /// - Throws: `ProviderError.download` (not https and not the API host, over the size limit, cut short,
    ///   an error status, a refused redirect, a timeout), `CancellationError`.
    @discardableResult
    func download(from url: URL, to destination: String, authorized: Bool, accept: String? = nil) async throws -> Int64 {
        if let refusal = downloadRefusal(url) { throw ProviderError.downloadRefused(message: refusal) }
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        let label = self.label("GET", url)
        let maxBytes = settings.maxDownloadBytes
        do {
            let response = try await withRetries(label: label, mode: .idempotent, download: true) {
                // A fresh file for each attempt: a retried download never appends to a partial one.
                guard FileManager.default.createFile(atPath: destination, contents: nil) else {
                    throw ProviderError.download(message: "cannot create \(destination)")
                }
                let handle: FileHandle
                do { handle = try FileHandle(forWritingTo: URL(fileURLWithPath: destination)) } catch {
                    throw ProviderError.download(message: "cannot write \(destination): \(error.localizedDescription)")
                }
                defer { try? handle.close() }
                return try await self.perform(request, sink: .file(handle, limit: maxBytes), authorized: authorized,
                                              total: self.settings.downloadTimeout, idle: self.settings.downloadIdleTimeout)
            }
            guard response.isSuccess else {
                throw ProviderError.download(message: "\(label) answered HTTP \(response.status)"
                                             + (APIErrorBody.summary(response.body).map { ": \(redact($0))" } ?? ""))
            }
            guard response.received > 0 else { throw ProviderError.download(message: "\(label) sent an empty file") }
            return response.received
        } catch {
            unlink(destination)
            if let providerError = error as? ProviderError {
                switch providerError {
                case .download, .downloadRefused: throw providerError
                default: throw ProviderError.download(message: providerError.message)
                }
            }
            throw error
        }
    }

    /// Why a download location is refused: only https, or the API's own host (so a loopback gateway or
    /// test server works), and never with credentials in the URL.
    func downloadRefusal(_ url: URL) -> String? {
        let scheme = url.scheme?.lowercased() ?? ""
        guard let host = url.host, !host.isEmpty else { return "refusing a download URL without a host" }
        if url.user != nil || url.password != nil { return "refusing a download URL with credentials in it" }
        if scheme == "https" { return nil }
        if scheme == "http", host.lowercased() == baseURL.host?.lowercased() { return nil }
        return "refusing to download from \(scheme)://\(host): only https or the API host \(baseURL.host ?? "") is allowed"
    }


    // MARK: - One request

    /// Sends one request and collects its answer. Times out on `total` seconds overall or `idle` seconds
    /// without a byte.
    func perform(_ base: URLRequest, sink: Sink, authorized: Bool = true, total: Double, idle: Double) async throws -> HTTPResponse {
        var request = base
        let sameOrigin = Self.sameOrigin(request.url!, baseURL)
        if sameOrigin {
            for (name, value) in fixedHeaders { request.setValue(value, forHTTPHeaderField: name) }
            if authorized { request.setValue(key.authorization, forHTTPHeaderField: "Authorization") }
        }
        request.setValue("mia-stitch", forHTTPHeaderField: "User-Agent")
        // URLSession's own timeout only backs ours up: on Linux it counts whole seconds.
        request.timeoutInterval = max(idle, 1).rounded(.up) + 1

        let baseURL = self.baseURL
        let state = Transfer(sink: sink, redirect: { [weak self] request in
            guard let self, let target = request.url else { return .refuse("no target") }
            if let refusal = self.downloadRefusal(target) { return .refuse(refusal) }
            var next = request
            // The key stays with the API's origin; URLSession on Linux would forward it.
            if !Self.sameOrigin(target, baseURL) {
                next.setValue(nil, forHTTPHeaderField: "Authorization")
                for name in self.fixedHeaders.keys { next.setValue(nil, forHTTPHeaderField: name) }
            }
            return .follow(next)
        })
        let task = session.dataTask(with: request)
        let fileLimit = state.fileLimit
        let watchdog = Task { [weak task] in
            let clock = ContinuousClock()
            let start = clock.now
            while !Task.isCancelled {
                let idleEnd = state.lastActivity + ExternalNumber.duration(seconds: idle)
                let totalEnd = start + ExternalNumber.duration(seconds: total)
                // A download is also watched for size: URLSession hands bytes to the delegate through a queue
                // that falls far behind a fast sender (gigabytes), but counts them as they arrive.
                let wake = fileLimit == nil ? min(idleEnd, totalEnd) : min(idleEnd, totalEnd, clock.now + Self.sizeCheckInterval)
                try? await Task.sleep(until: wake, clock: clock)
                if Task.isCancelled { return }
                if let limit = fileLimit, let task, Self.bytesArrived(task) > limit {
                    state.fail(.tooLarge(limit: limit, declared: nil)); task.cancel(); state.complete(nil); return
                }
                let now = clock.now
                if now >= totalEnd {
                    state.fail(.timedOut(total)); task?.cancel(); return
                }
                if now >= state.lastActivity + ExternalNumber.duration(seconds: idle) {
                    state.fail(.timedOut(idle)); task?.cancel(); return
                }
            }
        }
        defer { watchdog.cancel() }
        let response = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                state.continuation = continuation
                if Task.isCancelled {
                    // A task cancelled before it starts may never report back: answer here instead.
                    state.complete(CancellationError())
                    return
                }
                delegate.register(task, state)
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
        // Server text enters here and only here: without the key from this point on.
        return response.redacted(by: key)
    }

    // MARK: - Helpers

    /// How often a download's size is checked while it streams: a few megabytes at loopback speed.
    static let sizeCheckInterval = Duration.milliseconds(5)

    /// Body bytes URLSession has taken from the network so far, ahead of the delegate's callbacks.
    static func bytesArrived(_ task: URLSessionTask) -> Int64 {
        max(task.countOfBytesReceived, task.progress.completedUnitCount)
    }

    /// "POST /v1/videos" for the API; "GET host" elsewhere (a CDN URL's path and query may hold tokens).
    private func label(_ method: String, _ url: URL) -> String {
        Self.sameOrigin(url, baseURL) ? "\(method) \(url.path)" : "\(method) \(url.host ?? "?")"
    }

    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func port(_ url: URL) -> Int { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && port(a) == port(b)
    }
}
