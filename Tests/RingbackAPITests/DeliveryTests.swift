import Foundation
import Hummingbird
import RingbackCore
import RingbackTestSupport
import Testing

@Suite struct DeliveryTests {
    @Test func theBodyAndEveryHeader() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/hook"), eventTypes: #"["call_hangup"]"#,
                                                    extra: #","headers":{"X-Team":"billing","Authorization":"Bearer abc"}"#)
                let secret = try #require(WebhookSecret(try webhook.string("secret")))
                let event = try await api.publish(customer, extra: #","duration":12.50,"tags":["a"]"#)
                #expect(event.status == .accepted)
                let eventID = try event.string("id")
                #expect(eventID.hasPrefix("evt_") && eventID.count == 30)

                let request = try #require(try await receiver.wait(for: 1, at: "/hook").first)
                #expect(request.method == "POST")
                #expect(request.header("content-type") == "application/json")
                #expect(request.header("user-agent") == "Ringback/test")
                #expect(request.header("webhook-id") == eventID)
                #expect(request.header("x-team") == "billing")
                #expect(request.header("authorization") == "Bearer abc")
                let timestamp = try #require(request.header("webhook-timestamp").flatMap { Int64($0) })
                #expect(abs(timestamp - Int64(Date().timeIntervalSince1970)) < 60)
                let signature = try #require(request.header("webhook-signature"))
                #expect(signature.hasPrefix("v1,") && !signature.contains(" "))
                #expect(WebhookSigner.verify(header: signature, secret: secret, id: eventID, timestamp: timestamp, body: request.body))
                #expect(request.header("x-voipbin-signature") == WebhookSigner.voipbinHeader(secret: secret, body: request.body))

                let expected = #"{"id":"\#(eventID)","type":"call_hangup","resource_type":"call","timestamp":"\#(try event.string("tm_create"))","data":{"id":"call-1","duration":12.50,"tags":["a"]}}"#
                #expect(String(decoding: request.body, as: UTF8.self) == expected)

                let delivered = try await api.settledDelivery(customer, webhook: try webhook.string("id"), status: "succeeded")
                #expect(delivered["attempt_count"] == .number("1"))
                #expect(delivered["last_status_code"] == .number("200"))
                #expect(delivered["event_id"] == .string(eventID))
                #expect(delivered["event_type"] == .string("call_hangup"))
                #expect(delivered["resource_id"] == .string("call-1"))
                #expect(delivered["next_attempt_at"] == .null)
                #expect(delivered.attempts.count == 1)
            }
        }
    }

    @Test func putWebhooksArePut() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                _ = try await api.webhook(customer, url: receiver.url("/put"), extra: #","method":"PUT""#)
                try await api.publish(customer)
                #expect(try await receiver.wait(for: 1, at: "/put").first?.method == "PUT")
            }
        }
    }

    @Test func rotationSignsWithBothSecrets() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/rotated"))
                let id = try webhook.string("id")
                let old = try #require(WebhookSecret(try webhook.string("secret")))
                let rotated = try await api.call(.post, "/v1.0/webhooks/\(id)/secret/rotate", token: customer.token)
                let new = try #require(WebhookSecret(try rotated.string("secret")))
                let eventID = try await api.publish(customer).string("id")
                let request = try #require(try await receiver.wait(for: 1, at: "/rotated").first)
                let header = try #require(request.header("webhook-signature"))
                let timestamp = try #require(request.header("webhook-timestamp").flatMap { Int64($0) })
                #expect(header.split(separator: " ").count == 2)
                #expect(WebhookSigner.verify(header: header, secret: old, id: eventID, timestamp: timestamp, body: request.body))
                #expect(WebhookSigner.verify(header: header, secret: new, id: eventID, timestamp: timestamp, body: request.body))
                // X-VoIPBIN-Signature uses the current secret only.
                #expect(request.header("x-voipbin-signature") == WebhookSigner.voipbinHeader(secret: new, body: request.body))
            }
        }
    }

    @Test func onlyMatchingActiveWebhooksGetDeliveriesAndFanOutSharesTheWebhookID() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                let other = try await api.customer("other")
                _ = try await api.webhook(customer, url: receiver.url("/exact"), eventTypes: #"["call_hangup"]"#)
                _ = try await api.webhook(customer, url: receiver.url("/resource"), eventTypes: #"["call.*"]"#)
                _ = try await api.webhook(customer, url: receiver.url("/star"), eventTypes: #"["*"]"#)
                _ = try await api.webhook(customer, url: receiver.url("/messages"), eventTypes: #"["message.*"]"#)
                _ = try await api.webhook(other, url: receiver.url("/other"), eventTypes: #"["*"]"#)
                let disabled = try await api.webhook(customer, url: receiver.url("/disabled"), eventTypes: #"["*"]"#,
                                                     extra: #","status":"disabled""#)
                let hangup = try await api.publish(customer, type: "call_hangup").string("id")
                let ringing = try await api.publish(customer, type: "call_ringing", resource: "call-2").string("id")

                let all = try await receiver.wait { requests in
                    requests.filter { $0.path == "/star" }.count == 2 && requests.filter { $0.path == "/resource" }.count == 2
                        && requests.contains { $0.path == "/exact" }
                }
                #expect(all.filter { $0.path == "/exact" }.map { $0.header("webhook-id") } == [hangup])
                #expect(Set(all.filter { $0.path == "/star" }.compactMap { $0.header("webhook-id") }) == [hangup, ringing])
                // One event, one webhook-id, on every endpoint; and the same body bytes.
                let hangups = all.filter { $0.header("webhook-id") == hangup }
                #expect(hangups.count == 3)
                #expect(Set(hangups.map(\.body)).count == 1)
                // A last event that every subscriber gets, to know the others had their chance.
                try await api.publish(customer, type: "message_created", resource: "m-1")
                try await receiver.wait(for: 1, at: "/messages")
                try await receiver.wait(for: 3, at: "/star")
                #expect(receiver.received(at: "/other").isEmpty)
                #expect(receiver.received(at: "/disabled").isEmpty)
                #expect(try await api.deliveries(customer, webhook: try disabled.string("id")).isEmpty)
            }
        }
    }

    @Test func retriesUntilSuccessAndRecordsEveryAttempt() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "50ms,50ms,50ms")!)) { api in
                receiver.script("/flaky", .status(500, body: "boom"), .status(503), .status(200, body: "ok"))
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/flaky")).string("id")
                try await api.publish(customer)
                let requests = try await receiver.wait(for: 3, at: "/flaky")
                #expect(Set(requests.compactMap { $0.header("webhook-id") }).count == 1)
                let delivery = try await api.settledDelivery(customer, webhook: webhook, status: "succeeded")
                #expect(delivery["attempt_count"] == .number("3"))
                let attempts = delivery.attempts
                #expect(attempts.map { $0["attempt"] } == [.number("1"), .number("2"), .number("3")])
                #expect(attempts.map { $0["status_code"] } == [.number("500"), .number("503"), .number("200")])
                #expect(attempts[0]["error"] == .string("status 500"))
                #expect(attempts[0]["response_body"] == .string("boom"))
                #expect(attempts[2]["error"] == .null)
                #expect(attempts[2]["response_body"] == .string("ok"))
                for attempt in attempts {
                    guard case .number(let duration)? = attempt["duration_ms"] else {
                        Issue.record("duration_ms is not a number: \(attempt)")
                        continue
                    }
                    #expect((Int(duration) ?? -1) >= 0)
                    #expect(attempt["tm_start"]?.stringValue.flatMap(Timestamp.parse) != nil)
                }
            }
        }
    }

    @Test func theScheduleRunsOutIntoFailed() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "50ms,50ms")!)) { api in
                receiver.script("/down", .status(500))
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/down")).string("id")
                try await api.publish(customer)
                let delivery = try await api.settledDelivery(customer, webhook: webhook, status: "failed")
                #expect(delivery["attempt_count"] == .number("3"))
                #expect(delivery["last_error"] == .string("status 500"))
                #expect(delivery["next_attempt_at"] == .null)
                #expect(receiver.received(at: "/down").count == 3)
            }
        }
    }

    @Test func aTimeoutIsAFailedAttempt() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "1h")!, timeout: .milliseconds(300))) { api in
                receiver.script("/slow", .hang)
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/slow")).string("id")
                try await api.publish(customer)
                let id = try #require(try await api.deliveries(customer, webhook: webhook).first?["id"]?.stringValue)
                let delivery = try await api.waitForDelivery(customer, webhook: webhook, delivery: id) { $0["attempt_count"] == .number("1") }
                #expect(delivery["status"] == .string("pending"))
                #expect(delivery["last_error"]?.stringValue?.contains("timeout") == true)
                #expect(delivery["last_status_code"] == .null)
                let duration = try #require(delivery.attempts.first?["duration_ms"].flatMap { if case .number(let n) = $0 { Int(n) } else { nil } })
                #expect(duration >= 250 && duration < 5000)
                // The next attempt is an hour away (+-20%).
                let next = try #require(delivery["next_attempt_at"]?.stringValue.flatMap(Timestamp.parse))
                #expect(next > Timestamp.milliseconds(Date()) + 40 * 60 * 1000)
            }
        }
    }

    @Test func a410DisablesTheWebhook() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init()) { api in
                receiver.script("/gone", .status(410))
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/gone")).string("id")
                try await api.publish(customer)
                let delivery = try await api.settledDelivery(customer, webhook: webhook, status: "failed")
                #expect(delivery["attempt_count"] == .number("1"))
                let disabled = try await api.call(.get, "/v1.0/webhooks/\(webhook)", token: customer.token)
                #expect(disabled.value("status") == .string("disabled"))
                #expect(disabled.value("disabled_reason")?.stringValue?.contains("410") == true)
                // A disabled webhook gets no new deliveries, even after re-enabling.
                try await api.publish(customer, resource: "call-2")
                #expect(try await api.deliveries(customer, webhook: webhook).count == 1)
                let enabled = try await api.call(.put, "/v1.0/webhooks/\(webhook)", token: customer.token, json: #"{"status":"active"}"#)
                #expect(enabled.value("disabled_reason") == .null)
                #expect(try await api.deliveries(customer, webhook: webhook).count == 1)
            }
        }
    }

    @Test func retryAfterIsHonoured() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "10ms,5s")!)) { api in
                receiver.script("/busy", .status(429, headers: [("Retry-After", "1")]), .status(200))
                let customer = try await api.customer()
                _ = try await api.webhook(customer, url: receiver.url("/busy"))
                try await api.publish(customer)
                let requests = try await receiver.wait(for: 2, at: "/busy")
                let gap = requests[1].at - requests[0].at
                // The schedule said 10 ms; the receiver asked for a second, within the 5 s cap.
                #expect(gap >= .milliseconds(900), "\(gap)")
            }
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "1h")!)) { api in
                receiver.script("/moved", .redirect(to: "/elsewhere"))
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/moved")).string("id")
                try await api.publish(customer)
                let id = try #require(try await api.deliveries(customer, webhook: webhook).first?["id"]?.stringValue)
                let delivery = try await api.waitForDelivery(customer, webhook: webhook, delivery: id) { $0["attempt_count"] == .number("1") }
                #expect(delivery["last_status_code"] == .number("302"))
                #expect(delivery["status"] == .string("pending"))
                #expect(receiver.received(at: "/elsewhere").isEmpty)
            }
        }
    }
}
