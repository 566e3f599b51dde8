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
// Retry practice follows the official SDKs (openai-python `_base_client.py`, the Stainless-generated
// runwayml SDKs): retry connection errors, 408, 409, 429 and 5xx, twice by default, backing off from
// 0.5 s doubling to 8 s less up to 25 % jitter; a server's wait comes from `retry-after-ms`, then
// `Retry-After` as seconds, then as an HTTP date. Where the SDKs ignore a wait that is too long, this
// client gives up instead (`ProviderError.unavailable`): a render should fall back, not stall.
//
// Creates are different. None of these APIs takes an idempotency key, so a create sent twice may start,
// and bill, two jobs. A create (`RetryMode.create`) is retried only on an answer that proves no job was
// made: 429, a 5xx answer, or a connection that was never opened (refused, host not found). A timeout,
// a connection dropped after the request went out, a 408 or a 409 are not retried for a create.

/// An API key. It goes into the `Authorization` header and nowhere else: it prints as `<redacted>`.
struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    fileprivate let value: String

    /// Surrounding whitespace is dropped (a key read with `$(cat file)` often ends in a newline).
    init(_ value: String) { self.value = value.trimmingCharacters(in: .whitespacesAndNewlines) }

    var isEmpty: Bool { value.isEmpty }
    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: []) }

    /// `text` without the key, and without a token that starts like it (servers echo masked keys such
    /// as "sk-proj-****abcd").
    func redact(_ text: String) -> String {
        guard !value.isEmpty else { return text }
        var result = text.replacingOccurrences(of: value, with: "[redacted]")
        if value.count >= 12 {
            let prefix = String(value.prefix(8))
            if result.contains(prefix) {
                result = result.split(separator: " ", omittingEmptySubsequences: false)
                    .map { $0.contains(prefix) ? "[redacted]" : String($0) }
                    .joined(separator: " ")
            }
        }
        return result
    }
}

/// How a provider client retries failed requests.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt.
    public var maxRetries: Int
    /// The first backoff, in seconds; it doubles on each retry.
    public var initialDelay: Double
    /// The longest backoff, in seconds.
    public var maxDelay: Double
    /// Up to this fraction is taken off each backoff at random (0.25: 75–100 % of it).
    public var jitter: Double
    /// The longest wait a server may ask for (`Retry-After`); asked for more, the client gives up.
    public var maxRetryAfter: Double

    public init(maxRetries: Int = 2, initialDelay: Double = 0.5, maxDelay: Double = 8, jitter: Double = 0.25,
                maxRetryAfter: Double = 60) {
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// OpenAI's client waits for at most 120 s.
    public static let openAI = RetryPolicy(maxRetryAfter: 120)
    /// Runway's client waits for at most 60 s.
    public static let runway = RetryPolicy(maxRetryAfter: 60)

    /// The wait before retry number `retry` (0 for the first): 0.5, 1, 2, 4, 8, 8 … seconds, less jitter.
    /// - Parameter random: a number in 0..<1 (injectable for tests).
    public func backoff(retry: Int, random: Double = Double.random(in: 0..<1)) -> Double {
        let base = min(initialDelay * pow(2, Double(max(0, retry))), maxDelay)
        return max(0, base * (1 - jitter * random))
    }
}

/// Timeouts, limits and retries of a provider's HTTP client. The defaults suit the real APIs; tests
/// shorten them.
public struct HTTPSettings: Sendable, Equatable {
    /// The longest an API request (send and answer) may take, in seconds.
    public var requestTimeout: Double
    /// A download fails when no byte arrives for this long, in seconds.
    public var downloadIdleTimeout: Double
    /// The longest a whole download may take, in seconds.
    public var downloadTimeout: Double
    /// Downloads larger than this fail (and leave no file).
    public var maxDownloadBytes: Int64
    /// JSON answers larger than this are refused.
    public var maxResponseBytes: Int
    public var retry: RetryPolicy

    public init(requestTimeout: Double = 60, downloadIdleTimeout: Double = 60, downloadTimeout: Double = 1800,
                maxDownloadBytes: Int64 = 2_000_000_000, maxResponseBytes: Int = 4 << 20, retry: RetryPolicy = RetryPolicy()) {
        self.requestTimeout = requestTimeout
        self.downloadIdleTimeout = downloadIdleTimeout
        self.downloadTimeout = downloadTimeout
        self.maxDownloadBytes = maxDownloadBytes
        self.maxResponseBytes = maxResponseBytes
        self.retry = retry
    }
}

