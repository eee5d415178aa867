import Foundation

/// Realistic VoIPBIN traffic for `ringback simulate` (contract section 16): resource
/// lifecycles in the order VoIPBIN's own resources go through them (`resources.md`,
/// "Lifecycles"), with consistent ids, statuses, directions, numbers and timestamps across the
/// events of one resource. Each event starts from the catalog's example of its type (so every
/// field has the shape the schema gives it), with the ids of the example world replaced by
/// fresh ones and the lifecycle's own values set on top. A seed determines everything but the
/// start time.
public struct Simulator: Sendable {
    /// What `--scenario` picks.
    public enum Scenario: String, CaseIterable, Sendable {
        case call, message, conference, queue, campaign, all
    }

    /// One event to publish: its type and `data`, and its time on the simulated timeline.
    public struct Event: Sendable {
        public let type: String
        public let data: JSONValue
        /// Microseconds since 1970: when it happens in the simulation.
        public let at: Int64
    }

    let schemas: EventSchemas
    let customerID: String
    var random: SeededGenerator
    /// Where the next lifecycle starts on the simulated timeline (microseconds since 1970).
    var clock: Int64

    public init(seed: UInt64, customerID: UUID, start: Millis, schemas: EventSchemas = .bundled) {
        self.schemas = schemas
        self.customerID = customerID.text
        random = SeededGenerator(seed: seed)
        clock = start * 1000
    }

    /// The events of `count` lifecycles of `scenario`, group by group (see `group`).
    public mutating func run(_ scenario: Scenario, count: Int, overlap: Int = Self.overlap,
                             _ emit: (_ events: [Event], _ lifecycles: Int) throws -> Void) rethrows {
        var done = 0
        while done < count {
            let size = min(overlap, count - done)
            try emit(group(scenario, lifecycles: size), size)
            done += size
        }
    }

    /// How many lifecycles run side by side.
    public static let overlap = 8

    /// The events of `lifecycles` lifecycles of `scenario` that run side by side, interleaved by
    /// time as concurrent resources would be (each resource's own events stay in their order).
    public mutating func group(_ scenario: Scenario, lifecycles: Int) -> [Event] {
        var events: [Event] = []
        let start = clock
        for _ in 0..<lifecycles {
            // Lifecycles of a group begin within a few seconds of each other.
            clock = start + Int64.random(in: 0...3_000_000, using: &random)
            events += lifecycle(scenario)
        }
        // Stable: events of one lifecycle that share a time keep their order.
        events = events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        clock = max(clock, events.last?.at ?? clock) + 1_000_000
        return events
    }

    /// The events of one lifecycle of `scenario` (`all` picks one at random, weighted as real
    /// traffic is: mostly calls and messages).
    public mutating func lifecycle(_ scenario: Scenario) -> [Event] {
        var story = Story(schemas: schemas, customerID: customerID, random: random, time: clock)
        switch scenario {
        case .call: story.call()
        case .message: story.message()
        case .conference: story.conference()
        case .queue: story.queue()
        case .campaign: story.campaign()
        case .all:
            switch Int.random(in: 0..<100, using: &story.random) {
            case 0..<50: story.call()
            case 50..<78: story.message()
            case 78..<86: story.conference()
            case 86..<95: story.queue()
            default: story.campaign()
            }
        }
        random = story.random
        clock = max(clock, story.time)
        return story.events
    }
}

/// One resource as it stands: its fields, changed event by event.
struct ResourceState {
    var members: [JSONMember]

    subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index] = JSONMember(key, newValue) } else { members.remove(at: index) }
            } else if let newValue {
                members.append(JSONMember(key, newValue))
            }
        }
    }

    var id: String { self["id"]?.stringValue ?? "" }
    var value: JSONValue { .object(members) }
}

/// The making of one lifecycle: the events so far, the ids given out, the simulated time.
struct Story {
    let schemas: EventSchemas
    let customerID: String
    var random: SeededGenerator
    /// Microseconds since 1970.
    var time: Int64
    var events: [Simulator.Event] = []
    /// Ids of the catalog's example world, and the fresh ids that stand for them here.
    var ids: [String: String] = [:]

