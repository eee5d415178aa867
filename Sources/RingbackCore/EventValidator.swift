import Foundation

/// A publish request's event, validated (contract section 7).
public struct EventSubmission: Sendable, Hashable {
    /// The client's id, when it gave one (publishing is then idempotent).
    public let id: String?
    public let customerID: UUID
    public let type: EventType
    public let resourceID: String
    public let data: JSONValue
}

/// Validates the events of `POST /v1.0/events`, reporting every invalid field.
public enum EventValidator {
    public static let maxBatch = 1000
    public static let maxEventBytes = 256 * 1024
    /// The longest resource id (`data.id`) the schema keeps.
    public static let maxResourceIDLength = 256

    /// One event object; `prefix` names it in errors (`events[3].`).
    public static func validate(_ value: JSONValue, prefix: String = "") -> Result<EventSubmission, ValidationFailure> {
        guard case .object = value else {
            return .failure(ValidationFailure([FieldError(field: prefix.isEmpty ? "body" : String(prefix.dropLast()),
                                                          message: "must be a JSON object")]))
        }
        var errors: [FieldError] = []
        func fail(_ field: String, _ message: String) { errors.append(FieldError(field: prefix + field, message: message)) }

        var customerID: UUID?
        switch value["customer_id"] {
        case .string(let text)?:
            if let id = UUID(uuidString: text) { customerID = id } else { fail("customer_id", "must be a UUID") }
        case nil, .null?: fail("customer_id", "is required")
        case let other?: fail("customer_id", "must be a UUID string, not \(other.kind)")
        }

        var type: EventType?
        switch value["type"] {
        case .string(let text)?:
            type = EventCatalog.eventType(named: text)
            if type == nil {
                fail("type", text == EventCatalog.testEvent.name
                     ? "webhook_test is sent only by the test route"
                     : EventCatalog.subscribable(named: text) != nil ? "\(text) is published only by Ringback itself"
                     : "unknown event type '\(text)'")
            }
        case nil, .null?: fail("type", "is required")
        case let other?: fail("type", "must be a string, not \(other.kind)")
        }

        var resourceID: String?
        switch value["data"] {
        case .object?:
            switch value["data"]?["id"] {
            case .string(let text)? where text.isEmpty || text.count > maxResourceIDLength:
                fail("data.id", "must be 1 to \(maxResourceIDLength) characters")
            case .string(let text)? where !StorableText.isStorable(text): fail("data.id", StorableText.nulMessage)
            case .string(let text)?: resourceID = text
            case nil: fail("data.id", "is required: the resource's id")
            default: fail("data.id", "must be a non-empty string")
            }
        case nil, .null?: fail("data", "is required")
        case let other?: fail("data", "must be an object, not \(other.kind)")
        }

        var id: String?
        switch value["id"] {
        case nil, .null?: break
        case .string(let text)?:
            if EventID.isValidClientID(text) { id = text } else { fail("id", "must be 1 to 64 of A-Z a-z 0-9 _ -") }
        case let other?: fail("id", "must be a string, not \(other.kind)")
        }

        guard errors.isEmpty, let customerID, let type, let resourceID, let data = value["data"] else {
            return .failure(ValidationFailure(errors))
        }
        return .success(EventSubmission(id: id, customerID: customerID, type: type, resourceID: resourceID, data: data))
    }
}
