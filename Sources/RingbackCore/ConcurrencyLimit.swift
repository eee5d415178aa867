/// How many attempts one endpoint gets in flight at once, adapted to what it sustains (in the
/// manner of TCP congestion control and Netflix's concurrency-limits): slow start, then additive
/// increase while answers come back fast and successful; multiplicative decrease on timeouts,
/// 429 and 503, and when latency climbs well above the best seen. Between 1 and `maximum`.
/// A pure value: time comes in with each sample, so tests drive it exactly.
public struct ConcurrencyLimit: Sendable, Hashable {
    /// What one finished attempt says about the endpoint.
    public enum Signal: Sendable, Hashable {
        /// An answer (any status but the overload ones), and how long it took.
        case answered(latency: Duration)
        /// A timeout, 429 or 503: the endpoint is overloaded.
        case overloaded
        /// A failure that says nothing about load (refused, reset, a 500, ...).
        case failed
    }

    public let maximum: Int
    public let minimum: Int
    /// The limit now (fractional while it grows additively).
    public private(set) var value: Double
    /// Doubling each round trip until the first sign of overload.
    public private(set) var slowStart = true
    /// The shortest recent latency: what the endpoint does without load.
    private var baseline: Duration?
    /// When the last decrease was, so one burst of overload halves the limit once, not per attempt.
    private var lastDecrease: Int64?

    /// A latency above this multiple of the baseline counts as queueing at the endpoint.
    static let latencyTolerance = 2.0
    /// Latencies below this are never taken for queueing at the endpoint: on a busy host, the
    /// sender's own scheduling delays are of this order, and an endpoint that answers within
    /// it is keeping up.
    static let latencyFloor = Duration.milliseconds(25)

    public init(initial: Int = 16, minimum: Int = 1, maximum: Int) {
        self.maximum = max(1, maximum)
        self.minimum = min(max(1, minimum), self.maximum)
        value = Double(min(max(initial, self.minimum), self.maximum))
    }

    /// The whole number of attempts allowed in flight.
    public var limit: Int { Int(value) }

    /// Takes one finished attempt into account. `inFlight` is how many were in flight when it
    /// ended (a limit that is not used is not raised); `now` is in milliseconds.
    public mutating func record(_ signal: Signal, inFlight: Int, now: Int64) {
        switch signal {
        case .overloaded:
            decrease(now: now, factor: 0.5)
        case .failed:
            break
        case .answered(let latency):
            let base = baseline.map { min($0, latency) } ?? latency
            // The baseline forgets slowly, so an endpoint that got faster is noticed.
            baseline = base + (latency - base) / 100
            if latency > base * Self.latencyTolerance, latency > Self.latencyFloor {
                decrease(now: now, factor: 0.9)
                return
            }
            guard inFlight >= limit - 1 else { return }
            if slowStart {
                // Double per round trip: each answer while the limit is used adds one.
                value = min(Double(maximum), value + 1)
            } else {
                value = min(Double(maximum), value + 1 / value)
            }
        }
    }

    private mutating func decrease(now: Int64, factor: Double) {
        slowStart = false
        // At most once per 100 ms: the answers of one overloaded round say the same thing.
        if let lastDecrease, now - lastDecrease < 100 { return }
        lastDecrease = now
        value = max(Double(minimum), (value * factor).rounded(.down))
    }
}
