import Foundation
internal import AsyncHTTPClient
internal import NIOCore
internal import NIOHTTP1

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
    /// Over `limit` bytes: declared so in `Content-Length` (`declared`), or counted as they came.
    case tooLarge(limit: Int64, declared: Int64?)
    case cutShort(received: Int64, expected: Int64)
    case redirectRefused(String)
    case writeFailed(String)
}

/// One request and its answer, run by AsyncHTTPClient on a NIO event loop, with this object as the delegate.
///
/// Everything that decides the outcome happens on that event loop, as the bytes come off the socket: the
/// head (a `Content-Length` over the limit is refused there, before any body), each body part (counted,
/// then written; AsyncHTTPClient reads the next one only after this returns, so nothing piles up unread
/// and the count is what the server managed to send, less socket buffers), the end (a body shorter than
/// its `Content-Length` is cut short), and the watchdog (a total deadline and an idle limit, scheduled on
/// the same loop). The task awaiting the answer only collects it: however late a busy machine runs it, the
/// limit and the timeouts were applied in time, and an answer that came in time is not timed out.
final class Transfer: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = HTTPResponse
    // @unchecked: every mutable field is read and written under `lock` (the delegate and the watchdog run
    // on the event loop, `run` and `stop` on the awaiting task).

    /// How a request ended when it did not fail.
    enum Outcome {
        case answer(HTTPResponse)
        /// A redirect (its body unread, its connection closed): status and `Location`.
        case redirect(status: Int, location: String)
    }

    /// Thrown from the head of a redirect, to stop there: `Outcome.redirect` reports it.
    private struct Redirected: Error {}

    private let lock = NSLock()
    private var sink: Sink
    private let total: Double
    private let totalEnd: NIODeadline
    private let idle: Double
    private var status = 0
    private var headers: [String: String] = [:]
    private var expected: Int64?
    private var body = Data()
    private var received: Int64 = 0
    /// The most of an error answer to a download that is read (its first 64 KiB kept).
    static let errorAnswerLimit: Int64 = 4 << 20
    /// An error answer to a download: its head is kept, the rest read and dropped.
    private var truncating = false
    private var redirect: (status: Int, location: String)?
    private var failure: TransferFailure?
    private var lastSeen = NIODeadline.now()
    private var finished = false
    private var timer: Scheduled<Void>?

    /// - Parameters:
    ///   - totalEnd: when the whole request (all its redirects) times out, after `total` seconds.
    ///   - idle: seconds without a byte (or the head) after which it times out.
    init(sink: Sink, total: Double, totalEnd: NIODeadline, idle: Double) {
        self.sink = sink
        self.total = total
        self.totalEnd = totalEnd
        self.idle = idle
    }

    /// Sends `request` and waits for the outcome; cancelling the calling task cancels the request.
    /// - Throws: `TransferFailure`, `NetworkFailure`, `CancellationError`.
    func run(_ request: AsyncHTTPClient.HTTPClient.Request, on client: AsyncHTTPClient.HTTPClient) async throws -> Outcome {
        let task = client.execute(request: request, delegate: self)
        watch(task)
        defer { stop() }
        do {
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            return .answer(response)
        } catch {
            let result: Result<Outcome, any Error> = lock.withLock {
                if error is Redirected, let redirect { return .success(.redirect(status: redirect.status, location: redirect.location)) }
                if let failure { return .failure(failure) }
                if error is CancellationError || error as? HTTPClientError == .cancelled { return .failure(CancellationError()) }
                // The connection ended before the declared length: the body was cut short, whatever NIO calls it.
                if let expected, received < expected {
                    return .failure(TransferFailure.cutShort(received: received, expected: expected))
                }
                return .failure(NetworkFailure(error))
            }
            return try result.get()
        }
    }

    // MARK: - Watchdog

    /// Fails the task when the total deadline or the idle limit has passed; else checks again then.
    private func watch(_ task: AsyncHTTPClient.HTTPClient.Task<HTTPResponse>) {
        let verdict: TransferFailure? = lock.withLock {
            guard !finished else { return nil }
            let now = NIODeadline.now()
            let idleEnd = lastSeen + TimeAmount(ExternalNumber.duration(seconds: idle))
            if now >= totalEnd { failure = failure ?? .timedOut(total) }
            else if now >= idleEnd { failure = failure ?? .timedOut(idle) }
            else {
                timer = task.eventLoop.scheduleTask(deadline: min(idleEnd, totalEnd)) { [weak self] in self?.watch(task) }
                return nil
            }
            finished = true
            return failure
        }
        if let verdict { task.fail(reason: verdict) }
    }

    /// Ends the watch (the task is over).
    private func stop() {
        let timer = lock.withLock { () -> Scheduled<Void>? in
            finished = true
            defer { self.timer = nil }
            return self.timer
        }
        timer?.cancel()
    }

    // MARK: - HTTPClientResponseDelegate (on the event loop)

    func didReceiveHead(task: AsyncHTTPClient.HTTPClient.Task<HTTPResponse>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let refusal: (any Error)? = lock.withLock {
            lastSeen = .now()
            status = Int(head.status.code)
            for (name, value) in head.headers {
                let name = name.lowercased()
                headers[name] = headers[name].map { "\($0), \(value)" } ?? value
            }
            if [301, 302, 303, 307, 308].contains(status), let location = head.headers["location"].first {
                redirect = (status, location)
                return Redirected()
            }
            // The last `Content-Length` if a server sent several (NIO refuses conflicting ones).
            expected = head.headers["content-length"].last.flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            // An error answer to a download is read like an API answer: only its message matters, so its first
            // 64 KiB are kept and the rest is read and dropped (a CDN's 70 KB 503 page is still a 503, retried).
            if case .file = sink, !(200..<300).contains(status) {
                sink = .memory(limit: 64 << 10)
                truncating = true
            }
            if let expected, expected > limit, !truncating {
                failure = failure ?? .tooLarge(limit: limit, declared: expected)
                return failure
            }
            return nil
        }
        if let refusal { return task.eventLoop.makeFailedFuture(refusal) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: AsyncHTTPClient.HTTPClient.Task<HTTPResponse>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let refusal: TransferFailure? = lock.withLock {
            guard failure == nil else { return failure }
            lastSeen = .now()
            received += Int64(buffer.readableBytes)
            if truncating {
                // An error answer: its head is kept; one that goes on past 4 MiB is no error page but a flood.
                if received > Self.errorAnswerLimit {
                    failure = .tooLarge(limit: Self.errorAnswerLimit, declared: nil)
                    return failure
                }
                let room = max(0, Int(limit) - body.count)
                buffer.withUnsafeReadableBytes { body.append(contentsOf: $0.prefix(room)) }
                return nil
            }
            if received > limit {
                failure = .tooLarge(limit: limit, declared: nil)
                return failure
            }
            switch sink {
            case .memory:
                buffer.withUnsafeReadableBytes { body.append(contentsOf: $0) }
            case .file(let handle, _):
                // Written here, on the event loop: the next part is not read before this one is on disk
                // (flat memory), and no write can still be under way once the task has ended.
                do { try buffer.withUnsafeReadableBytes { try handle.write(contentsOf: $0) } } catch {
                    failure = .writeFailed("cannot write the file: \(error.localizedDescription)")
                    return failure
                }
            }
            return nil
        }
        if let refusal { return task.eventLoop.makeFailedFuture(refusal) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    /// Called before the task fails, whatever failed it: from here on the watchdog has nothing to judge,
    /// however long the awaiting task takes to run.
    func didReceiveError(task: AsyncHTTPClient.HTTPClient.Task<HTTPResponse>, _ error: any Error) {
        lock.withLock { finished = true }
    }

    func didFinishRequest(task: AsyncHTTPClient.HTTPClient.Task<HTTPResponse>) throws -> HTTPResponse {
        try lock.withLock {
            finished = true
            if let failure { throw failure }
            let encoded = headers["content-encoding"].map { !$0.isEmpty && $0.lowercased() != "identity" } ?? false
            if let expected, !encoded, received != expected {
                throw TransferFailure.cutShort(received: received, expected: expected)
            }
            let isFile: Bool = if case .file = sink { true } else { false }
            return HTTPResponse(status: status, headers: headers, body: isFile ? Data() : body, received: received)
        }
    }

    /// The sink's limit (read under `lock`).
    private var limit: Int64 {
        switch sink {
        case .memory(let limit): Int64(limit)
        case .file(_, let limit): limit
        }
    }
}
