import Foundation
import Hummingbird
import RingbackCore
import RingbackTestSupport
import Testing

@Suite struct DeliveryOperationsTests {
    @Test func retryMakesOneMoreAttemptNow() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "50ms")!)) { api in
                receiver.script("/retry", .status(500), .status(500), .status(200))
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/retry")).string("id")
                try await api.publish(customer)
                let failed = try await api.settledDelivery(customer, webhook: webhook, status: "failed")
                let id = try #require(failed["id"]?.stringValue)
                let retried = try await api.call(.post, "/v1.0/webhooks/\(webhook)/deliveries/\(id)/retry", token: customer.token)
                #expect(retried.status == .accepted)
                #expect(retried.value("status") == .string("pending"))
                let done = try await api.waitForDelivery(customer, webhook: webhook, delivery: id) { $0["status"] == .string("succeeded") }
                #expect(done["attempt_count"] == .number("3"))
                try await api.call(.post, "/v1.0/webhooks/\(webhook)/deliveries/\(UUID().uuidString)/retry", token: customer.token)
                    .expectProblem(.notFound)
            }
        }
    }

    @Test func aManualRetryThatFailsIsFailedAgainAfterOneAttempt() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "50ms")!)) { api in
                receiver.script("/dead", .status(500))
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/dead")).string("id")
                try await api.publish(customer)
                let failed = try await api.settledDelivery(customer, webhook: webhook, status: "failed")
                let id = try #require(failed["id"]?.stringValue)
                _ = try await api.call(.post, "/v1.0/webhooks/\(webhook)/deliveries/\(id)/retry", token: customer.token)
                let again = try await api.waitForDelivery(customer, webhook: webhook, delivery: id) {
                    $0["status"] == .string("failed") && $0["attempt_count"] == .number("3")
                }
                #expect(again.attempts.count == 3)
            }
        }
    }

    @Test func recoverQueuesTheFailedDeliveriesOfAWindow() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "20ms")!)) { api in
                receiver.script("/recover", .status(500), .status(500), .status(500), .status(500), .status(200))
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/recover"), eventTypes: #"["*"]"#).string("id")
                try await api.publish(customer, resource: "a")
                try await api.publish(customer, resource: "b")
                try await receiver.wait(for: 4, at: "/recover")
                try await api.eventually("both deliveries failed") {
                    try await api.deliveries(customer, webhook: webhook, query: "&status=failed").count == 2
                }

                let future = Timestamp.format(milliseconds: Timestamp.milliseconds(Date()) + 3_600_000)
                let none = try await api.call(.post, "/v1.0/webhooks/\(webhook)/recover", token: customer.token, json: #"{"since":"\#(future)"}"#)
                #expect(none.value("count") == .number("0"))
                let recovered = try await api.call(.post, "/v1.0/webhooks/\(webhook)/recover", token: customer.token,
                                                   json: #"{"since":"2020-01-01T00:00:00Z"}"#)
                #expect(recovered.status == .accepted)
                #expect(recovered.value("count") == .number("2"))
                // Each gets the whole schedule again, and the receiver now answers 200.
                try await api.eventually("no delivery pending") {
                    try await api.deliveries(customer, webhook: webhook, query: "&status=pending").isEmpty
                }
                let after = try await api.deliveries(customer, webhook: webhook)
                #expect(after.count == 2)
                #expect(after.allSatisfy { $0["status"] == .string("succeeded") && $0["attempt_count"] == .number("3") })
                #expect(receiver.received(at: "/recover").count == 6)

                for bad in [#"{}"#, #"{"since":"yesterday"}"#, #"{"since":"2020-01-02T00:00:00Z","until":"2020-01-01T00:00:00Z"}"#] {
                    try await api.call(.post, "/v1.0/webhooks/\(webhook)/recover", token: customer.token, json: bad)
                        .expectProblem(.badRequest)
                }
            }
        }
    }

    @Test func testPingIsSentAtOnce() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                // A test ping needs no subscription: this webhook wants messages only.
                let webhook = try await api.webhook(customer, url: receiver.url("/ping"), eventTypes: #"["message.*"]"#).string("id")
                let reply = try await api.call(.post, "/v1.0/webhooks/\(webhook)/test", token: customer.token)
                #expect(reply.status == .accepted)
                let deliveryID = try reply.string("delivery_id")
                let request = try #require(try await receiver.wait(for: 1, at: "/ping").first)
                #expect(request.json?["type"] == .string("webhook_test"))
                #expect(request.json?["resource_type"] == .string("webhook"))
                #expect(request.json?["data"] == .object([JSONMember("id", .string(webhook))]))
                try await api.waitForDelivery(customer, webhook: webhook, delivery: deliveryID) { $0["status"] == .string("succeeded") }
            }
        }
    }

    @Test func disabledWebhooksKeepTheirPendingDeliveriesUntilReEnabled() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "300ms")!)) { api in
                // The first answer takes a while: the webhook is disabled while that attempt is in flight,
                // so its retry is due only once the webhook is already disabled.
                receiver.script("/paused", .delayed(.milliseconds(600), 500), .status(200))
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/paused")).string("id")
                try await api.publish(customer)
                try await receiver.wait(for: 1, at: "/paused")
                _ = try await api.call(.put, "/v1.0/webhooks/\(webhook)", token: customer.token, json: #"{"status":"disabled"}"#)
                let id = try #require(try await api.deliveries(customer, webhook: webhook).first?["id"]?.stringValue)
                // Well past the retry's due time, nothing is sent while disabled.
                try await api.waitForDelivery(customer, webhook: webhook, delivery: id) { delivery in
                    guard let next = delivery["next_attempt_at"]?.stringValue.flatMap(Timestamp.parse) else { return false }
                    return Timestamp.milliseconds(Date()) > next + 300
                }
                #expect(receiver.received(at: "/paused").count == 1)
                let pending = try await api.deliveries(customer, webhook: webhook, query: "&status=pending")
                #expect(pending.count == 1)
                _ = try await api.call(.put, "/v1.0/webhooks/\(webhook)", token: customer.token, json: #"{"status":"active"}"#)
                try await receiver.wait(for: 2, at: "/paused")
                try await api.waitForDelivery(customer, webhook: webhook, delivery: id) { $0["status"] == .string("succeeded") }
            }
        }
    }

    @Test func deletingAWebhookCancelsItsPendingDeliveries() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "100ms")!)) { api in
                receiver.script("/deleted", .status(500))
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/deleted")).string("id")
                _ = try await api.webhook(customer, url: receiver.url("/kept"))
                try await api.publish(customer)
                try await receiver.wait(for: 1, at: "/deleted")
                #expect(try await api.call(.delete, "/v1.0/webhooks/\(webhook)", token: customer.token).status == .ok)
                try await api.call(.get, "/v1.0/webhooks/\(webhook)/deliveries", token: customer.token).expectProblem(.notFound)
                // Its pending delivery is gone from the store: nothing can claim it again.
                try await api.eventually("no delivery pending in the store") { try await api.store.pendingCount() == 0 }
                #expect(receiver.received(at: "/kept").count == 1)
            }
        }
    }

    @Test func aWebhookFailingForTheWholePeriodIsDisabled() async throws {
        try await Receiver.run { receiver in
            var engine = APIHarness.Engine(schedule: RetrySchedule(parsing: "100ms,100ms,100ms,100ms")!)
            engine.disableAfter = .milliseconds(250)
            try await APIHarness.run(allowInsecureURLs: true, engine: engine) { api in
                receiver.script("/dying", .status(500))
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/dying")).string("id")
                try await api.publish(customer)
                try await api.eventually("the webhook is disabled") {
                    try await api.call(.get, "/v1.0/webhooks/\(webhook)", token: customer.token).value("status") == .string("disabled")
                }
                let reason = try await api.call(.get, "/v1.0/webhooks/\(webhook)", token: customer.token).value("disabled_reason")
                #expect(reason?.stringValue?.contains("failed") == true)
            }
        }
    }
}
