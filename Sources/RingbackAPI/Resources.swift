import Foundation
import RingbackCore

// What the API returns, one type per resource (contract sections 4 to 9 and 13): encoded by
// `JSONValueEncoder`, so property names become snake_case, nils show as null, and event `data`
// stays as it was published. `openapi.json` describes each; a test checks the two agree.

/// A time as the API shows it: RFC 3339 UTC with milliseconds.
struct Time: Encodable, Sendable {
    let millis: Millis

    init(_ millis: Millis) {
        self.millis = millis
    }

    init?(_ millis: Millis?) {
        guard let millis else { return nil }
        self.millis = millis
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Timestamp.format(milliseconds: millis))
    }
}

/// A portal session: the link that opens the portal signed in, and when it stops working.
struct PortalSessionResource: Encodable, Sendable {
    let id: String
    let url: String
    let expiresAt: Time
}

struct CustomerResource: Encodable, Sendable {
    let id: String
    let name: String
    let detail: String
    let tmCreate: Time

    init(_ customer: Customer) {
        id = customer.id.text
        name = customer.name
        detail = customer.detail
        tmCreate = Time(customer.createdAt)
    }
}

/// A new customer with its first access key, shown only once.
struct CreatedCustomerResource: Encodable, Sendable {
    struct Key: Encodable, Sendable {
        let id: String
        let token: String
    }

    let id: String
    let name: String
    let detail: String
    let tmCreate: Time
    let accesskey: Key

    init(_ customer: Customer, key: AccessKey, token: String) {
        id = customer.id.text
        name = customer.name
        detail = customer.detail
        tmCreate = Time(customer.createdAt)
        accesskey = Key(id: key.id.text, token: token)
    }
}

struct AccessKeyResource: Encodable, Sendable {
    let id: String
    let token: String
    let tmCreate: Time
}

struct WebhookResource: Encodable, Sendable {
    let id: String
    let customerID: String
    let name: String?
    let detail: String?
    let url: String
    let method: String
    let eventTypes: [String]
    let headers: JSONValue
    let secret: String?
    let publicKey: String?
    let signatureScheme: String
    let rateLimit: Int?
    let status: String
    let disabledReason: String?
    let health: String
    let failingSince: Time?
    let tmCreate: Time
    let tmUpdate: Time

    /// The webhook at `now`; the secret only where the contract shows it (the create).
    init(_ webhook: Webhook, at now: Millis, withSecret: Bool = false) {
        let health = webhook.health(at: now)
        id = webhook.id.text
        customerID = webhook.customerID.text
        name = webhook.name
        detail = webhook.detail
        url = webhook.url
        method = webhook.method.rawValue
        eventTypes = webhook.eventTypes
        headers = .object(webhook.headers.map { JSONMember($0.name, .string($0.value)) })
        // Shown on create only; an Ed25519 webhook shows its public key instead, always.
        secret = withSecret && webhook.secret.scheme == .hmacSHA256 ? webhook.secret.text : nil
        publicKey = webhook.secret.publicKey
        signatureScheme = webhook.secret.scheme.rawValue
        rateLimit = webhook.rateLimit
        status = webhook.status.rawValue
        disabledReason = webhook.disabledReason
        self.health = health.rawValue
        failingSince = health == .failing ? Time(webhook.failingSince) : nil
        tmCreate = Time(webhook.createdAt)
        tmUpdate = Time(webhook.updatedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, customerID, name, detail, url, method, eventTypes, headers, secret, publicKey, signatureScheme, rateLimit, status
        case disabledReason, health
        case failingSince, tmCreate, tmUpdate
    }

    /// As synthesised, but `secret` and `public_key` are left out (not null) where not shown.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(customerID, forKey: .customerID)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(detail, forKey: .detail)
        try container.encode(url, forKey: .url)
        try container.encode(method, forKey: .method)
        try container.encode(eventTypes, forKey: .eventTypes)
        try container.encode(headers, forKey: .headers)
        if let secret { try container.encode(secret, forKey: .secret) }
        if let publicKey { try container.encode(publicKey, forKey: .publicKey) }
        try container.encode(signatureScheme, forKey: .signatureScheme)
        try container.encode(rateLimit, forKey: .rateLimit)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(disabledReason, forKey: .disabledReason)
        try container.encode(health, forKey: .health)
        try container.encodeIfPresent(failingSince, forKey: .failingSince)
        try container.encode(tmCreate, forKey: .tmCreate)
        try container.encode(tmUpdate, forKey: .tmUpdate)
    }
}

/// An event, written straight to bytes: its `data` is copied from the stored body as it is,
/// never parsed and encoded again (a batch answer holds up to 1,000 of them).
struct EventResource: Sendable {
    let event: Event

    init(_ event: Event) {
        self.event = event
    }

