import Foundation
import RingbackCore

/// How the dispatcher claims and attempts deliveries.
public struct DispatcherConfiguration: Sendable {
    public var schedule: RetrySchedule
    /// The whole-attempt limit (the sender's), which a lease must outlast when an attempt starts.
    public var timeout: Duration
    /// How much longer than an attempt a lease must last when the attempt starts, to record it.
    public var leaseMargin: Duration {
        min(.seconds(5), (lease - timeout) / 2)
    }
    /// Attempts in flight at once, in all.
    public var maxInFlight: Int
    /// Attempts in flight at once to one webhook, so that a hanging endpoint holds only its share.
    public var maxInFlightPerWebhook: Int
    /// Deliveries claimed per store round trip at most.
    public var claimBatch: Int = 256
    /// How long a claim is held; an attempt whose node died is made again after it.
    public var lease: Duration
    /// A webhook whose attempts all failed for this long is disabled.
    public var disableAfter: Duration = .seconds(5 * 24 * 3600)
    /// The longest wait without a wake-up: a safety net, not the way work is found.
    public var safetyPoll: Duration = .seconds(2)
    /// This node's name on its leases.
    public var owner: String = "node-" + UUID().uuidString.lowercased().prefix(8)
    public var userAgent: String

    public init(schedule: RetrySchedule, timeout: Duration, maxInFlight: Int, maxInFlightPerWebhook: Int, userAgent: String) {
        self.schedule = schedule
        self.timeout = timeout
        self.maxInFlight = maxInFlight
        self.maxInFlightPerWebhook = maxInFlightPerWebhook
        self.userAgent = userAgent
        // Long enough to cover an attempt and the recording of its outcome.
        self.lease = timeout * 2 + .seconds(30)
    }
}
