import Foundation
internal import AsyncHTTPClient
internal import NIOCore
internal import NIOHTTP1

// The one HTTP layer the provider adapters share: AsyncHTTPClient (SwiftNIO), one client for the process
// (`sharedTransport`), with redirects, limits and timeouts applied here.
//
// Why AsyncHTTPClient and not URLSession: bytes are counted where they arrive, with backpressure.
// swift-corelibs-foundation's URLSession (libcurl) handed body bytes to its delegate through a queue that
// fell far behind a fast sender, and never slowed the sender down: on a busy machine a 50 GB
// `Content-Length` was refused only after a 60 s stall, and an endless body kept streaming for 75 s
// (15.7 GB) after the 2 GB cap. Here each request runs on a NIO event loop with a `Transfer` as its
// delegate: the head is judged as it arrives (a `Content-Length` over the limit is refused before any
// body), each body part is counted and written before the next is read, and the moment the count passes
// the limit the connection is closed. Measured on loopback, a flood against a 1 MiB cap gets 1.6-5.4 MB
// out (socket buffers) and is cut within 0.2 s, busy machine or not.
//
// The delegate API rather than the async `execute(_:deadline:)`: there, a body is an async sequence read
// by a Swift task, so every decision (and the idle clock) waits for a cooperative thread. When blocking
// work holds them all (2 cores, a synchronous FFmpeg run or subprocess), an answer that came in 20 ms sat
// unread and was timed out at 5 s. On the event loop, what arrived in time counts in time.
//
// The cost is a dependency (SwiftNIO was already built for the Postgres job store) and doing by hand what
// URLSession did itself:
// - redirects: AsyncHTTPClient follows none; `perform` follows up to `maxRedirects`, applies the download
//   host policy to every target, and sends the key and the fixed headers only to the API's own origin;
// - timeouts: a total deadline and an idle limit (no byte for that long) per request, checked on the
//   request's event loop (AsyncHTTPClient's own deadline stops at the response head);
// - a body cut short (fewer bytes than `Content-Length`) is an error.
// Only this folder imports AsyncHTTPClient and NIO; adapters see `HTTPResponse` and `ProviderError`.
//
// Retries and their limits: `HTTPClient+Retry.swift`. Bodies in flight: `Transfer`.

/// The HTTP client of one provider (a video provider or a voice engine): its base URL, its key, its fixed headers.
final class HTTPClient: Sendable {
    /// The service's name in logs (`provider=runway`, `provider=elevenlabs`).
    let service: String
    private let keyHeader: KeyHeader
    let baseURL: URL
    let settings: HTTPSettings
    private let key: APIKey
    private let fixedHeaders: [String: String]
    let log: any EventSink

    /// - Parameters:
    ///   - baseURL: the API root (`https://api.openai.com/v1`); its origin is the only one that gets the key.
    ///   - headers: sent with every request to the API's origin (e.g. `X-Runway-Version`).
    convenience init(provider: ProviderID, baseURL: URL, key: APIKey, headers: [String: String] = [:],
                     settings: HTTPSettings, log: any EventSink) {
        self.init(service: provider.rawValue, baseURL: baseURL, key: key, keyHeader: .bearer, headers: headers, settings: settings, log: log)
    }

    /// - Parameters:
    ///   - service: the name logs give the service.
    ///   - keyHeader: how the API takes its key.
    init(service: String, baseURL: URL, key: APIKey, keyHeader: KeyHeader, headers: [String: String] = [:],
         settings: HTTPSettings, log: any EventSink) {
        self.service = service
        self.keyHeader = keyHeader
        self.baseURL = baseURL
        self.key = key
        self.fixedHeaders = headers
        self.settings = settings
        self.log = log
    }

    /// `path` under the base URL, each segment given percent-encoded (job ids come from the server).
    func url(_ segments: String...) -> URL { url(segments) }