/// An HTTP answer. Header names are lowercased.
struct HTTPResponse: Sendable {
    let status: Int
    let headers: [String: String]
    /// The body of an API answer (or of a download's error answer); empty for a download streamed to disk.
    let body: Data
    /// Bytes received (for a download, what went to the file).
    let received: Int64

    func header(_ name: String) -> String? { headers[name.lowercased()] }
    var isSuccess: Bool { (200..<300).contains(status) }
}

/// Whether a request may be sent again after a failure that leaves its effect unknown.
enum RetryMode: Sendable {
    /// A read (GET): safe to repeat.
    case idempotent
    /// A create (POST): repeated only on proof that no job was made.
    case create
}

/// The HTTP client of one provider: its base URL, its key, its fixed headers.
final class HTTPClient: @unchecked Sendable {
    // @unchecked: every stored property is immutable; URLSession is documented thread-safe and the
    // delegate guards its own state with a lock.
    let provider: ProviderID
    let baseURL: URL
    let settings: HTTPSettings
    private let key: APIKey
    private let fixedHeaders: [String: String]
    private let log: any EventSink
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

    /// Parses and checks a base URL from the environment.
    /// - Throws: `MiaError` when it is not an absolute http(s) URL with a host. The message names the
    ///   variable, not the value.
    static func baseURL(_ string: String, variable: String) throws -> URL {
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let url = URL(string: trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed),
              let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty, url.query == nil, url.user == nil, url.password == nil else {
            throw MiaError("\(variable) is not an http(s) URL of the form https://host/path")
        }
        return url
    }

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
        if let refusal = downloadRefusal(url) { throw ProviderError.download(message: refusal) }
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
                                             + (Self.errorSummary(response.body).map { ": \(redact($0))" } ?? ""))
            }
            guard response.received > 0 else { throw ProviderError.download(message: "\(label) sent an empty file") }
            return response.received
        } catch {
            unlink(destination)
            if let providerError = error as? ProviderError {
                switch providerError {
                case .download: throw providerError
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

    // MARK: - Retry loop

    /// Runs `attempt` until it gives an answer that is not retried, sleeping between attempts.
    /// - Parameter download: failures are reported as `ProviderError.download`.
    private func withRetries(label: String, mode: RetryMode, download: Bool,
                             attempt: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        func final(_ error: ProviderError) -> ProviderError {
            if download, case .download = error { return error }
            return download ? .download(message: error.message) : error
        }
        let policy = settings.retry
        var retry = 0
        while true {
            try Task.checkCancellation()
            let verdict: Verdict
            do {
                verdict = classify(try await attempt(), label: label, mode: mode)
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as ProviderError {
                throw error
            } catch {
                verdict = classify(error, label: label, mode: mode, download: download)
            }
            switch verdict {
            case .answer(let response):
                return response
            case .fail(let error):
                throw final(error)
            case .retry(let reason, let serverWait, let lastError):
                guard retry < policy.maxRetries else { throw final(lastError) }
                let wait = serverWait ?? policy.backoff(retry: retry)
                log.emit(MiaEvent("MIA:PROVIDER:RETRY", [
                    ("provider", .string(provider.rawValue)), ("request", .string(label)),
                    ("reason", .string(redact(reason))), ("retry", .int(Int64(retry + 1))), ("wait", .seconds(wait)),
                ]))
                retry += 1
                try await Task.sleep(for: .seconds(wait))
            }
        }
    }

    private enum Verdict {
        case answer(HTTPResponse)
        case retry(reason: String, serverWait: Double?, lastError: ProviderError)
        case fail(ProviderError)
    }

    private func classify(_ response: HTTPResponse, label: String, mode: RetryMode) -> Verdict {
        let status = response.status
        let detail = Self.errorSummary(response.body).map { ": \(redact($0))" } ?? ""
        switch status {
        case 429, 500...599:
            let what = status == 429 ? "rate limited (HTTP 429)" : "HTTP \(status)"
            let wait = Self.retryAfter(response.headers)
            if let wait, wait > settings.retry.maxRetryAfter {
                return .fail(.unavailable(message: "\(label): \(what); the server asked to wait \(Int(wait.rounded())) s, "
                                          + "more than the \(Int(settings.retry.maxRetryAfter)) s limit"))
            }
            return .retry(reason: what, serverWait: wait.flatMap { $0 > 0 ? $0 : nil },
                          lastError: .unavailable(message: "\(label): \(what)\(detail)"))
        case 408, 409:
            guard mode == .idempotent else { return .answer(response) }
            return .retry(reason: "HTTP \(status)", serverWait: nil,
                          lastError: .unavailable(message: "\(label): HTTP \(status)\(detail)"))
        default:
            return .answer(response)
        }
    }

    private func classify(_ error: any Error, label: String, mode: RetryMode, download: Bool) -> Verdict {
        if let failure = error as? TransferFailure {
            switch failure {
            case .timedOut(let seconds):
                let what = "no answer within \(Self.seconds(seconds))"
                if mode == .create {
                    return .fail(.unavailable(message: "\(label): \(what); not sent again, because the job may have been created"))
                }
                return .retry(reason: "timed out", serverWait: nil, lastError: .unavailable(message: "\(label): \(what)"))
            case .tooLarge(let limit):
                let message = "\(label): larger than the limit of \(limit) bytes"
                return .fail(download ? .download(message: message) : .malformedResponse(message: message))
            case .cutShort(let received, let expected):
                let message = "\(label): cut short after \(received) of \(expected) bytes"
                if mode == .create {
                    return .fail(.unavailable(message: "\(message); not sent again, because the job may have been created"))
                }
                return .retry(reason: "cut short", serverWait: nil,
                              lastError: download ? .download(message: message) : .unavailable(message: message))
            case .redirectRefused(let why):
                let message = "\(label): redirect refused: \(why)"
                return .fail(download ? .download(message: message) : .rejected(status: 300, message: message))
            case .writeFailed(let why):
                return .fail(.download(message: "\(label): \(why)"))
            }
        }
        let urlError = error as? URLError
        let reason = urlError.map(Self.describe) ?? redact(String(describing: error))
        let neverConnected: Set<URLError.Code> = [.cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet]
        if let code = urlError?.code, [.badURL, .unsupportedURL].contains(code) {
            return .fail(.unavailable(message: "\(label): \(reason)"))
        }
        if mode == .create, !(urlError.map { neverConnected.contains($0.code) } ?? false) {
            return .fail(.unavailable(message: "\(label): \(reason); not sent again, because the job may have been created"))
        }
        return .retry(reason: reason, serverWait: nil, lastError: .unavailable(message: "\(label): \(reason)"))
    }

    // MARK: - One request

    /// Sends one request and collects its answer. Times out on `total` seconds overall or `idle` seconds
    /// without a byte.
    private func perform(_ base: URLRequest, sink: Sink, authorized: Bool = true, total: Double, idle: Double) async throws -> HTTPResponse {
        var request = base
        let sameOrigin = Self.sameOrigin(request.url!, baseURL)
        if sameOrigin {
            for (name, value) in fixedHeaders { request.setValue(value, forHTTPHeaderField: name) }
            if authorized { request.setValue("Bearer \(key.value)", forHTTPHeaderField: "Authorization") }
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
        let watchdog = Task { [weak task] in
            let clock = ContinuousClock()
            let start = clock.now
            while !Task.isCancelled {
                let idleEnd = state.lastActivity + .seconds(idle)
                let totalEnd = start + .seconds(total)
                try? await Task.sleep(until: min(idleEnd, totalEnd), clock: clock)
                if Task.isCancelled { return }
                let now = clock.now
                if now >= totalEnd {
                    state.fail(.timedOut(total)); task?.cancel(); return
                }
                if now >= state.lastActivity + .seconds(idle) {
                    state.fail(.timedOut(idle)); task?.cancel(); return
                }
            }
        }
        defer { watchdog.cancel() }
        return try await withTaskCancellationHandler {
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
    }

    // MARK: - Helpers

    /// "POST /v1/videos" for the API; "GET host" elsewhere (a CDN URL's path and query may hold tokens).
    private func label(_ method: String, _ url: URL) -> String {
        Self.sameOrigin(url, baseURL) ? "\(method) \(url.path)" : "\(method) \(url.host ?? "?")"
    }

    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func port(_ url: URL) -> Int { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && port(a) == port(b)
    }

    /// The wait a server asks for: `retry-after-ms`, then `Retry-After` as seconds, then as an HTTP date.
    /// - Parameter now: the current time (injectable for tests).
    static func retryAfter(_ headers: [String: String], now: Date = Date()) -> Double? {
        if let ms = headers["retry-after-ms"].flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }), ms.isFinite {
            return ms / 1000
        }
        guard let value = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return date.timeIntervalSince(now) }
        }
        return nil
    }

    /// The human part of an error body: OpenAI's `{"error": {"message", "code"}}`, Runway's
    /// `{"error": "…"}`, a top-level `message`, or the start of a text body. One line, at most 300 characters.
    static func errorSummary(_ body: Data) -> String? {
        guard !body.isEmpty else { return nil }
        var text: String?
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] {
            if let error = object["error"] as? [String: Any] {
                let message = error["message"] as? String
                let code = error["code"] as? String
                text = [code.map { "[\($0)]" }, message].compactMap { $0 }.joined(separator: " ")
            } else if let error = object["error"] as? String {
                text = error
            } else if let message = object["message"] as? String {
                text = message
            }
        }
        if text == nil || text!.isEmpty { text = String(decoding: body.prefix(300), as: UTF8.self) }
        let line = text!.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
            .trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return nil }
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }

    static func describe(_ error: URLError) -> String {
        switch error.code {
        case .cannotConnectToHost: "connection refused"
        case .cannotFindHost, .dnsLookupFailed: "host not found"
        case .notConnectedToInternet: "no network"
        case .timedOut: "timed out"
        case .networkConnectionLost: "connection lost"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot: "TLS failed"
        case .badServerResponse: "bad server response"
        case .cancelled: "cancelled"
        default: "network error \(error.code.rawValue)"
        }
    }

    static func seconds(_ value: Double) -> String {
        value >= 10 ? "\(Int(value.rounded())) s" : String(format: "%.1f s", value)
    }
}

