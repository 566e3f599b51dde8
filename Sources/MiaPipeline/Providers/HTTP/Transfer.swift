import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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
    private var finished = false
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
                    failure = failure ?? .tooLarge(limit: limit, declared: answer.expectedContentLength)
                    return false
                }
            }
            return true
        }
    }

    /// `false` when the transfer should be cancelled (over the limit, or the file cannot be written).
    func received(_ data: Data) -> Bool {
        lock.withLock {
            // Callbacks queued before a cancellation still arrive: they must not write any more.
            guard failure == nil, !finished else { return false }
            lastByte = .now
            received += Int64(data.count)
            switch sink {
            case .memory(let limit):
                if received > Int64(limit) { failure = failure ?? .tooLarge(limit: Int64(limit), declared: nil); return false }
                body.append(data)
            case .file(let handle, let limit):
                if received > limit { failure = failure ?? .tooLarge(limit: limit, declared: nil); return false }
                do { try handle.write(contentsOf: data) } catch {
                    failure = failure ?? .writeFailed("cannot write the file: \(error.localizedDescription)")
                    return false
                }
            }
            return true
        }
    }

    /// The file limit, for a watchdog that counts bytes ahead of the delegate; nil for an in-memory body.
    var fileLimit: Int64? {
        lock.withLock { if case .file(_, let limit) = sink { limit } else { nil } }
    }

    /// Resumes the waiting request, once. Called early (before URLSession reports the end) when the client
    /// gives up itself, so the caller is not kept waiting behind callbacks still queued for the delegate.
    func complete(_ error: (any Error)?) {
        let (continuation, result): (CheckedContinuation<HTTPResponse, any Error>?, Result<HTTPResponse, any Error>) = lock.withLock {
            let continuation = pending
            pending = nil
            finished = true
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