    /// `path` under the base URL, each segment given percent-encoded (job ids come from the server).
    func url(_ segments: [String]) -> URL {
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
    /// - Parameters:
    ///   - accept: the `Accept` header (`application/octet-stream` for audio).
    ///   - limit: the largest answer taken, in bytes; `settings.maxResponseBytes` when nil.
    ///   - dataBody: a 2xx body is data the caller never shows as text (audio, or JSON carrying audio): it
    ///     is kept byte for byte instead of redacted, which would rewrite (and cut) a binary body. Headers,
    ///     and every answer that is not a 2xx, are still redacted.
    /// - Returns: the first answer that is not retried: a 2xx, or a final 3xx/4xx for the caller to map.
    /// - Throws: `ProviderError.unavailable` (still failing after the retries, asked to wait too long, or
    ///   a create whose outcome is unknown), `.malformedResponse` (an answer over the size limit),
    ///   `CancellationError`.
    ///   - timeout: seconds this request may take, when not `settings.requestTimeout` (a listing that must
    ///     not wait as long as a synthesis).
    func send(_ method: String, _ url: URL, json: Data? = nil, mode: RetryMode, accept: String = "application/json",
              limit: Int? = nil, dataBody: Bool = false, timeout: Double? = nil) async throws -> HTTPResponse {
        var request = Request(method: method, url: url, headers: [("Accept", accept)], body: json)
        if json != nil { request.headers.append(("Content-Type", "application/json")) }
        let label = self.label(method, url)
        return try await withRetries(label: label, mode: mode, download: false) {
            try await self.perform(request, sink: .memory(limit: limit ?? self.settings.maxResponseBytes), dataBody: dataBody,
                                   total: timeout ?? self.settings.requestTimeout, idle: timeout ?? self.settings.requestTimeout)
        }
    }

    /// Sends `body` as JSON, encoded the same way for every provider (sorted keys, `/` unescaped: the
    /// bytes sent are stable, so a test or a log can compare them).
    /// - Throws: as `send(_:_:json:mode:accept:limit:dataBody:)`, and `EncodingError` when `body` cannot be encoded.
    func send(_ method: String, _ url: URL, body: some Encodable, mode: RetryMode, accept: String = "application/json",
              limit: Int? = nil, dataBody: Bool = false) async throws -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try await send(method, url, json: try encoder.encode(body), mode: mode, accept: accept, limit: limit, dataBody: dataBody)
    }

    /// Creates a job: POSTs `body` (a create: `RetryMode.create`) and decodes a 2xx answer as `T`.
    /// - Throws: `ProviderError.rejected` for a final 3xx/4xx, `.malformedResponse`, and as `send`.
    func create<T: Decodable>(_ type: T.Type, at url: URL, body: some Encodable) async throws -> T {
        let response = try await send("POST", url, body: body, mode: .create)
        guard response.isSuccess else { throw rejection(response) }
        return try response.decode(T.self, label: label("POST", url))
    }

    /// Reads a job (a GET, retried freely) and decodes a 2xx answer as `T`.
    /// - Throws: `ProviderError.rejected` for a final 3xx/4xx, `.malformedResponse`, and as `send`.
    func fetch<T: Decodable>(_ type: T.Type, from url: URL) async throws -> T {
        let response = try await send("GET", url, mode: .idempotent)
        guard response.isSuccess else { throw rejection(response) }
        return try response.decode(T.self, label: label("GET", url))
    }

