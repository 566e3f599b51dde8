import Foundation
internal import AsyncHTTPClient
internal import NIOCore
internal import NIOPosix
import Synchronization

/// The AsyncHTTPClient every provider client shares: one connection pool and NIO's process-wide event loops.
///
/// It follows no redirect itself (`HTTPClient.perform` vets each hop), decompresses nothing (a download is
/// stored as sent and counted as it arrives), and does not retry a failed connection (the retry policy
/// decides, and a refused connection must fail at once to be reported as such). A global is never
/// deinitialized, so the client never needs the shutdown AsyncHTTPClient requires before a deinit.
let sharedTransport: AsyncHTTPClient.HTTPClient = {
    var configuration = AsyncHTTPClient.HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
    // Only the connection has a timeout of its own; the request's total and idle limits are ours (`perform`).
    configuration.timeout = .init(connect: .seconds(30), read: nil)
    configuration.connectionPool.retryConnectionEstablishment = false
    return AsyncHTTPClient.HTTPClient(eventLoopGroup: httpEventLoops, configuration: configuration)
}()

/// The event loops of provider HTTP, apart from the process-wide ones PostgreSQL uses: a download writes
/// each body part to disk on its loop (that is the backpressure), and a slow disk must not stall the job store.
let httpEventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 2)

/// The client for requests through `proxy`: one per proxy, kept for the process like `sharedTransport`.
func proxiedTransport(_ proxy: ProxySettings.Server) -> AsyncHTTPClient.HTTPClient {
    proxiedTransports.withLock { clients in
        if let client = clients[proxy] { return client }
        var configuration = AsyncHTTPClient.HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
        configuration.timeout = .init(connect: .seconds(30), read: nil)
        configuration.connectionPool.retryConnectionEstablishment = false
        let authorization = proxy.username.map { AsyncHTTPClient.HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "") }
        configuration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
        let client = AsyncHTTPClient.HTTPClient(eventLoopGroup: httpEventLoops, configuration: configuration)
        clients[proxy] = client
        return client
    }
}

private let proxiedTransports = Mutex<[ProxySettings.Server: AsyncHTTPClient.HTTPClient]>([:])

/// A network failure, read from whatever AsyncHTTPClient or NIO threw: what a retry needs to know, and a
/// short reason for the log.
struct NetworkFailure: Error, CustomStringConvertible {
    enum Kind {
        /// No connection was opened (refused, host not found): the request was never sent.
        case neverConnected
        /// A URL the client cannot send to at all: sending it again cannot help.
        case badURL
        /// Anything else (lost connection, TLS, a broken answer): the request may have reached the server.
        case other
    }

    let kind: Kind
    let reason: String
    // What was thrown is not kept: AsyncHTTPClient's header errors hold the header values, the key among them.

    var description: String { reason }

    init(_ error: any Error) {
        (kind, reason) = Self.read(error)
    }

    private static func read(_ error: any Error) -> (Kind, String) {
        switch error {
        case let error as NetworkFailure:
            return (error.kind, error.reason)
        case let error as HTTPClientError:
            switch error {
            case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath, .invalidLocalAddress: return (.badURL, "bad URL")
            case .connectTimeout: return (.neverConnected, "timed out connecting")
            case .remoteConnectionClosed: return (.other, "connection lost")
            case .readTimeout, .writeTimeout, .deadlineExceeded: return (.other, "timed out")
            case .tlsHandshakeTimeout: return (.other, "TLS failed")
            case .cancelled: return (.other, "cancelled")
            default:
                if error.description.hasPrefix("HTTPClientError.unsupportedScheme") { return (.badURL, "unsupported URL scheme") }
                // Never sent: a header with a line break (a key read with `$(cat keyfile)` and its newline).
                // (The error's own text holds the header values, the key among them: it is never shown.)
                if error.description.hasPrefix("HTTPClientError.invalidHeaderField") {
                    return (.badURL, "a request header holds a character HTTP forbids (a line break in the API key?)")
                }
                return (.other, error.shortDescription.lowercased())
            }
        case let error as NIOConnectionError:
            // Every address tried failed: the connection errors say why; none at all means no address.
            if let first = error.connectionErrors.first { return read(first.error) }
            return (.neverConnected, "host not found")
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED: return (.neverConnected, "connection refused")
            case ENETUNREACH, EHOSTUNREACH, ENETDOWN: return (.neverConnected, "no network")
            case ECONNRESET, EPIPE, ECONNABORTED: return (.other, "connection lost")
            case ETIMEDOUT: return (.other, "timed out")
            default: return (.other, "network error \(error.errnoCode)")
            }
        case is SocketAddressError:
            return (.neverConnected, "host not found")
        case is ChannelError:
            return (.other, "connection lost")
        default:
            let name = String(reflecting: type(of: error))
            if name.hasPrefix("NIOSSL.") { return (.other, "TLS failed") }
            if name.hasPrefix("NIOHTTP1.") || name.hasPrefix("NIOHTTP2.") { return (.other, "bad server response") }
            return (.other, "network error (\(name))")
        }
    }
}
