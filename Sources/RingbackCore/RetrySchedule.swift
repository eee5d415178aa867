/// Delays before retry 1, 2, ...; the first attempt is immediate (contract section 8).
public struct RetrySchedule: Sendable, Hashable, CustomStringConvertible {
    public static let `default` = RetrySchedule(parsing: "5s,5m,30m,2h,5h,10h,10h")!

    public let delays: [Duration]

    public init?(delays: [Duration]) {
        guard !delays.isEmpty, delays.allSatisfy({ $0 > .zero }) else { return nil }
        self.delays = delays
    }

    /// Parses `5s,5m,30m`; nil when any step is malformed.
    public init?(parsing text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var delays: [Duration] = []
        for part in parts {
            guard let delay = DurationText.parse(String(part)) else { return nil }
            delays.append(delay)
        }
        self.init(delays: delays)
    }

    /// Total attempts a delivery gets: the first plus one per step.
    public var maxAttempts: Int { delays.count + 1 }

    /// The longest step: the cap on an honoured `Retry-After`.
    public var longest: Duration { delays.max()! }

    /// The delay before the next attempt after failed attempt `attempt` (1-based), or nil when the
    /// schedule is used up. `jitter` in -1...1 spreads the step by up to 20% either way;
    /// `retryAfter` (from a 429 or 503) is honoured when longer, up to the longest step.
    public func delay(after attempt: Int, jitter: Double, retryAfter: Duration? = nil) -> Duration? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let step = delays[attempt - 1]
        let factor = 1 + 0.2 * min(1, max(-1, jitter))
        var delay = Duration.milliseconds(Int64((Double(step.milliseconds) * factor).rounded()))
        if let retryAfter, retryAfter > delay {
            delay = min(retryAfter, longest)
        }
        return delay
    }

    public var description: String {
        delays.map(DurationText.format).joined(separator: ",")
    }
}