    /// A final answer that is not a 2xx, as a refusal with the API's own words (redacted).
    func rejection(_ response: HTTPResponse) -> ProviderError {
        .rejected(status: response.status, message: APIErrorBody.summary(response.body).map(redact) ?? "no details")
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
        let request = Request(method: "GET", url: url, headers: accept.map { [("Accept", $0)] } ?? [], body: nil)
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

    /// A request as the adapters build it; `perform` adds the key, the fixed headers and the user agent.
    struct Request: Sendable {
        var method: String
        var url: URL
        var headers: [(String, String)]
        var body: Data?
    }

    /// Redirects followed before a request is given up (browsers and curl allow 20, AsyncHTTPClient 5).
    static let maxRedirects = 10

    /// Sends one request, following vetted redirects, and collects its answer. Times out on `total` seconds
    /// overall (redirects included) or `idle` seconds without a byte (or a response head).
    /// - Throws: `TransferFailure`, `NetworkFailure`, `CancellationError`.
    func perform(_ first: Request, sink: Sink, authorized: Bool = true, dataBody: Bool = false,
                 total: Double, idle: Double) async throws -> HTTPResponse {
        let totalEnd = NIODeadline.now() + TimeAmount(ExternalNumber.duration(seconds: total))
        var request = first
        var hops = 0
        while true {
            let transfer = Transfer(sink: sink, total: total, totalEnd: totalEnd, idle: idle)
            let transport = settings.proxy?.server(for: request.url).map(proxiedTransport) ?? sharedTransport
            switch try await transfer.run(try outgoing(request, authorized: authorized), on: transport) {
            case .answer(let response):
                // Server text enters here and only here: without the key from this point on.
                return response.redacted(by: key, keepingBody: dataBody && response.isSuccess)
            case .redirect(let status, let location):
                hops += 1
                if hops > Self.maxRedirects { throw TransferFailure.redirectRefused("more than \(Self.maxRedirects) redirects") }
                guard let next = try redirect(request, status: status, location: location) else {
                    throw TransferFailure.redirectRefused("an unreadable Location")
                }
                request = next
            }
        }
    }

    /// The request that follows `request` to `location`.
    /// - Throws: `TransferFailure.redirectRefused` for a target the download host policy refuses.
    private func redirect(_ request: Request, status: Int, location: String) throws -> Request? {
        guard let target = URL(string: location, relativeTo: request.url)?.absoluteURL else { return nil }
        if let refusal = downloadRefusal(target) { throw TransferFailure.redirectRefused(refusal) }
        var next = request
        next.url = target
        // As browsers and URLSession do: 303, and 301/302 after a POST, become a GET without the body.
        if status == 303 || ([301, 302].contains(status) && request.method == "POST") {
            next.method = "GET"
            next.body = nil
            next.headers.removeAll { $0.0.lowercased() == "content-type" }
        }
        return next
    }

    /// The request as AsyncHTTPClient sends it. The key and the fixed headers go only to the API's own
    /// origin: on a redirect elsewhere they are left out, as they are from a download on another host.
    /// - Throws: `NetworkFailure` for a URL AsyncHTTPClient cannot send to.
    private func outgoing(_ request: Request, authorized: Bool) throws -> AsyncHTTPClient.HTTPClient.Request {
        var headers = HTTPHeaders()
        for (name, value) in request.headers { headers.replaceOrAdd(name: name, value: value) }
        if Self.sameOrigin(request.url, baseURL) {
            for (name, value) in fixedHeaders { headers.replaceOrAdd(name: name, value: value) }
            if authorized {
                let (name, value) = key.header(keyHeader)
                headers.replaceOrAdd(name: name, value: value)
            }
        }
        headers.replaceOrAdd(name: "User-Agent", value: "mia-stitch")
        do {
            return try AsyncHTTPClient.HTTPClient.Request(url: request.url.absoluteString, method: HTTPMethod(rawValue: request.method),
                                                          headers: headers, body: request.body.map { .byteBuffer(ByteBuffer(bytes: $0)) })
        } catch {
            throw NetworkFailure(error)
        }
    }

    // MARK: - Helpers

    /// "POST /v1/videos" for the API; "GET host" elsewhere (a CDN URL's path and query may hold tokens).
    func label(_ method: String, _ url: URL) -> String {
        Self.sameOrigin(url, baseURL) ? "\(method) \(url.path)" : "\(method) \(url.host ?? "?")"
    }

    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func port(_ url: URL) -> Int { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && port(a) == port(b)
    }
}