    func write(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":"#.utf8)
        JSONValue.writeString(event.id, to: &out)
        out.append(contentsOf: #","customer_id":"#.utf8)
        JSONValue.writeString(event.customerID.text, to: &out)
        out.append(contentsOf: #","type":"#.utf8)
        JSONValue.writeString(event.type, to: &out)
        out.append(contentsOf: #","resource_type":"#.utf8)
        JSONValue.writeString(event.resourceType, to: &out)
        out.append(contentsOf: #","resource_id":"#.utf8)
        JSONValue.writeString(event.resourceID, to: &out)
        out.append(contentsOf: #","data":"#.utf8)
        out.append(contentsOf: event.dataJSON)
        out.append(contentsOf: #","tm_create":"#.utf8)
        JSONValue.writeString(Timestamp.format(milliseconds: event.createdAt), to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// `{"result": [...]}`.
    static func list(_ events: [Event]) -> [UInt8] {
        var out = items(events)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `{"result": [...], "next_page_token": ...}`.
    static func page(_ page: Page<Event>) -> [UInt8] {
        var out = items(page.items)
        out.append(contentsOf: #","next_page_token":"#.utf8)
        if let next = page.next { JSONValue.writeString(PageToken.encode(next), to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `{"result":[...]` without the closing brace.
    private static func items(_ events: [Event]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(events.reduce(64) { $0 + $1.body.count + 160 })
        out.append(contentsOf: #"{"result":["#.utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            EventResource(event).write(to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}

struct AttemptResource: Encodable, Sendable {
    let attempt: Int
    let tmStart: Time
    let durationMS: Int64
    let statusCode: Int?
    let error: String?
    let errorCode: String?
    let responseBody: String?

    init(_ attempt: Attempt) {
        self.attempt = attempt.number
        tmStart = Time(attempt.startedAt)
        durationMS = attempt.durationMS
        statusCode = attempt.statusCode
        error = attempt.error?.description
        errorCode = attempt.error?.code.rawValue
        responseBody = attempt.responseBody
    }
}

struct DeliveryResource: Encodable, Sendable {
    let id: String
    let webhookID: String
    let eventID: String
    let eventType: String
    let resourceID: String
    let status: String
    let attemptCount: Int
    let nextAttemptAt: Time?
    let lastAttemptAt: Time?
    let lastStatusCode: Int?
    let lastError: String?
    let lastErrorCode: String?
    let tmCreate: Time
    let attempts: [AttemptResource]?

    init(_ delivery: Delivery, attempts: [Attempt]? = nil) {
        id = delivery.id.text
        webhookID = delivery.webhookID.text
        eventID = delivery.eventID
        eventType = delivery.eventType
        resourceID = delivery.resourceID
        status = delivery.status.rawValue
        attemptCount = delivery.attemptCount
        nextAttemptAt = delivery.status == .pending ? Time(delivery.nextAttemptAt) : nil
        lastAttemptAt = Time(delivery.lastAttemptAt)
        lastStatusCode = delivery.lastStatusCode
        lastError = delivery.lastError?.description
        lastErrorCode = delivery.lastError?.code.rawValue
        tmCreate = Time(delivery.createdAt)
        self.attempts = attempts.map { $0.map(AttemptResource.init) }
    }

    enum CodingKeys: String, CodingKey {
        case id, webhookID, eventID, eventType, resourceID, status, attemptCount, nextAttemptAt, lastAttemptAt
        case lastStatusCode, lastError, lastErrorCode, tmCreate, attempts
    }

    /// As synthesised, but `attempts` is left out of listings.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(webhookID, forKey: .webhookID)
        try container.encode(eventID, forKey: .eventID)
        try container.encode(eventType, forKey: .eventType)
        try container.encode(resourceID, forKey: .resourceID)
        try container.encode(status, forKey: .status)
        try container.encode(attemptCount, forKey: .attemptCount)
        try container.encodeIfPresent(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encodeIfPresent(lastAttemptAt, forKey: .lastAttemptAt)
        try container.encodeIfPresent(lastStatusCode, forKey: .lastStatusCode)
        try container.encodeIfPresent(lastError, forKey: .lastError)
        try container.encodeIfPresent(lastErrorCode, forKey: .lastErrorCode)
        try container.encode(tmCreate, forKey: .tmCreate)
        if let attempts { try container.encode(attempts, forKey: .attempts) }
    }
}

struct EventTypeResource: Encodable, Sendable {
    let name: String
    let resourceType: String
    let description: String
    let schema: JSONValue?
    let example: JSONValue?

    init(_ type: EventType, schemas: EventSchemas) {
        let entry = schemas[type.name]
        name = type.name
        resourceType = type.resourceType
        description = entry?.description ?? type.description
        schema = entry?.schema
        example = entry?.example
    }
}

/// `{"result": [...], "next_page_token": ...}`.
struct PageResource<Item: Encodable & Sendable>: Encodable, Sendable {
    let result: [Item]
    let nextPageToken: String?
}

/// `{"result": [...]}`.
struct ListResource<Item: Encodable & Sendable>: Encodable, Sendable {
    let result: [Item]
}

/// `GET /v1.0/webhooks/{id}/stats` (contract section 17).
struct StatsResource: Encodable, Sendable {
    struct Durations: Encodable, Sendable {
        let p50: Int64?
        let p99: Int64?
    }

    struct Bucket: Encodable, Sendable {
        let start: Time
        let attempts: Int
        let succeeded: Int
        let failed: Int
    }

    let since: Time
    let until: Time
    let attempts: Int
    let succeeded: Int
    let failed: Int
    let successRate: Double?
    let durationMs: Durations
    let buckets: [Bucket]

    init(_ stats: WebhookStats) {
        since = Time(stats.since)
        until = Time(stats.until)
        attempts = stats.attempts
        succeeded = stats.succeeded
        failed = stats.failed
        successRate = stats.successRate
        durationMs = Durations(p50: stats.p50, p99: stats.p99)
        buckets = stats.buckets.map { Bucket(start: Time($0.start), attempts: $0.attempts, succeeded: $0.succeeded, failed: $0.failed) }
    }
}
