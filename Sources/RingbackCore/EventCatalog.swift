/// One event type of the catalog: `call_hangup` of resource type `call`.
public struct EventType: Sendable, Hashable, Codable {
    public let name: String
    public let resourceType: String
    public let description: String

    public init(name: String, resourceType: String, description: String) {
        self.name = name
        self.resourceType = resourceType
        self.description = description
    }
}

/// The event types the platform publishes, by resource type (contract section 6).
public enum EventCatalog {
    /// The ping that `/test` sends; it needs no subscription and cannot be published.
    public static let testEvent = EventType(
        name: "webhook_test", resourceType: "webhook", description: "A test ping sent on request."
    )

    /// Resource types in catalog order, each with its event type names.
    public static let resources: [(resourceType: String, events: [String])] = [
        ("call", ["call_created", "call_updated", "call_deleted", "call_dialing", "call_ringing",
                  "call_progressing", "call_terminating", "call_canceling", "call_hangup"]),
        ("groupcall", ["groupcall_created", "groupcall_progressing", "groupcall_hangup", "groupcall_deleted"]),
        ("conference", ["conference_created", "conference_updated", "conference_deleted"]),
        ("conferencecall", ["conferencecall_joining", "conferencecall_joined", "conferencecall_leaving",
                            "conferencecall_leaved"]),
        ("message", ["message_created", "message_updated", "message_deleted"]),
        ("recording", ["recording_started", "recording_finished"]),
        ("transcribe", ["transcribe_created", "transcribe_progressing", "transcribe_done", "transcribe_deleted",
                        "transcript_created", "transcript_deleted", "transcribe_speech_started",
                        "transcribe_speech_interim", "transcribe_speech_ended", "streaming_started",
                        "streaming_stopped"]),
        ("queue", ["queue_created", "queue_updated", "queue_deleted"]),
        ("queuecall", ["queuecall_created", "queuecall_waiting", "queuecall_connecting", "queuecall_serviced",
                       "queuecall_done", "queuecall_abandoned", "queuecall_deleted"]),
        ("activeflow", ["activeflow_created", "activeflow_updated", "activeflow_deleted"]),
        ("campaign", ["campaign_created", "campaign_updated", "campaign_deleted", "campaign_status_run",
                      "campaign_status_stopping", "campaign_status_stop", "campaigncall_created",
                      "campaigncall_updated", "campaigncall_deleted"]),
        ("number", ["number_created", "number_updated", "number_deleted", "number_renewed"]),
    ]

    /// Ringback's own events about a customer's webhooks (contract section 18): published by
    /// Ringback, never by the platform, and matched only by their exact names.
    public static let webhookDisabled = EventType(
        name: "webhook_disabled", resourceType: "webhook", description: "Ringback disabled one of the customer's webhooks.")
    public static let deliveryFailed = EventType(
        name: "delivery_failed", resourceType: "webhook", description: "A delivery used up its retry schedule.")
    public static let operational = [webhookDisabled, deliveryFailed]

    /// What `GET /v1.0/webhook-event-types` lists: the publishable types, then the operational ones.
    public static var listed: [EventType] { all + operational }

    /// Any event type a webhook can name: publishable or operational.
    public static func subscribable(named name: String) -> EventType? {
        byName[name] ?? operational.first { $0.name == name }
    }

    /// Every publishable event type, in catalog order.
    public static let all: [EventType] = resources.flatMap { resource in
        resource.events.map { name in
            EventType(name: name, resourceType: resource.resourceType, description: describe(name))
        }
    }

    private static let byName: [String: EventType] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0) }
    )

    /// The resource types, as a set.
    public static let resourceTypes: Set<String> = Set(resources.map(\.resourceType))

    /// The publishable event type with this name, or nil (`webhook_test` is not publishable).
    public static func eventType(named name: String) -> EventType? {
        byName[name]
    }

    /// "call_hangup" -> "A call hangup event." Generated so the catalog stays one list of names.
    private static func describe(_ name: String) -> String {
        let words = name.replacingOccurrences(of: "_", with: " ")
        let article = words.first.map { "aeiou".contains($0) } == true ? "An" : "A"
        return "\(article) \(words) event."
    }
}

extension EventType {
    /// One of Ringback's own events (`webhook_disabled`, `delivery_failed`).
    public var isOperational: Bool { resourceType == "webhook" && self != EventCatalog.testEvent }
}