// MARK: - Transfers

/// Where a body goes.
enum Sink {
    /// Kept in memory, up to `limit` bytes.
    case memory(limit: Int)
    /// Written to a file, up to `limit` bytes (an error answer is kept in memory instead).
    case file(FileHandle, limit: Int64)
}

/// Failures found by the client itself rather than by the network.
enum TransferFailure: Error {
    case timedOut(Double)
    case tooLarge(Int64)
    case cutShort(received: Int64, expected: Int64)
    case redirectRefused(String)
    case writeFailed(String)
}

/// The state of one request while URLSession runs it.
final class Transfer: @unchecked Sendable {
    // @unchecked: every mutable field is read and written under `lock` (delegate callbacks arrive on the
    // session's queue, the watchdog and cancellation on other threads).
    private let lock = NSLock()
    private var sink: Sink
    private var response: HTTPURLResponse?
    private var body = Data()
    private var received: Int64 = 0
    private var failure: TransferFailure?
    private var lastByte = ContinuousClock.now
    private var pending: CheckedContinuation<HTTPResponse, any Error>?
    let redirect: @Sendable (URLRequest) -> RedirectDecision

    enum RedirectDecision {
        case follow(URLRequest)
        case refuse(String)
    }

    init(sink: Sink, redirect: @escaping @Sendable (URLRequest) -> RedirectDecision) {
        self.sink = sink
        self.redirect = redirect
    }

