import Foundation
import RingbackCore
import Testing

/// `ringback simulate`'s traffic (contract section 16): valid, reproducible, consistent.
@Suite struct SimulatorTests {
    static let customer = UUID(uuidString: "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")!
    static let start: Millis = 1_796_000_000_000

    static func events(_ scenario: Simulator.Scenario, seed: UInt64, count: Int) -> [Simulator.Event] {
        var simulator = Simulator(seed: seed, customerID: customer, start: start)
        var all: [Simulator.Event] = []
        simulator.run(scenario, count: count) { events, _ in all += events }
        return all
    }

    @Test(arguments: Simulator.Scenario.allCases)
    func everyEventValidatesAgainstItsSchema(_ scenario: Simulator.Scenario) {
        var checked = 0
        for seed: UInt64 in [1, 2, 3, 42, 9_999] {
            for event in Self.events(scenario, seed: seed, count: 25) {
                let violations = EventSchemas.bundled.violations(of: event.data, type: event.type, at: "data")
                #expect(violations.isEmpty, "seed \(seed) \(event.type): \(violations)")
                #expect(EventCatalog.eventType(named: event.type) != nil, "\(event.type)")
                #expect(event.data["customer_id"] == .string(Self.customer.text) || event.type.hasPrefix("transcribe_speech"),
                        "\(event.type) belongs to the customer")
                checked += 1
            }
        }
        #expect(checked >= 5 * 25, "\(checked)")
    }

    @Test func theSameSeedGivesTheSameEventsAndAnotherDoesNot() {
        let first = Self.events(.all, seed: 7, count: 40)
        let again = Self.events(.all, seed: 7, count: 40)
        let other = Self.events(.all, seed: 8, count: 40)
        #expect(first.map(\.type) == again.map(\.type))
        #expect(first.map(\.data) == again.map(\.data))
        #expect(first.map(\.data) != other.map(\.data))
    }

    /// Each resource's events are in its lifecycle's order, also when lifecycles interleave:
    /// times never go back, the first is a creation, and a call ends with its hangup.
    @Test func eachResourceTellsItsStoryInOrder() throws {
        let events = Self.events(.all, seed: 11, count: 200)
        var byResource: [String: [Simulator.Event]] = [:]
        for event in events where !event.type.hasPrefix("transcribe_speech") {
            let resource = EventCatalog.eventType(named: event.type)!.resourceType + "/" + (event.data["id"]?.stringValue ?? "")
            byResource[resource, default: []].append(event)
        }
        #expect(Set(events.map(\.type)).count >= 35, "the scenarios use most of the catalog")
        var calls = 0
        for (resource, story) in byResource {
            #expect(zip(story, story.dropFirst()).allSatisfy { $0.at <= $1.at }, "\(resource)")
            let updates = story.compactMap { $0.data["tm_update"]?.stringValue.flatMap(Timestamp.parse) }
            #expect(zip(updates, updates.dropFirst()).allSatisfy { $0 <= $1 }, "\(resource): tm_update goes forward")
            let first = story[0].type
            #expect(first.hasSuffix("_created") || first == "conferencecall_joining" || first == "recording_started"
                    || first == "campaigncall_created", "\(resource) starts with \(first)")
            if resource.hasPrefix("call/") {
                calls += 1
                #expect(story.last?.type == "call_hangup", "\(resource): \(story.map(\.type))")
                #expect(story.last?.data["status"] == .string("hangup"))
                let direction = story[0].data["direction"]?.stringValue
                #expect(story.allSatisfy { $0.data["direction"]?.stringValue == direction }, "\(resource): one direction")
                #expect(story.allSatisfy { $0.data["source"] == story[0].data["source"] }, "\(resource): one caller")
                if story.contains(where: { $0.type == "call_progressing" }) {
                    #expect(story.last?.data["hangup_reason"] == .string("normal"))
                } else {
                    #expect(["busy", "noanswer"].contains(story.last?.data["hangup_reason"]?.stringValue))
                }
            }
        }
        #expect(calls > 50)
        // Every call's activeflow is created before it, and refers to it.
        for created in events where created.type == "call_created" {
            let flowID = try #require(created.data["activeflow_id"])
            let flow = events.first { $0.type == "activeflow_created" && $0.data["id"] == flowID }
            #expect(flow?.data["reference_id"] == created.data["id"])
            #expect((flow?.at ?? .max) <= created.at)
        }
    }
}
