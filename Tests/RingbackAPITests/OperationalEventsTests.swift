import Foundation
import RingbackCore
import RingbackTestSupport
import Testing

/// Contract section 18: Ringback tells a monitoring webhook that another broke.
@Suite struct OperationalEventsTests {
    @Test(arguments: Backend.allCases)
    func aMonitorLearnsOfDisabledWebhooksAndFailedDeliveriesAndStarDoesNot(_ backend: Backend) async throws {
        try await Receiver.run { receiver in
            receiver.script("/main", .status(410))
            receiver.script("/flaky", .status(500))
            try await APIHarness.run(backend: backend, allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                let main = try await api.webhook(customer, url: receiver.url("/main"), eventTypes: #"["call.*"]"#).string("id")
                let flaky = try await api.webhook(customer, url: receiver.url("/flaky"), eventTypes: #"["call.*"]"#).string("id")
                _ = try await api.webhook(customer, url: receiver.url("/monitor"),
                                          eventTypes: #"["webhook_disabled","delivery_failed"]"#)
                _ = try await api.webhook(customer, url: receiver.url("/star"), eventTypes: #"["*"]"#)
                _ = try await api.webhook(customer, url: receiver.url("/webhooks"), eventTypes: #"["webhook.*"]"#)
                let published = try await api.publish(customer, type: "call_hangup", resource: "call-9")
                let eventID = try published.string("id")

                let monitor = try await receiver.wait(for: 3, at: "/monitor")
                let bodies = monitor.compactMap(\.json)
                #expect(Set(bodies.compactMap { $0["type"]?.stringValue }) == ["webhook_disabled", "delivery_failed"])
                let disabled = try #require(bodies.first { $0["type"] == .string("webhook_disabled") })
                #expect(disabled["resource_type"] == .string("webhook"))
                #expect(disabled["data"]?["id"] == .string(main))
                #expect(disabled["data"]?["url"] == .string(receiver.url("/main")))
                #expect(disabled["data"]?["disabled_reason"]?.stringValue?.contains("410") == true)
                let failures = bodies.filter { $0["type"] == .string("delivery_failed") }
                #expect(Set(failures.compactMap { $0["data"]?["webhook_id"]?.stringValue }) == [main, flaky])
                #expect(failures.allSatisfy { $0["data"]?["event_id"] == .string(eventID) && $0["data"]?["event_type"] == .string("call_hangup") })
                let flakyFailure = try #require(failures.first { $0["data"]?["webhook_id"] == .string(flaky) })
                #expect(flakyFailure["data"]?["attempt_count"] == .number("3"))
                #expect(flakyFailure["data"]?["last_status_code"] == .number("500"))
                #expect(flakyFailure["data"]?["last_error_code"] == .string("status"))
                // Each body is a valid event of the catalog, signed and delivered as any other.
                for body in bodies {
                    let type = try #require(body["type"]?.stringValue)
                    #expect(EventSchemas.bundled.violations(of: body["data"] ?? .null, type: type, at: "data").isEmpty, "\(body)")
                }
                #expect(monitor.allSatisfy { $0.header("webhook-signature")?.hasPrefix("v1,") == true })

                // `*` got the call event and nothing of Ringback's; `webhook.*` got nothing.
                let star = try await receiver.wait(for: 1, at: "/star")
                try await api.eventually("the events went where they go") {
                    try await api.deliveries(customer, webhook: flaky).first?["status"] == .string("failed")
                }
                #expect(star.count == 1 && star[0].json?["type"] == .string("call_hangup"))
                #expect(receiver.received(at: "/star").count == 1)
                #expect(receiver.received(at: "/webhooks").isEmpty)
                #expect(receiver.received(at: "/monitor").count == 3)

                // Nobody else may publish them.
                try await api.admin(.post, "/v1.0/events", json: #"{"customer_id":"\#(customer.id)","type":"webhook_disabled","data":{"id":"x"}}"#)
                    .expectProblem(.badRequest, fields: ["type"])
            }
        }
    }
}
