import Foundation
internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix
import Prometheus

/// A small HTTP/1.1 server for Prometheus: `GET /metrics` answers the registry in the text format,
/// any other path 404, any other method on it 405. Scrapers are not trusted: NIO's parser caps headers
/// (80 KiB) and answers garbage with 400, a body is capped here, and an idle connection is closed.
public final class MetricsServer: Sendable {
    /// The address it listens on; `port` is the one bound (the free port picked when asked for 0).
    public let host: String
    public let port: Int
    private let channel: any Channel

    /// The exposition format's media type (Prometheus text format 0.0.4).
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private init(host: String, port: Int, channel: any Channel) {
        self.host = host
        self.port = port
        self.channel = channel
    }

    /// Binds and starts serving.
    /// - Parameters:
    ///   - host: The address to listen on (`0.0.0.0`: every interface, as a scraper on another host needs).
    ///   - port: The port, or 0 for a free one.
    /// - Throws: `MiaError` when the address cannot be bound (in use, not this machine's).
    public static func start(host: String, port: Int, registry: PrometheusCollectorRegistry) async throws -> MetricsServer {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            // A restarted worker can take its port back while old connections linger in TIME_WAIT.
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(30)))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(MetricsHTTPHandler(registry: registry))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw MiaError("cannot serve metrics on \(host):\(port): the port is already in use", cause: error)
        } catch {
            throw MiaError("cannot serve metrics on \(host):\(port): \(error)", cause: error)
        }
        return MetricsServer(host: host, port: channel.localAddress?.port ?? port, channel: channel)
    }

    /// Stops listening (open connections end with the process). Returns at once: usable from a `defer`.
    public func close() {
        channel.close(promise: nil)
    }

    /// `host:port` as a scraper's target names it (an IPv6 address in brackets).
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Answers one request at a time on a connection (NIO's pipelining handler queues the rest).
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// A scrape has no body: anything beyond a little is refused rather than held in memory.
    static let maxBodyBytes = 16 * 1024

    private let registry: PrometheusCollectorRegistry
    private var request: HTTPRequestHead?
    private var bodyBytes = 0

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
            bodyBytes = 0
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > Self.maxBodyBytes, let head = request {
                request = nil  // answered: the rest of this request is ignored
                respond(context, to: head, status: .payloadTooLarge, body: Array("request body too large\n".utf8), close: true)
            }
        case .end:
            guard let head = request else { return }
            request = nil
            let (status, body) = answer(head)
            respond(context, to: head, status: status, body: body, close: false)
        }
    }

    /// NIO's error handler has answered a request it could not parse (400): end the connection now rather
    /// than at the idle timeout.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    private func answer(_ head: HTTPRequestHead) -> (HTTPResponseStatus, [UInt8]) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path == "/metrics" else { return (.notFound, Array("not found: try /metrics\n".utf8)) }
        guard head.method == .GET else { return (.methodNotAllowed, Array("only GET\n".utf8)) }
        return (.ok, registry.emitToBuffer())
    }

    private func respond(_ context: ChannelHandlerContext, to head: HTTPRequestHead, status: HTTPResponseStatus,
                         body: [UInt8], close: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: status == .ok ? MetricsServer.contentType : "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.count))
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET") }
        let keepAlive = head.isKeepAlive && !close
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
