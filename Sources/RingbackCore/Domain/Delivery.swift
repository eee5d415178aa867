import Foundation

public enum DeliveryStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    case succeeded
    case failed
}

/// One delivery of one event to one webhook.
public struct Delivery: Sendable, Hashable {
    public let id: UUID
    public let webhookID: UUID
    public let eventID: String
    public let eventType: String
    public let resourceID: String
    public let status: DeliveryStatus
    public let attemptCount: Int
    public let nextAttemptAt: Millis?
    public let lastAttemptAt: Millis?
    public let lastStatusCode: Int?
    public let lastError: AttemptError?
    public let createdAt: Millis

    public init(id: UUID, webhookID: UUID, eventID: String, eventType: String, resourceID: String, status: DeliveryStatus,
                attemptCount: Int, nextAttemptAt: Millis?, lastAttemptAt: Millis?, lastStatusCode: Int?, lastError: AttemptError?,
                createdAt: Millis) {
        self.id = id
        self.webhookID = webhookID
        self.eventID = eventID
        self.eventType = eventType
        self.resourceID = resourceID
        self.status = status
        self.attemptCount = attemptCount
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.createdAt = createdAt
    }
}

/// One attempt of a delivery.
public struct Attempt: Sendable, Hashable {
    public let number: Int
    public let startedAt: Millis
    public let durationMS: Int64
    public let statusCode: Int?
    public let error: AttemptError?
    public let responseBody: String?

    public init(number: Int, startedAt: Millis, durationMS: Int64, statusCode: Int?, error: AttemptError?, responseBody: String?) {
        self.number = number
        self.startedAt = startedAt
        self.durationMS = durationMS
        self.statusCode = statusCode
        self.error = error
        self.responseBody = responseBody
    }
}

/// A delivery leased to this node for one attempt, with everything the attempt needs.
public struct ClaimedDelivery: Sendable {
    public let seq: Int64
    public let id: UUID
    public let webhook: Webhook
    /// This node's hold on the delivery; an attempt is sent, and recorded, only while it lasts.
    public let lease: Lease
    /// Until when this node holds the delivery.
    public var leaseUntil: Millis { lease.until }
    public let eventID: String
    public let eventCreatedAt: Millis
    public let body: [UInt8]
    /// The number of the attempt about to be made (1-based).
    public let attemptNumber: Int
    /// The attempt number that began the current round of the retry schedule.
    public let roundStart: Int
    /// Attempts allowed in this round; nil means the whole schedule.
    public let roundAttempts: Int?

    public init(seq: Int64, id: UUID, webhook: Webhook, lease: Lease, eventID: String, eventCreatedAt: Millis, body: [UInt8],
                attemptNumber: Int, roundStart: Int, roundAttempts: Int?) {
        self.seq = seq
        self.id = id
        self.webhook = webhook
        self.lease = lease
        self.eventID = eventID
        self.eventCreatedAt = eventCreatedAt
        self.body = body
        self.attemptNumber = attemptNumber
        self.roundStart = roundStart
        self.roundAttempts = roundAttempts
    }

    /// The same claim with its lease extended.
    public func withLease(until: Millis) -> ClaimedDelivery {
        ClaimedDelivery(seq: seq, id: id, webhook: webhook, lease: Lease(owner: lease.owner, until: until), eventID: eventID,
                        eventCreatedAt: eventCreatedAt,
                        body: body, attemptNumber: attemptNumber, roundStart: roundStart, roundAttempts: roundAttempts)
    }
}

/// A node's hold on a delivery: its name and the lease's end, which together identify one claim.
public struct Lease: Sendable, Hashable {
    public let owner: String
    public let until: Millis

    public init(owner: String, until: Millis) {
        self.owner = owner
        self.until = until
    }
}

/// How an attempt ended and what happens next.
public struct AttemptOutcome: Sendable {
    public enum Next: Sendable, Hashable {
        case succeeded
        case retry(at: Millis)
        case failed
        /// Fail the delivery and disable its webhook (410 Gone).
        case gone
    }

    public let deliverySeq: Int64
    public let webhookID: UUID
    /// The claim the attempt was made under: an outcome counts only while it still holds.
    public let lease: Lease
    public let attempt: Attempt
    public let next: Next

    public init(deliverySeq: Int64, webhookID: UUID, lease: Lease, attempt: Attempt, next: Next) {
        self.deliverySeq = deliverySeq
        self.webhookID = webhookID
        self.lease = lease
        self.attempt = attempt
        self.next = next
    }

    /// The delivery's status and next attempt time once this outcome is recorded.
    public var settledState: (status: DeliveryStatus, nextAttemptAt: Millis?) {
        switch next {
        case .succeeded: (.succeeded, nil)
        case .retry(let at): (.pending, at)
        case .failed, .gone: (.failed, nil)
        }
    }

    /// Whether the attempt succeeded.
    public var succeeded: Bool {
        if case .succeeded = next { return true }
        return false
    }
}
