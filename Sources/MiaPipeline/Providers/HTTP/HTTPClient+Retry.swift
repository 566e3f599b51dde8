import Foundation

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

/// Whether a request may be sent again after a failure that leaves its effect unknown.
enum RetryMode: Sendable {
    /// A read (GET): safe to repeat.
    case idempotent
    /// A create (POST): repeated only on proof that no job was made.
    case create
}

extension HTTPClient {
    // MARK: - Retry loop

    /// Runs `attempt` until it gives an answer that is not retried, sleeping between attempts.
    /// - Parameter download: failures are reported as `ProviderError.download`.
    func withRetries(label: String, mode: RetryMode, download: Bool,
                             attempt: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        func final(_ error: ProviderError) -> ProviderError {
            if download, case .download = error { return error }
            if case .downloadRefused = error { return error }
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
                    ("provider", .string(service)), ("request", .string(label)),
                    ("reason", .string(redact(reason))), ("retry", .int(Int64(retry + 1))), ("wait", .seconds(wait)),
                ]))
                retry += 1
                try await Task.sleep(for: ExternalNumber.duration(seconds: wait))
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
        let detail = APIErrorBody.summary(response.body).map { ": \(redact($0))" } ?? ""
        switch status {
        case 429, 500...599:
            let what = status == 429 ? "rate limited (HTTP 429)" : "HTTP \(status)"
            let wait = Self.retryAfter(response.headers)
            if let wait, wait > settings.retry.maxRetryAfter {
                return .fail(.unavailable(message: "\(label): \(what); the server asked to wait \(Self.seconds(wait)), "
                                          + "more than the \(Self.seconds(settings.retry.maxRetryAfter)) limit"))
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
            case .tooLarge(let limit, let declared):
                let message = declared.map { "\(label): declares \($0) bytes, over the limit of \(limit) bytes" }
                    ?? "\(label): more than the limit of \(limit) bytes"
                return .fail(download ? .download(message: message) : .malformedResponse(message: message))
            case .cutShort(let received, let expected):
                let message = "\(label): cut short after \(received) of \(expected) bytes"
                if mode == .create {
                    return .fail(.unavailable(message: "\(message); not sent again, because the job may have been created"))
                }
                return .retry(reason: "cut short", serverWait: nil,
                              lastError: download ? .download(message: message) : .unavailable(message: message))
            case .redirectRefused(let why):
                let message = "\(label): redirect refused: \(redact(why))"
                // A redirect the host policy refuses is refused again on every retry.
                return .fail(download ? .downloadRefused(message: message) : .rejected(status: 300, message: message))
            case .writeFailed(let why):
                return .fail(.download(message: "\(label): \(why)"))
            }
        }
        let failure = NetworkFailure(error)
        let reason = redact(failure.reason)
        if failure.kind == .badURL {
            return .fail(.unavailable(message: "\(label): \(reason)"))
        }
        if mode == .create, failure.kind != .neverConnected {
            return .fail(.unavailable(message: "\(label): \(reason); not sent again, because the job may have been created"))
        }
        return .retry(reason: reason, serverWait: nil, lastError: .unavailable(message: "\(label): \(reason)"))
    }


    /// The wait a server asks for: `retry-after-ms`, then `Retry-After` as seconds, then as an HTTP date.
    /// Read with `ExternalNumber`: a huge value ("1e19", "99999999999999999999", "1e300" ms) is a long wait
    /// (the caller refuses it), a negative, NaN or unreadable one is no wait at all, never a trap.
    /// - Parameter now: the current time (injectable for tests).
    static func retryAfter(_ headers: [String: String], now: Date = Date()) -> Double? {
        if let ms = headers["retry-after-ms"].flatMap(ExternalNumber.parse), ms >= 0 {
            return ms / 1000
        }
        guard let value = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = ExternalNumber.parse(value) { return seconds >= 0 ? seconds : nil }
        guard value.count <= 64 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                let wait = date.timeIntervalSince(now)
                // A date in the past means "now"; one absurdly far ahead is still just a long wait.
                return wait.isFinite ? max(wait, 0) : nil
            }
        }
        return nil
    }

    static func seconds(_ value: Double) -> String { ExternalNumber.describeSeconds(value) }
}
