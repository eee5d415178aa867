import Metrics
import RingbackCore

/// The delivery engine's metrics, created once with fixed labels (no label per webhook or customer).
struct DeliveryMetrics: Sendable {
    let succeeded = Counter(label: "ringback_attempts_total", dimensions: [("result", "succeeded")])
    let failed = Counter(label: "ringback_attempts_total", dimensions: [("result", "failed")])
    /// Failed attempts by their stable code.
    let failures: [AttemptErrorCode: Counter] = Dictionary(uniqueKeysWithValues: AttemptErrorCode.allCases.map {
        ($0, Counter(label: "ringback_attempt_errors_total", dimensions: [("error_code", $0.rawValue)]))
    })
    let attemptDuration = Timer(label: "ringback_attempt_duration_seconds", preferredDisplayUnit: .seconds)
    let deliveryLatency = Timer(label: "ringback_delivery_latency_seconds", preferredDisplayUnit: .seconds)
    let pending = Gauge(label: "ringback_deliveries_pending")
    /// The adaptive per-webhook limits of this node, summarised (one series per statistic, not per webhook).
    let concurrencyLimit: [String: Gauge] = Dictionary(uniqueKeysWithValues: ["min", "median", "max"].map {
        ($0, Gauge(label: "ringback_webhook_concurrency_limit", dimensions: [("stat", $0)]))
    })
    /// Claims that lost their lease before they could be sent (another node took them over).
    let lostLeases = Counter(label: "ringback_lost_leases_total")
}
