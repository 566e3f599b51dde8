import Foundation

/// Sends one webhook over the providers' HTTP layer, retrying connection errors, timeouts, 5xx and 429
/// with exponential backoff (or the server's `Retry-After`) until `settings.deadline`. It never throws:
/// a receiver's trouble is reported in the delivery, never in the render's outcome.
struct WebhookSender: Sendable {
    let settings: WebhookSettings
    let log: any EventSink

    /// Largest answer read from a receiver: only its status matters.
    static let answerLimit = 64 << 10

    func send(_ payload: WebhookPayload, to target: WebhookURL) async -> WebhookDelivery {
        let clock = ContinuousClock()
        let start = clock.now
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        func secondsLeft() -> Double { settings.deadline - seconds(clock.now - start) }
        func delivery(attempts: Int, status: Int?, error: String?) -> WebhookDelivery {
            WebhookDelivery(planId: payload.planId, event: payload.event, url: target.redacted, attempts: attempts, status: status,
                            error: error, elapsed: seconds(clock.now - start), deliveredAt: Date())
        }
        let body: Data
        do { body = try payload.body() } catch {
            return delivery(attempts: 0, status: nil, error: "the payload cannot be encoded")
        }
        var headers = [("Content-Type", "application/json")]
        if let secret = settings.secret {
            let stamp = Int64(payload.timestamp.timeIntervalSince1970)
            headers.append((WebhookSignature.header, WebhookSignature.value(body: body, timestamp: stamp, secret: secret)))
        }
        // No key: `authorized: false` below, so nothing of a provider's is ever sent to a receiver.
        let client = HTTPClient(service: "webhook", baseURL: target.url, key: APIKey(""), keyHeader: .bearer,
                                settings: HTTPSettings(requestTimeout: settings.requestTimeout, retry: settings.retry, proxy: settings.proxy),
                                log: log)
        let request = HTTPClient.Request(method: "POST", url: target.url, headers: headers, body: body)
        var attempts = 0
        var lastStatus: Int?
        var lastError = "no attempt within the deadline"
        attempting: while secondsLeft() > 0, !Task.isCancelled {
            attempts += 1
            let timeout = min(settings.requestTimeout, secondsLeft())
            var serverWait: Double?
            do {
                let answer = try await client.perform(request, sink: .memory(limit: Self.answerLimit), authorized: false,
                                                      total: timeout, idle: timeout)
                lastStatus = answer.status
                if answer.isSuccess { return delivery(attempts: attempts, status: answer.status, error: nil) }
                lastError = "HTTP \(answer.status)"
                guard answer.status == 429 || (500...599).contains(answer.status) else { break attempting }
                serverWait = HTTPClient.retryAfter(answer.headers)
            } catch let failure as TransferFailure {
                lastStatus = nil
                switch failure {
                case .timedOut: lastError = "no answer within \(HTTPClient.seconds(timeout))"
                case .cutShort: lastError = "answer cut short"
                case .tooLarge: lastError = "answer over \(Self.answerLimit) bytes"
                case .redirectRefused(let why): lastError = "redirect refused: \(why)"
                case .writeFailed(let why): lastError = why
                }
                // Sent again, the same answer would be refused again.
                if case .tooLarge = failure { break attempting }
                if case .redirectRefused = failure { break attempting }
            } catch {
                lastStatus = nil
                let network = NetworkFailure(error)
                lastError = network.reason
                if network.kind == .badURL { break attempting }
            }
            let wait = serverWait ?? settings.retry.backoff(retry: attempts - 1)
            // A wait that would end past the deadline is not worth starting: the delivery has failed.
            guard wait < secondsLeft() else {
                if serverWait != nil { lastError += "; the receiver asked to wait \(HTTPClient.seconds(wait)), past the deadline" }
                break attempting
            }
            try? await Task.sleep(for: ExternalNumber.duration(seconds: wait))
        }
        return delivery(attempts: attempts, status: lastStatus, error: lastError)
    }
}
