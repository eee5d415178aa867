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
    /// The claim loop: deliveries per claim, and the claim's time.
    let claimBatch = Recorder(label: "ringback_claim_batch_size")
    /// Database transaction time by operation (contract section 19).
    let storeTime: [String: Timer] = Dictionary(uniqueKeysWithValues: ["claim", "extend_leases", "reserve_send"].map {
        ($0, Timer(label: "ringback_store_transaction_seconds", dimensions: [("operation", $0)], preferredDisplayUnit: .seconds))
    })
    /// Webhooks by health (healthy, failing, disabled), over the whole database.
    let webhooks: [String: Gauge] = Dictionary(uniqueKeysWithValues: ["healthy", "failing", "disabled"].map {
        ($0, Gauge(label: "ringback_webhooks", dimensions: [("health", $0)]))
    })

    /// Runs `body`, recording its time as database operation `operation`.
    func timed<T>(_ operation: String, _ body: () async throws -> T) async rethrows -> T {
        let started = ContinuousClock.now
        defer { storeTime[operation]?.recordNanoseconds((ContinuousClock.now - started).nanoseconds) }
        return try await body()
    }
}