    var continuation: CheckedContinuation<HTTPResponse, any Error>? {
        get { lock.withLock { pending } }
        set { lock.withLock { pending = newValue } }
    }

    var lastActivity: ContinuousClock.Instant { lock.withLock { lastByte } }

    /// Records the first failure; later ones (the cancellation it causes) do not replace it.
    func fail(_ reason: TransferFailure) { lock.withLock { if failure == nil { failure = reason } } }

    /// `false` when the answer should be cancelled (declared larger than the limit).
    func received(_ answer: HTTPURLResponse) -> Bool {
        lock.withLock {
            response = answer
            lastByte = .now
            if case .file(_, let limit) = sink {
                if !(200..<300).contains(answer.statusCode) {
                    sink = .memory(limit: 64 << 10)
                } else if answer.expectedContentLength > limit {
                    failure = failure ?? .tooLarge(limit)
                    return false
                }
            }
            return true
        }
    }

    /// `false` when the transfer should be cancelled (over the limit, or the file cannot be written).
    func received(_ data: Data) -> Bool {
        lock.withLock {
            lastByte = .now
            received += Int64(data.count)
            switch sink {
            case .memory(let limit):
                if received > Int64(limit) { failure = failure ?? .tooLarge(Int64(limit)); return false }
                body.append(data)
            case .file(let handle, let limit):
                if received > limit { failure = failure ?? .tooLarge(limit); return false }
                do { try handle.write(contentsOf: data) } catch {
                    failure = failure ?? .writeFailed("cannot write the file: \(error.localizedDescription)")
                    return false
                }
            }
            return true
        }
    }

