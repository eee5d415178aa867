/// Whether an endpoint is answering (contract section 13). A `failing` endpoint gets one
/// attempt in flight at a time, a probe, until an attempt succeeds; no delivery is dropped
/// and no schedule changes.
public enum WebhookHealth: String, Sendable, Hashable, Codable {
    case healthy
    case failing

    /// Failed attempts in a row that make an endpoint failing.
    public static let failingAfterAttempts = 5
    /// How long attempts must have failed, without a success, to make an endpoint failing.
    public static let failingAfter: Duration = .seconds(60)

    /// The health of an endpoint whose latest `consecutiveFailures` attempts failed, the first
    /// of them at `failingSince` (milliseconds since 1970).
    public static func of(consecutiveFailures: Int, failingSince: Int64?, now: Int64) -> WebhookHealth {
        if consecutiveFailures >= failingAfterAttempts { return .failing }
        if let failingSince, now - failingSince >= failingAfter.milliseconds { return .failing }
        return .healthy
    }
}

/// How a run of failures is judged: when it disables the webhook, and when a quiet period
/// ends it (contract section 8: a webhook whose attempts have all failed for 5 days is disabled).
public struct FailurePolicy: Sendable, Hashable {
    /// A webhook whose attempts have all failed for this long is disabled.
    public var disableAfter: Duration
    /// A lone failure this long after the previous failed attempt does not disable the webhook
    /// at once (its next failure does): a webhook that failed, then got no traffic for a week,
    /// gets another try before it is disabled.
    public var quietGap: Duration

    public init(disableAfter: Duration = .seconds(5 * 24 * 3600), schedule: RetrySchedule) {
        self.disableAfter = disableAfter
        // Longer than any retry step with its jitter: a pending delivery is attempted sooner.
        self.quietGap = max(.seconds(24 * 3600), schedule.longest * 2)
    }

    /// Why a webhook whose attempts all failed for `disableAfter` was disabled.
    public var staleReason: String {
        "disabled by Ringback: every attempt failed for " + DurationText.format(disableAfter)
    }

    /// Why a webhook that answered 410 was disabled.
    public static let goneReason = "disabled by Ringback: the endpoint answered 410 Gone"
    /// Why a webhook the customer disabled is disabled.
    public static let customerReason = "disabled by the customer"
}
