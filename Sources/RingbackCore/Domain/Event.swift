import Foundation

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

    public init(id: String, customerID: UUID, type: String, resourceType: String, resourceID: String, body: [UInt8],
                createdAt: Millis) {
        self.id = id
        self.customerID = customerID
        self.type = type
        self.resourceType = resourceType
        self.resourceID = resourceID
        self.body = body
        self.createdAt = createdAt
    }

    /// A new event as stored.
    public init(_ event: NewEvent) {
        self.init(id: event.id, customerID: event.customerID, type: event.type.name, resourceType: event.type.resourceType,
                  resourceID: event.resourceID, body: event.body, createdAt: event.createdAt)
    }

    /// The published `data`, read back from the stored body.
    public var data: JSONValue {
        ((try? JSONParser.parse(body))?["data"]) ?? .null
    }

    /// The published `data` as the JSON text it is stored as, without parsing: the body's last
    /// member (`NewEvent.body`; nothing before it can contain the marker).
    public var dataJSON: ArraySlice<UInt8> {
        if body.last == UInt8(ascii: "}"), let start = Self.end(of: Self.dataMarker, in: body) {
            return body[start..<(body.count - 1)]
        }
        return data.serialized()[...]
    }

    private static let dataMarker = Array(#","data":"#.utf8)

    /// Where the first `marker` in `bytes` ends. A plain loop: Foundation's generic
    /// `firstRange(of:)` cost more than the rest of rendering an event.
    private static func end(of marker: [UInt8], in bytes: [UInt8]) -> Int? {
        guard let first = marker.first, bytes.count >= marker.count else { return nil }
        return bytes.withUnsafeBufferPointer { bytes in
            marker.withUnsafeBufferPointer { marker in
                var index = 0
                while index <= bytes.count - marker.count {
                    if bytes[index] == first {
                        var matched = 1
                        while matched < marker.count && bytes[index + matched] == marker[matched] { matched += 1 }
                        if matched == marker.count { return index + marker.count }
                    }
                    index += 1
                }
                return nil
            }
        }
    }
}

/// What publishing one event did.
public struct PublishResult: Sendable, Hashable {
    public let event: Event
    /// False when an event with the same client id existed: nothing new was created.
    public let created: Bool
    public let deliveryCount: Int

    public init(event: Event, created: Bool, deliveryCount: Int) {
        self.event = event
        self.created = created
        self.deliveryCount = deliveryCount
    }
}