    init(schemas: EventSchemas, customerID: String, random: SeededGenerator, time: Int64) {
        self.schemas = schemas
        self.customerID = customerID
        self.random = random
        self.time = time
    }

    static let reserved: Set<String> = [
        "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000001",
        "00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000003",
    ]
    static let exampleCustomer = "7f3c9a2e-5b1d-4c8e-9f2a-1d6e4b8c0a11"

    // MARK: Making values

    mutating func uuid() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.hexString
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4),
                     hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// A North American number in the 555 range, as VoIPBIN's examples use.
    mutating func number() -> String {
        "+1555" + String(Int.random(in: 1_000_000...9_999_999, using: &random))
    }

    mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &random)] }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    /// Moves the simulated time on by between `low` and `high` seconds.
    mutating func wait(_ low: Double, _ high: Double) {
        time += Int64(Double.random(in: low...high, using: &random) * 1_000_000)
    }

    /// VoIPBIN's time format: RFC 3339 UTC, up to 6 fractional digits, trailing zeros dropped.
    static func stamp(_ micros: Int64) -> String {
        let base = Timestamp.format(milliseconds: micros / 1000)
        var fraction = String(micros % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return base.prefix(19) + (fraction.isEmpty ? "" : "." + fraction) + "Z"
    }

    var now: JSONValue { .string(Self.stamp(time)) }

    /// A resource's fields from the catalog's example of `type`: the example world's ids
    /// replaced by this lifecycle's (the same example id, the same new id), its times by now.
    mutating func template(_ type: String) -> ResourceState {
        guard case .object(let members)? = schemas[type]?.example else { return ResourceState(members: []) }
        return ResourceState(members: members.map { JSONMember($0.key, renew($0.value)) })
    }

    mutating func renew(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text) where text == Self.exampleCustomer:
            return .string(customerID)
        case .string(let text) where text.count == 36 && UUID(uuidString: text) != nil && !Self.reserved.contains(text):
            if let known = ids[text] { return .string(known) }
            let fresh = uuid()
            ids[text] = fresh
            return .string(fresh)
        case .string(let text) where text.count >= 20 && text.hasPrefix("20") && Timestamp.isDateTime(text):
            return now
        case .array(let items):
            return .array(items.map { renew($0) })
        case .object(let members):
            return .object(members.map { JSONMember($0.key, renew($0.value)) })
        default:
            return value
        }
    }

    mutating func emit(_ type: String, _ state: ResourceState) {
        events.append(Simulator.Event(type: type, data: state.value, at: time))
    }

    static func address(_ number: String, name: String? = nil) -> JSONValue {
        var members = [JSONMember("type", .string("tel")), JSONMember("target", .string(number))]
        if let name { members.append(JSONMember("target_name", .string(name))) }
        return .object(members)
    }

    mutating func action(_ type: String?, option: JSONValue? = nil, executed: Bool) -> JSONValue {
        var members = [JSONMember("id", .string(type == nil ? "00000000-0000-0000-0000-000000000001" : uuid())),
                       JSONMember("next_id", .string("00000000-0000-0000-0000-000000000000"))]
        if let type { members.append(JSONMember("type", .string(type))) }
        if let option { members.append(JSONMember("option", option)) }
        members.append(JSONMember("tm_execute", executed ? now : .null))
        return .object(members)
    }

    static let callers = ["Dana Whitfield", "Luis Ortega", "Mina Park", "Sam Okafor", "Ava Lindqvist"]
    static let prompts = ["Thank you for calling Acme Clinic.", "Your order has shipped and arrives on Friday.",
                          "Press 1 to confirm your appointment, 2 to cancel.", "Please hold while we connect you."]
    static let utterances = ["I'd like to reschedule my appointment.", "Can you tell me my balance?",
                             "Yes, that works for me.", "Thanks, that's all.", "I never received the package."]
    static let texts = ["Your verification code is 482913.", "Your appointment is confirmed for Tuesday at 3 PM.",
                        "Reply STOP to unsubscribe.", "Your driver is 2 minutes away."]
}
