import Foundation

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
    /// Deliveries per second at most (contract section 18), or nil for no limit.
    public var rateLimit: Int?

    public init(id: UUID, customerID: UUID, name: String?, detail: String?, url: String, method: WebhookMethod,
                eventTypes: [String], headers: [WebhookHeader], secret: WebhookSecret, retiredSecrets: [RetiredSecret],
                status: WebhookStatus, disabledReason: String?, createdAt: Millis, updatedAt: Millis,
                consecutiveFailures: Int = 0, failingSince: Millis? = nil, rateLimit: Int? = nil) {
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
        self.rateLimit = rateLimit
    }

    /// The time between two sends under the rate limit, in microseconds: 1% over 1/limit of a
    /// second, so that a send may start up to `Webhook.sendSlack` after its slot and still no
    /// one-second window holds more than the limit.
    public var sendSpacing: Int64? {
        rateLimit.map { 1_010_000 / Int64(max(1, $0)) + 1 }
    }

    /// How late after its reserved slot a send may still start (microseconds); a later one
    /// reserves again. Half of what the spacing's 1% margin gives over `limit` sends, the other
    /// half for the moment between this check and the attempt's start.
    public static let sendSlack: Int64 = 5_000

    /// Whether the endpoint is healthy or failing at `now` (contract section 13).
    public func health(at now: Millis) -> WebhookHealth {
        WebhookHealth.of(consecutiveFailures: consecutiveFailures, failingSince: failingSince, now: now)
    }

    /// The secrets that sign at `now`: the current one, then unexpired retired ones.
    public func signingSecrets(at now: Millis) -> [WebhookSecret] {
        [secret] + retiredSecrets.filter { $0.expiresAt > now }.map(\.secret)
    }
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

/// Whether a webhook receives deliveries.
public enum WebhookStatus: String, Sendable, Hashable, Codable {
    case active
    case disabled
}

/// The HTTP method of a webhook's deliveries.
public enum WebhookMethod: String, Sendable, Hashable, Codable {
    case post = "POST"
    case put = "PUT"
}

/// One extra request header of a webhook, in the order the customer gave.
public struct WebhookHeader: Sendable, Hashable {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Validated changes to a webhook: a create sets `url` and `eventTypes`; an update any subset.
/// An outer nil leaves a field as it is; `.some(nil)` clears an optional one.
public struct WebhookChanges: Sendable, Hashable {
    public var name: String??
    public var detail: String??
    public var url: String?
    public var method: WebhookMethod?
    public var eventTypes: [String]?
    public var headers: [WebhookHeader]?
    public var secret: WebhookSecret?
    /// Only on create; an update may repeat the webhook's own scheme, not change it.
    public var signatureScheme: WebhookSecret.Scheme?
    public var status: WebhookStatus?
    /// `.some(nil)` removes the limit.
    public var rateLimit: Int??

    public init() {}

    /// The scheme a new webhook signs with: the one asked for, else the given secret's, else HMAC.
    public var schemeForCreate: WebhookSecret.Scheme { signatureScheme ?? secret?.scheme ?? .hmacSHA256 }

    /// Why these changes cannot apply to a webhook that signs with `scheme`, or nil.
    public func schemeConflict(with scheme: WebhookSecret.Scheme) -> FieldError? {
        if let signatureScheme, signatureScheme != scheme {
            return FieldError(field: "signature_scheme", message: "cannot change after the webhook is created; create a new webhook")
        }
        if let secret, secret.scheme != scheme {
            return FieldError(field: "secret", message: "must be \(scheme.shape) for a webhook signing with \(scheme.rawValue)")
        }
        return nil
    }
}

extension Webhook {
    /// Applies validated changes; fields the changes leave out keep their values.
    public mutating func apply(_ changes: WebhookChanges) {
        if let name = changes.name { self.name = name }
        if let detail = changes.detail { self.detail = detail }
        if let url = changes.url { self.url = url }
        if let method = changes.method { self.method = method }
        if let eventTypes = changes.eventTypes { self.eventTypes = eventTypes }
        if let headers = changes.headers { self.headers = headers }
        if let secret = changes.secret { self.secret = secret }
        if let rateLimit = changes.rateLimit { self.rateLimit = rateLimit }
        if let status = changes.status {
            if status == .disabled, self.status == .active { disabledReason = FailurePolicy.customerReason }
            self.status = status
        }
    }

    /// Retired secrets kept per webhook at most (contract section 13); the oldest goes first.
    public static let maxRetiredSecrets = 5

    /// Keeps `secret` signing beside the new one until `now + lifetime`; drops expired ones.
    public mutating func retire(_ secret: WebhookSecret, now: Millis, lifetime: Duration) {
        let kept = retiredSecrets.filter { $0.expiresAt > now && $0.secret != secret }
            + [RetiredSecret(secret: secret, expiresAt: now + lifetime.milliseconds)]
        retiredSecrets = Array(kept.suffix(Self.maxRetiredSecrets))
    }
}

/// How an update changed a webhook's status, and what that means for its stored state.
public enum WebhookTransition: Sendable, Hashable {
    case unchanged
    case enabled
    case disabled

    /// Compares statuses; enabling clears `disabled_reason`.
    public init(from before: WebhookStatus, to webhook: inout Webhook) {
        if webhook.status == .active { webhook.disabledReason = nil }
        switch (before, webhook.status) {
        case (.disabled, .active):
            webhook.consecutiveFailures = 0
            webhook.failingSince = nil
            self = .enabled
        case (.active, .disabled): self = .disabled
        default: self = .unchanged
        }
    }
}
