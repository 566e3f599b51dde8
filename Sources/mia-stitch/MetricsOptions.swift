import ArgumentParser
import MiaPipeline

/// `--metrics-port` and `--metrics-host`, shared by the commands that run long enough to scrape
/// (render, batch, worker).
struct MetricsOptions: ParsableArguments {
    @Option(name: .customLong("metrics-port"), help: ArgumentHelp(
        "Serve Prometheus metrics on http://HOST:PORT/metrics while working (0: a free port; the bound address is logged as [MIA:METRICS]).",
        valueName: "port"))
    var port: Int?

    // Every interface by default: a render farm's Prometheus scrapes from another host.
    @Option(name: .customLong("metrics-host"), help: ArgumentHelp(
        "The address the metrics endpoint listens on (default 0.0.0.0, every interface; 127.0.0.1 keeps it on this machine).",
        valueName: "address"))
    var host = "0.0.0.0"

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--metrics-port must be between 0 and 65535") }
        if host.isEmpty { throw ValidationError("--metrics-host must name an address") }
    }

    /// Starts serving when asked to. Returns the log the command should use (counted into the metrics) and
    /// the server, to close at the end. Call it before any work: a port in use stops the command first.
    /// - Throws: `MiaError` when the address cannot be bound.
    func start(log: any EventSink) async throws -> (log: any EventSink, server: MetricsServer?) {
        guard let port else { return (log, nil) }
        let sink = MetricsSink(wrapping: log)
        let server = try await MetricsServer.start(host: host, port: port, registry: sink.registry)
        log.emit(MiaEvent("MIA:METRICS", [("listening", .string(server.address)), ("path", "/metrics")]))
        return (sink, server)
    }
}