    /// Resumes the waiting request, once.
    func complete(_ error: (any Error)?) {
        let (continuation, result): (CheckedContinuation<HTTPResponse, any Error>?, Result<HTTPResponse, any Error>) = lock.withLock {
            let continuation = pending
            pending = nil
            if let failure { return (continuation, .failure(failure)) }
            let expected = response?.expectedContentLength ?? -1
            let encoded = (response?.value(forHTTPHeaderField: "Content-Encoding")).map { !$0.isEmpty && $0.lowercased() != "identity" } ?? false
            if let error {
                if error is CancellationError { return (continuation, .failure(error)) }
                if expected > 0, received < expected, (error as? URLError)?.code != .cancelled {
                    return (continuation, .failure(TransferFailure.cutShort(received: received, expected: expected)))
                }
                if (error as? URLError)?.code == .cancelled { return (continuation, .failure(CancellationError())) }
                return (continuation, .failure(error))
            }
            guard let response else { return (continuation, .failure(URLError(.badServerResponse))) }
            if expected >= 0, !encoded, received != expected {
                return (continuation, .failure(TransferFailure.cutShort(received: received, expected: expected)))
            }
            var headers: [String: String] = [:]
            for (name, value) in response.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
            }
            let isFile: Bool = if case .file = sink { true } else { false }
            return (continuation, .success(HTTPResponse(status: response.statusCode, headers: headers,
                                                        body: isFile ? Data() : body, received: received)))
        }
        continuation?.resume(with: result)
    }
}

/// Routes URLSession's callbacks to the transfer they belong to.
final class SessionDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: `transfers` is only touched under `lock`.
    private let lock = NSLock()
    private var transfers: [Int: Transfer] = [:]

    func register(_ task: URLSessionTask, _ transfer: Transfer) {
        lock.withLock { transfers[task.taskIdentifier] = transfer }
    }

    private func transfer(_ task: URLSessionTask, remove: Bool = false) -> Transfer? {
        lock.withLock { remove ? transfers.removeValue(forKey: task.taskIdentifier) : transfers[task.taskIdentifier] }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let transfer = transfer(dataTask), let http = response as? HTTPURLResponse else {
            completionHandler(.cancel)
            return
        }
        completionHandler(transfer.received(http) ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let transfer = transfer(dataTask) else { return }
        if !transfer.received(data) { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        guard let transfer = transfer(task) else { completionHandler(nil); return }
        switch transfer.redirect(request) {
        case .follow(let next):
            completionHandler(next)
        case .refuse(let reason):
            transfer.fail(.redirectRefused(reason))
            completionHandler(nil)
            task.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        transfer(task, remove: true)?.complete(error)
    }
}

// MARK: - Polling

/// How long to wait between status polls when the provider gives no hint.
public struct PollSchedule: Sendable, Equatable {
    /// The first wait, in seconds.
    public var initial: Double
    /// Each wait is the previous one times this (1: a steady rate).
    public var factor: Double
    /// The longest wait, in seconds.
    public var maximum: Double
    /// Up to this many seconds are added or taken at random.
    public var jitter: Double

    public init(initial: Double, factor: Double = 1, maximum: Double, jitter: Double = 0) {
        self.initial = initial
        self.factor = factor
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The wait after `attempt` polls (0 before the first).
    /// - Parameter random: a number in 0..<1 (injectable for tests).
    public func interval(after attempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        let base = min(initial * pow(factor, Double(max(0, attempt))), maximum)
        let seconds = max(0.001, base + jitter * (2 * random - 1))
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// The frame size among `choices` closest to `width`×`height`: nearest aspect ratio first, then nearest
/// pixel count (ties go to the earlier choice).
func nearestFrame(width: Int, height: Int, among choices: [(width: Int, height: Int)]) -> (width: Int, height: Int) {
    let aspect = log(Double(max(width, 1)) / Double(max(height, 1)))
    let area = Double(width * height)
    return choices.min { a, b in
        let da = abs(log(Double(a.width) / Double(a.height)) - aspect), db = abs(log(Double(b.width) / Double(b.height)) - aspect)
        if abs(da - db) > 1e-9 { return da < db }
        return abs(Double(a.width * a.height) - area) < abs(Double(b.width * b.height) - area)
    }!
}

extension HTTPResponse {
    /// The body as `T`.
    /// - Parameter label: the request, for the message ("GET /v1/tasks/…").
    /// - Throws: `ProviderError.malformedResponse` saying what was wrong, without echoing the body.
    func decode<T: Decodable>(_ type: T.Type, label: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ProviderError.malformedResponse(message: "\(label): the answer has no \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ProviderError.malformedResponse(message: "\(label): unexpected type of \"\(path)\" in the answer")
        } catch {
            throw ProviderError.malformedResponse(message: "\(label): the answer is not the expected JSON (\(body.count) bytes)")
        }
    }
}
