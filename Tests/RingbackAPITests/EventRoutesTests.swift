import Foundation
import Hummingbird
import RingbackCore
import Testing

@Suite struct EventRoutesTests {
    @Test func publishingWithAClientIDIsIdempotent() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let other = try await api.customer("other")
            let webhook = try await api.webhook(customer, eventTypes: #"["*"]"#).string("id")
            let first = try await api.publish(customer, id: "call-1-hangup")
            #expect(first.status == .accepted)
            #expect(try first.string("id") == "call-1-hangup")
            let again = try await api.publish(customer, resource: "changed", id: "call-1-hangup")
            #expect(again.status == .ok)
            #expect(again.value("data", "id") == .string("call-1"))
            #expect(again.value("tm_create") == first.value("tm_create"))
            #expect(try await api.deliveries(customer, webhook: webhook).count == 1)
            // Another customer may use the same id.
            #expect(try await api.publish(other, id: "call-1-hangup").status == .accepted)
        }
    }

    @Test func concurrentDuplicatesCreateOneEvent() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let webhook = try await api.webhook(customer, eventTypes: #"["*"]"#).string("id")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 { group.addTask { try await api.publish(customer, id: "dup").status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .accepted }.count == 1)
            #expect(statuses.filter { $0 == .ok }.count == 7)
            #expect(try await api.deliveries(customer, webhook: webhook).count == 1)
        }
    }

    @Test func aBatchIsAllOrNothing() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let webhook = try await api.webhook(customer, eventTypes: #"["*"]"#).string("id")
            let good = #"{"customer_id":"\#(customer.id)","type":"call_hangup","data":{"id":"c1"}}"#
            let bad = #"{"customer_id":"\#(customer.id)","type":"call_exploded","data":{"id":"c2"}}"#
            let rejected = try await api.admin(.post, "/v1.0/events", json: #"{"events":[\#(good),\#(bad),\#(good)]}"#)
            rejected.expectProblem(.badRequest, fields: ["events[1].type"])
            #expect(rejected.value("detail")?.stringValue?.contains("events[1]") == true)
            #expect(try await api.call(.get, "/v1.0/events", token: customer.token).results.isEmpty)
            #expect(try await api.deliveries(customer, webhook: webhook).isEmpty)

            let unknownCustomer = #"{"customer_id":"\#(UUID().uuidString)","type":"call_hangup","data":{"id":"c3"}}"#
            try await api.admin(.post, "/v1.0/events", json: #"{"events":[\#(good),\#(unknownCustomer)]}"#)
                .expectProblem(.badRequest, fields: ["events[1].customer_id"])
            #expect(try await api.call(.get, "/v1.0/events", token: customer.token).results.isEmpty)

            let other = #"{"customer_id":"\#(customer.id)","type":"call_hangup","data":{"id":"c9"}}"#
            let accepted = try await api.admin(.post, "/v1.0/events", json: #"{"events":[\#(good),\#(other)]}"#)
            #expect(accepted.status == .accepted)
            #expect(accepted.results.count == 2)
            #expect(accepted.results.map { $0["resource_id"] } == [.string("c1"), .string("c9")])
            #expect(try await api.deliveries(customer, webhook: webhook).count == 2)
        }
    }

    static let badEvents: [(body: String, field: String)] = [
        (#"{"type":"call_hangup","data":{"id":"c"}}"#, "customer_id"),
        (#"{"customer_id":"nope","type":"call_hangup","data":{"id":"c"}}"#, "customer_id"),
        (#"{"customer_id":"CUSTOMER","data":{"id":"c"}}"#, "type"),
        (#"{"customer_id":"CUSTOMER","type":"call.*","data":{"id":"c"}}"#, "type"),
        (#"{"customer_id":"CUSTOMER","type":"*","data":{"id":"c"}}"#, "type"),
        (#"{"customer_id":"CUSTOMER","type":"webhook_test","data":{"id":"c"}}"#, "type"),
        (#"{"customer_id":"CUSTOMER","type":"call_hangup"}"#, "data"),
        (#"{"customer_id":"CUSTOMER","type":"call_hangup","data":[1]}"#, "data"),
        (#"{"customer_id":"CUSTOMER","type":"call_hangup","data":{}}"#, "data.id"),
        (#"{"customer_id":"CUSTOMER","type":"call_hangup","data":{"id":""}}"#, "data.id"),
        (#"{"customer_id":"CUSTOMER","type":"call_hangup","data":{"id":7}}"#, "data.id"),
        (#"{"customer_id":"CUSTOMER","type":"call_hangup","data":{"id":"c"},"id":"has space"}"#, "id"),
        (#"{"customer_id":"CUSTOMER","type":"call_hangup","data":{"id":"c"},"id":"\#(String(repeating: "x", count: 65))"}"#, "id"),
        (#"{"events":[]}"#, "events"),
        (#"{"events":{}}"#, "events"),
        (#"[1]"#, "body"),
        (#"{"customer_id":"CUSTOMER""#, "body"),
    ]

    @Test(arguments: badEvents.indices)
    func badEventsAnswer400AndStoreNothing(_ index: Int) async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let body = Self.badEvents[index].body.replacingOccurrences(of: "CUSTOMER", with: customer.id)
            try await api.admin(.post, "/v1.0/events", json: body).expectProblem(.badRequest, fields: [Self.badEvents[index].field])
            #expect(try await api.call(.get, "/v1.0/events", token: customer.token).results.isEmpty)
        }
    }

    @Test func oversizeEventsAndBatchesAreRefused() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let big = String(repeating: "x", count: 257 * 1024)
            try await api.publish(customer, extra: #","blob":"\#(big)""#).expectProblem(.contentTooLarge)
            let one = #"{"customer_id":"\#(customer.id)","type":"call_hangup","data":{"id":"c"}}"#
            let tooMany = "{\"events\":[" + Array(repeating: one, count: 1001).joined(separator: ",") + "]}"
            try await api.admin(.post, "/v1.0/events", json: tooMany).expectProblem(.badRequest, fields: ["events"])
            #expect(try await api.call(.get, "/v1.0/events", token: customer.token).results.isEmpty)
        }
    }

    @Test func customersListAndGetTheirEvents() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let first = try await api.publish(customer, type: "call_created", resource: "c1").string("id")
            let second = try await api.publish(customer, type: "call_hangup", resource: "c1").string("id")
            let third = try await api.publish(customer, type: "message_created", resource: "m1").string("id")
            let all = try await api.call(.get, "/v1.0/events", token: customer.token)
            #expect(all.results.compactMap { $0["id"]?.stringValue } == [third, second, first])
            let calls = try await api.call(.get, "/v1.0/events?resource_id=c1&page_size=1", token: customer.token)
            #expect(calls.results.compactMap { $0["id"]?.stringValue } == [second])
            let token = try calls.string("next_page_token")
            let next = try await api.call(.get, "/v1.0/events?resource_id=c1&page_size=1&page_token=\(token)", token: customer.token)
            #expect(next.results.compactMap { $0["id"]?.stringValue } == [first])
            let hangups = try await api.call(.get, "/v1.0/events?type=call_hangup", token: customer.token)
            #expect(hangups.results.compactMap { $0["id"]?.stringValue } == [second])
            try await api.call(.get, "/v1.0/events?type=nonsense", token: customer.token).expectProblem(.badRequest, fields: ["type"])
            let one = try await api.call(.get, "/v1.0/events/\(third)", token: customer.token)
            #expect(one.value("resource_type") == .string("message"))
            #expect(one.value("customer_id") == .string(customer.id))
            #expect(one.value("data") == .object([JSONMember("id", .string("m1"))]))
        }
    }
}
