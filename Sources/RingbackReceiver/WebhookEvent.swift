import Foundation

/// The body of a delivery: `{"id", "type", "resource_type", "timestamp", "data"}`.
public struct WebhookEvent: Decodable, Sendable {
    public let id: String
    /// The event type, e.g. `call_hangup`.
    public let type: String
    /// The resource type, e.g. `call`.
    public let resourceType: String
    /// When the event was published (RFC 3339).
    public let timestamp: String
    /// `data` as published.
    public let data: JSON

    enum CodingKeys: String, CodingKey {
        case id, type, timestamp, data
        case resourceType = "resource_type"
    }

    /// Decodes a delivery's body.
    public init(body: some DataProtocol) throws {
        self = try JSONDecoder().decode(WebhookEvent.self, from: Data(body))
    }

    /// `data` as one of the 12 resources' types, chosen by the event type.
    public var resource: Resource {
        get throws {
            func decode<T: Decodable>(_ type: T.Type) throws -> T { try data.decode(type) }
            switch resourceType {
            case "call": return .call(try decode(Call.self))
            case "groupcall": return .groupCall(try decode(GroupCall.self))
            case "conference": return .conference(try decode(Conference.self))
            case "conferencecall": return .conferenceCall(try decode(ConferenceCall.self))
            case "message": return .message(try decode(Message.self))
            case "recording": return .recording(try decode(Recording.self))
            case "transcribe":
                if type.hasPrefix("transcript_") { return .transcript(try decode(Transcript.self)) }
                if type.hasPrefix("transcribe_speech_") { return .speech(try decode(Speech.self)) }
                if type.hasPrefix("streaming_") { return .streaming(try decode(Streaming.self)) }
                return .transcribe(try decode(Transcribe.self))
            case "queue": return .queue(try decode(Queue.self))
            case "queuecall": return .queueCall(try decode(QueueCall.self))
            case "activeflow": return .activeFlow(try decode(ActiveFlow.self))
            case "campaign":
                if type.hasPrefix("campaigncall_") { return .campaignCall(try decode(CampaignCall.self)) }
                return .campaign(try decode(Campaign.self))
            case "number": return .number(try decode(Number.self))
            case "webhook" where type == "webhook_test": return .webhookTest(try decode(WebhookTest.self))
            case "webhook" where type == "webhook_disabled": return .webhookDisabled(try decode(WebhookDisabled.self))
            case "webhook" where type == "delivery_failed": return .deliveryFailed(try decode(DeliveryFailed.self))
            default: return .other(data)
            }
        }
    }

    /// What `data` holds, typed.
    public enum Resource: Sendable, Hashable {
        case call(Call), groupCall(GroupCall), conference(Conference), conferenceCall(ConferenceCall)
        case message(Message), recording(Recording)
        case transcribe(Transcribe), transcript(Transcript), speech(Speech), streaming(Streaming)
        case queue(Queue), queueCall(QueueCall), activeFlow(ActiveFlow)
        case campaign(Campaign), campaignCall(CampaignCall), number(Number)
        /// Ringback's own: the test ping, a webhook it disabled, a delivery that used up its schedule.
        case webhookTest(WebhookTest), webhookDisabled(WebhookDisabled), deliveryFailed(DeliveryFailed)
        /// A resource type this library does not know yet.
        case other(JSON)
    }
}

/// Any JSON value, kept as it came.
public enum JSON: Codable, Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// This value decoded as `T` (snake_case keys to camelCase properties, as the resource types are).
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: JSONEncoder().encode(self))
    }
}
