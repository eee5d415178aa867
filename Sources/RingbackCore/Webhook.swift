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
    public var status: WebhookStatus?

    public init() {}
}
