import Foundation
import RingbackCore

/// Times in the store are milliseconds since 1970, UTC.
public typealias Millis = Int64

/// A customer of the platform (a tenant).
public struct Customer: Sendable, Hashable {
    public let id: UUID
    public let name: String
    public let detail: String
    public let createdAt: Millis

    public init(id: UUID, name: String, detail: String, createdAt: Millis) {
        self.id = id
        self.name = name
        self.detail = detail
        self.createdAt = createdAt
    }
}

/// An access key's public part; the token itself is only ever shown once.
public struct AccessKey: Sendable, Hashable {
    public let id: UUID
    public let customerID: UUID
    public let createdAt: Millis
}

/// A secret that keeps signing beside the current one until it expires (after a rotation).
public struct RetiredSecret: Sendable, Hashable {
    public let secret: WebhookSecret
    public let expiresAt: Millis

    public init(secret: WebhookSecret, expiresAt: Millis) {
        self.secret = secret
        self.expiresAt = expiresAt
    }
}

/// One endpoint of one customer.
public struct Webhook: Sendable, Hashable {
    public var id: UUID
    public var customerID: UUID
    public var name: String?
    public var detail: String?
    public var url: String
    public var method: WebhookMethod
    public var eventTypes: [String]
    public var headers: [WebhookHeader]
    public var secret: WebhookSecret
    public var retiredSecrets: [RetiredSecret]
    public var status: WebhookStatus
    public var disabledReason: String?
    public var createdAt: Millis
    public var updatedAt: Millis
    /// Failed attempts since the last success (kept by the store, never by a client).
    public var consecutiveFailures: Int
    /// The first failed attempt since the last success, when the latest attempt failed.
    public var failingSince: Millis?

    public init(id: UUID, customerID: UUID, name: String?, detail: String?, url: String, method: WebhookMethod,
                eventTypes: [String], headers: [WebhookHeader], secret: WebhookSecret, retiredSecrets: [RetiredSecret],
                status: WebhookStatus, disabledReason: String?, createdAt: Millis, updatedAt: Millis,
                consecutiveFailures: Int = 0, failingSince: Millis? = nil) {
        self.id = id
        self.customerID = customerID
        self.name = name
        self.detail = detail
        self.url = url
        self.method = method
        self.eventTypes = eventTypes
        self.headers = headers
        self.secret = secret
        self.retiredSecrets = retiredSecrets
        self.status = status
        self.disabledReason = disabledReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.consecutiveFailures = consecutiveFailures
        self.failingSince = failingSince
    }

    /// Whether the endpoint is healthy or failing at `now` (contract section 13).
    public func health(at now: Millis) -> WebhookHealth {
        WebhookHealth.of(consecutiveFailures: consecutiveFailures, failingSince: failingSince, now: now)
    }

    /// The secrets that sign at `now`: the current one, then unexpired retired ones.
    public func signingSecrets(at now: Millis) -> [WebhookSecret] {
        [secret] + retiredSecrets.filter { $0.expiresAt > now }.map(\.secret)
    }
}

/// An event to publish; `body` is the delivered JSON, built once.
public struct NewEvent: Sendable, Hashable {
    public let id: String
    public let customerID: UUID
    public let type: EventType
    public let resourceID: String
    public let data: JSONValue
    public let createdAt: Millis
    /// The body every attempt sends, built once here:
    /// `{"id","type","resource_type","timestamp","data"}`.
    public let body: [UInt8]

    public init(id: String, customerID: UUID, type: EventType, resourceID: String, data: JSONValue, createdAt: Millis) {
        self.id = id
        self.customerID = customerID
        self.type = type
        self.resourceID = resourceID
        self.data = data
        self.createdAt = createdAt
        self.body = JSONValue.object([
            JSONMember("id", .string(id)),
            JSONMember("type", .string(type.name)),
            JSONMember("resource_type", .string(type.resourceType)),
            JSONMember("timestamp", .string(Timestamp.format(milliseconds: createdAt))),
            JSONMember("data", data),
        ]).serialized()
    }
}

/// A stored event.
public struct Event: Sendable, Hashable {
    public let id: String
    public let customerID: UUID
    public let type: String
    public let resourceType: String
    public let resourceID: String
    public let body: [UInt8]
    public let createdAt: Millis

    /// The published `data`, read back from the stored body.
    public var data: JSONValue {
        ((try? JSONParser.parse(body))?["data"]) ?? .null
    }
}

/// What publishing one event did.
public struct PublishResult: Sendable, Hashable {
    public let event: Event
    /// False when an event with the same client id existed: nothing new was created.
    public let created: Bool
    public let deliveryCount: Int
}

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
    var settledState: (status: DeliveryStatus, nextAttemptAt: Millis?) {
        switch next {
        case .succeeded: (.succeeded, nil)
        case .retry(let at): (.pending, at)
        case .failed, .gone: (.failed, nil)
        }
    }

    /// Whether the attempt succeeded.
    var succeeded: Bool {
        if case .succeeded = next { return true }
        return false
    }
}

/// A page of a newest-first listing; `next` continues after its last item.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let next: Int64?

    public init(items: [Item], next: Int64?) {
        self.items = items
        self.next = next
    }
}

/// Where a listing starts and how much it returns.
public struct PageRequest: Sendable, Hashable {
    public let size: Int
    /// Only items older than this position (from a previous page's `next`).
    public let before: Int64?

    public init(size: Int, before: Int64?) {
        self.size = size
        self.before = before
    }
}
