import Metrics

/// The delivery engine's metrics, created once with fixed labels (no label per webhook or customer).
struct DeliveryMetrics: Sendable {
    let succeeded = Counter(label: "ringback_attempts_total", dimensions: [("result", "succeeded")])
    let failed = Counter(label: "ringback_attempts_total", dimensions: [("result", "failed")])
    let attemptDuration = Timer(label: "ringback_attempt_duration_seconds", preferredDisplayUnit: .seconds)
    let deliveryLatency = Timer(label: "ringback_delivery_latency_seconds", preferredDisplayUnit: .seconds)
    let pending = Gauge(label: "ringback_deliveries_pending")
}
