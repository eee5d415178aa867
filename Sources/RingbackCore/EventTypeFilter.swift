/// One entry of a webhook's `event_types`: an exact name, a resource wildcard or `*`.
public enum EventTypeFilter: Sendable, Hashable {
    case exact(String)
    case resource(String)
    case any

    /// Parses one entry; nil when it names nothing in the catalog. `webhook.*` is accepted and
    /// matches nothing: Ringback's own events match only their exact names.
    public init?(_ text: String) {
        if text == "*" {
            self = .any
        } else if text.hasSuffix(".*") {
            let resource = String(text.dropLast(2))
            guard EventCatalog.resourceTypes.contains(resource) || resource == "webhook" else { return nil }
            self = .resource(resource)
        } else if EventCatalog.subscribable(named: text) != nil {
            self = .exact(text)
        } else {
            return nil
        }
    }

    /// The entry as written.
    public var text: String {
        switch self {
        case .exact(let name): name
        case .resource(let resource): "\(resource).*"
        case .any: "*"
        }
    }

    /// Whether an event of this type matches the entry.
    public func matches(_ type: EventType) -> Bool {
        switch self {
        case .exact(let name): name == type.name
        case .resource(let resource): resource == type.resourceType && !type.isOperational
        case .any: !type.isOperational
        }
    }

    /// Whether any of the entries (stored as text) matches the event type.
    public static func anyMatches(_ entries: [String], _ type: EventType) -> Bool {
        entries.contains { EventTypeFilter($0)?.matches(type) ?? false }
    }
}
