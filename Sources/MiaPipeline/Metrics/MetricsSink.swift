import Foundation
import Prometheus

/// Prometheus metrics made from the `[MIA:*]` events, so the log stays the one account of what happened:
/// no pipeline code knows about metrics, and a number on a dashboard can always be found in the log.
///
/// Wrap the command's log with it; every event still reaches the wrapped sink unchanged.
/// Money is what completed scenes recorded (as the job store adds it up); durations are in seconds.
public final class MetricsSink: EventSink, Sendable {
    public let registry: PrometheusCollectorRegistry
    private let inner: any EventSink
    private let metrics: MiaMetrics

    /// - Parameters:
    ///   - inner: Where every event goes on to (the command's log).
    ///   - registry: The registry to fill; a fresh one unless several sinks share it.
    public init(wrapping inner: any EventSink, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.inner = inner
        self.registry = registry
        metrics = MiaMetrics(registry)
    }

    public func emit(_ event: MiaEvent) {
        metrics.record(event)
        inner.emit(event)
    }

    /// The registry in the Prometheus text format, as `/metrics` serves it.
    public func exposition() -> String { registry.emitToString() }
}

/// The metric families and the event → metric mapping.
struct MiaMetrics: Sendable {
    static let results = ["rendered", "failed", "reused", "fallback"]
    static let workerStates = ["idle", "rendering", "stitching", "stopped"]
    /// Seconds: a template card takes about one, a provider job minutes, a slow one twenty.
    static let jobBuckets: [Double] = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200]
    /// Seconds a scene waits for a worker: none on an idle farm, hours behind a long queue.
    static let waitBuckets: [Double] = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200]
    static let stitchBuckets: [Double] = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

    let registry: PrometheusCollectorRegistry

    init(_ registry: PrometheusCollectorRegistry) {
        self.registry = registry
        // Every series exists from the start at zero: a rate over a series that appears late misses its first step.
        for provider in ProviderID.allCases.map(\.rawValue) {
            for result in Self.results { _ = scenes(provider, result) }
            _ = spend(provider)
            _ = jobSeconds(provider)
        }
        _ = queueWait
        _ = takeovers
        _ = stitchSeconds
        _ = stitchBytes
        for result in ["complete", "failed"] { _ = stitches(result) }
        for state in Self.workerStates { _ = workerState(state) }
    }

    func scenes(_ provider: String, _ result: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "mia_scenes", unitName: "total",
            helpText: "Scenes finished, by provider and result (rendered, failed, reused, fallback: the provider failed and Template or the scene's own file stood in)."),
            labels: [("provider", provider), ("result", result)])
    }

    func spend(_ provider: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "mia_spend_dollars", unitName: "total",
            helpText: "US dollars recorded for completed scenes, by the provider paid."), labels: [("provider", provider)])
    }

    func jobSeconds(_ provider: String) -> ValueHistogram {
        registry.makeValueHistogram(descriptor: MetricNameDescriptor(metricName: "mia_provider_job", unitName: "seconds",
            helpText: "Time to render one scene (provider job to verified clip, or a Template card), by provider."),
            labels: [("provider", provider)], buckets: Self.jobBuckets)
    }

    var queueWait: ValueHistogram {
        registry.makeValueHistogram(descriptor: MetricNameDescriptor(metricName: "mia_scene_queue_wait", unitName: "seconds",
            helpText: "Time from a plan's submission until a worker claimed one of its scenes."), buckets: Self.waitBuckets)
    }

    var takeovers: Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "mia_lease_takeovers", unitName: "total",
            helpText: "Scenes claimed after another worker's lease ran out."))
    }

    var stitchSeconds: ValueHistogram {
        registry.makeValueHistogram(descriptor: MetricNameDescriptor(metricName: "mia_stitch", unitName: "seconds",
            helpText: "Time to stitch one finished video."), buckets: Self.stitchBuckets)
    }

    var stitchBytes: Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "mia_stitch_bytes", unitName: "total",
            helpText: "Bytes of finished videos written."))
    }

    func stitches(_ result: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "mia_stitches", unitName: "total",
            helpText: "Stitches finished, by result (complete, failed)."), labels: [("result", result)])
    }

    func workerState(_ state: String) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "mia_worker_state", unitName: "",
            helpText: "1 for the state this worker is in (idle, rendering, stitching, stopped), 0 for the others."),
            labels: [("state", state)])
    }

    func record(_ event: MiaEvent) {
        switch event.tag {
        case "MIA:SCENE:COMPLETE":
            let provider = Self.provider(event["provider"])
            if event["reused"] == .bool(true) {
                scenes(provider, "reused").increment()
            } else if case .string(let failed)? = event["fallback_from"] {
                // Counted once, against the provider that was asked for; the money went to it too.
                scenes(Self.provider(.string(failed)), "fallback").increment()
                Self.add(Self.number(event["dollars"]), to: spend(Self.provider(.string(failed))))
            } else {
                scenes(provider, "rendered").increment()
                Self.add(Self.number(event["dollars"]), to: spend(provider))
                if let elapsed = Self.number(event["elapsed"]), elapsed >= 0 { jobSeconds(provider).record(elapsed) }
            }
        case "MIA:RENDER_SCENE:ERROR":
            // A failure that Template takes over is counted when the stand-in completes (as `fallback`).
            if event["fallback"] != .bool(true) { scenes(Self.provider(event["provider"]), "failed").increment() }
        case "MIA:WORKER:START":
            setState("idle")
        case "MIA:WORKER:CLAIM":
            setState("rendering")
            if event["taken_from"] != nil { takeovers.increment() }
            if let waited = Self.number(event["waited"]), waited >= 0 { queueWait.record(waited) }
        case "MIA:WORKER:SCENE", "MIA:WORKER:STITCH":
            setState("idle")
        case "MIA:ALL_SCENES_COMPLETE" where event["worker"] != nil:
            // A worker's stitch begins (the render command's own stitch is no worker state).
            setState("stitching")
        case "MIA:WORKER:STOP":
            setState("stopped")
        case "MIA:STITCH:COMPLETE" where event["final"] != .bool(false), "MIA:SOUNDTRACK":
            // A narrated video is finished by its soundtrack: that event carries the whole stitch's time and size.
            stitches("complete").increment()
            if let elapsed = Self.number(event["elapsed"]), elapsed >= 0 { stitchSeconds.record(elapsed) }
            Self.add(Self.number(event["bytes"]), to: stitchBytes)
        case "MIA:STITCH:ERROR":
            stitches("failed").increment()
        default:
            break
        }
    }

    private func setState(_ current: String) {
        for state in Self.workerStates { workerState(state).set(to: state == current ? 1 : 0) }
    }

    /// A provider label from the event: only known names, so a label set cannot grow without bound.
    static func provider(_ value: MiaEvent.Value?) -> String {
        guard case .string(let name)? = value, ProviderID(rawValue: name) != nil else { return "other" }
        return name
    }

    static func number(_ value: MiaEvent.Value?) -> Double? {
        switch value {
        case .seconds(let d)?, .number(let d)?: d.isFinite ? d : nil
        case .int(let i)?: Double(i)
        default: nil
        }
    }

    /// Counters only go up, and the library traps on a negative step: such a value is not counted.
    private static func add(_ amount: Double?, to counter: Counter) {
        guard let amount, amount > 0 else { return }
        counter.increment(by: amount)
    }
}
