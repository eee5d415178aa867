import Foundation
import Hummingbird
import RingbackCore
import RingbackTestSupport
import Testing

/// Endpoints that misbehave hurt no one but their own deliveries (contract section 13).
@Suite struct HostileReceiverTests {
    /// How a test endpoint misbehaves, and the stable code its attempt must get.
    enum Peer: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case hang, unresolvable, closedPort, reset, notHTTP, hugeHeaders, untrustedTLS, privateAddress, serverError, redirect

        var code: String {
            switch self {
            case .hang: "timeout"
            case .unresolvable: "dns"
            case .closedPort: "connection_refused"
            case .reset: "connection_reset"
            case .notHTTP, .hugeHeaders: "invalid_response"
            case .untrustedTLS: "tls"
            case .privateAddress: "blocked"
            case .serverError: "status"
            case .redirect: "redirect"
            }
        }

        var testDescription: String { rawValue }
    }

    /// The URL of an endpoint that misbehaves as `peer` does, for the duration of `body`.
    static func endpoint(_ peer: Peer, _ body: @Sendable (String) async throws -> Void) async throws {
        switch peer {
        case .hang, .serverError, .redirect, .privateAddress:
            try await Receiver.run { receiver in
                receiver.script("/hook", peer == .hang ? .hang : peer == .redirect ? .redirect(to: "/else") : .status(500))
                try await body(receiver.url("/hook"))
            }
        case .unresolvable:
            try await body("http://no-such-host.invalid/hook")
        case .closedPort:
            // Port 1 (tcpmux): privileged, and nobody here listens on it.
            try await body("http://127.0.0.1:1/hook")
        case .reset:
            try await RawServer.run(.close) { server in try await body("http://127.0.0.1:\(server.port)/hook") }
        case .notHTTP:
            try await RawServer.run(.answer(Array("garbage\r\n\r\n".utf8))) { server in
                try await body("http://127.0.0.1:\(server.port)/hook")
            }
        case .hugeHeaders:
            let head = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 200_000) + "\r\nContent-Length: 0\r\n\r\n"
            try await RawServer.run(.answer(Array(head.utf8))) { server in try await body("http://127.0.0.1:\(server.port)/hook") }
        case .untrustedTLS:
            let certificates = try await TestCertificates.make()
            try await Receiver.run(tls: try certificates.serverConfiguration()) { receiver in try await body(receiver.url("/hook")) }
        }
    }

    @Test(arguments: Peer.allCases)
    func everyFailureHasItsStableCode(_ peer: Peer) async throws {
        try await Self.endpoint(peer) { url in
            // Short for the endpoint that hangs; roomy for the others, which must fail on their own.
            var engine = APIHarness.Engine(schedule: RetrySchedule(parsing: "1h")!,
                                           timeout: peer == .hang ? .milliseconds(500) : .seconds(10))
            engine.allowPrivateTargets = peer != .privateAddress
            try await APIHarness.run(allowInsecureURLs: true, engine: engine) { api in
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: url).string("id")
                try await api.publish(customer)
                let id = try #require(try await api.deliveries(customer, webhook: webhook).first?["id"]?.stringValue)
                let delivery = try await api.waitForDelivery(customer, webhook: webhook, delivery: id) { $0["attempt_count"] == .number("1") }
                #expect(delivery["last_error_code"] == .string(peer.code), "\(delivery["last_error"] ?? .null)")
                #expect(delivery.attempts.first?["error_code"] == .string(peer.code))
                let text = delivery["last_error"]?.stringValue ?? ""
                if peer == .hang { #expect(text.contains("timeout")) }
                if peer == .privateAddress { #expect(text.hasPrefix("blocked")) }
            }
        }
    }

    @Test func aSuccessHasNoErrorCode() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/ok")).string("id")
                try await api.publish(customer)
                let delivery = try await api.settledDelivery(customer, webhook: webhook, status: "succeeded")
                #expect(delivery["last_error_code"] == .null)
                #expect(delivery.attempts.first?["error_code"] == .null)
            }
        }
    }

    /// An answer that trickles its body is cut at the deadline; other webhooks keep flowing.
    @Test func aTricklingAnswerIsCutAtTheDeadline() async throws {
        try await Receiver.run { receiver in
            receiver.script("/trickle", .trickle(.milliseconds(100)))
            let engine = APIHarness.Engine(schedule: RetrySchedule(parsing: "1h")!, timeout: .seconds(1))
            try await APIHarness.run(allowInsecureURLs: true, engine: engine) { api in
                let customer = try await api.customer()
                let slow = try await api.webhook(customer, url: receiver.url("/trickle")).string("id")
                let other = try await api.customer("other")
                _ = try await api.webhook(other, url: receiver.url("/fine"))
                try await api.publish(customer)
                try await receiver.wait(for: 1, at: "/trickle")
                for index in 0..<5 { try await api.publish(other, resource: "r\(index)") }
                try await receiver.wait(for: 5, at: "/fine")
                let id = try #require(try await api.deliveries(customer, webhook: slow).first?["id"]?.stringValue)
                let delivery = try await api.waitForDelivery(customer, webhook: slow, delivery: id, timeout: .seconds(10)) {
                    $0["attempt_count"] == .number("1")
                }
                #expect(delivery["last_error_code"] == .string("timeout"))
                #expect(delivery["last_error"]?.stringValue?.contains("body") == true, "\(delivery["last_error"] ?? .null)")
                #expect(delivery["last_status_code"] == .null, "an answer cut short is no answer")
            }
        }
    }

    /// Absurd `Retry-After` values (the ones that crashed the server) count as absent, and any
    /// body bytes are recorded as text every backend stores.
    @Test(arguments: Backend.allCases)
    func absurdAnswersAreRecordedAndTheServerGoesOn(_ backend: Backend) async throws {
        try await Receiver.run { receiver in
            let body: [UInt8] = Array("bad".utf8) + [0, 0xFF, 0xFE] + Array("end".utf8)
            receiver.respond("/absurd") { _, earlier in
                let values = ["Sun, 06 Nov 1994 0000000000000008:49:37 GMT", "Sun, 99999999999999999 Nov 1994 08:49:37 GMT",
                              "Sun, 06 Nov 99999999999999999 08:49:37 GMT"]
                return earlier.count < values.count
                    ? .status(503, headers: [("Retry-After", values[earlier.count])], body: String(decoding: body, as: UTF8.self))
                    : .bytes(200, body)
            }
            let engine = APIHarness.Engine(schedule: RetrySchedule(parsing: "20ms,20ms,20ms")!)
            try await APIHarness.run(backend: backend, allowInsecureURLs: true, engine: engine) { api in
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/absurd")).string("id")
                try await api.publish(customer)
                let delivery = try await api.settledDelivery(customer, webhook: webhook, status: "succeeded")
                let attempts = delivery.attempts
                #expect(attempts.count == 4)
                #expect(attempts.prefix(3).allSatisfy { $0["error_code"] == .string("status") && $0["status_code"] == .number("503") })
                let stored = try #require(attempts.last?["response_body"]?.stringValue)
                #expect(stored.hasPrefix("bad\u{FFFD}") && stored.hasSuffix("end"), "\(stored.debugDescription)")
            }
        }
    }

    @Test func aFailingEndpointShowsItsHealthUntilAnAttemptSucceeds() async throws {
        try await Receiver.run { receiver in
            receiver.script("/flaky", .status(500), .status(500), .status(500), .status(500), .status(500), .status(200))
            let engine = APIHarness.Engine(schedule: RetrySchedule(parsing: "10ms,10ms,10ms,10ms,2s")!)
            try await APIHarness.run(allowInsecureURLs: true, engine: engine) { api in
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/flaky"))
                #expect(webhook.value("health") == .string("healthy") && webhook.value("failing_since") == .null)
                let id = try webhook.string("id")
                try await api.publish(customer)
                try await receiver.wait(for: 5, at: "/flaky")
                var shown: Reply?
                try await api.eventually("the webhook shows failing") {
                    shown = try await api.call(.get, "/v1.0/webhooks/\(id)", token: customer.token)
                    return shown?.value("health") == .string("failing")
                }
                #expect(shown?.value("failing_since")?.stringValue.flatMap(Timestamp.parse) != nil)
                _ = try await api.settledDelivery(customer, webhook: id, status: "succeeded")
                let healed = try await api.call(.get, "/v1.0/webhooks/\(id)", token: customer.token)
                #expect(healed.value("health") == .string("healthy") && healed.value("failing_since") == .null)
            }
        }
    }

    /// Rotations keep at most five retired secrets signing beside the current one.
    @Test func atMostFiveRetiredSecretsSign() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                let id = try await api.webhook(customer, url: receiver.url("/signed")).string("id")
                for _ in 0..<7 {
                    let reply = try await api.call(.post, "/v1.0/webhooks/\(id)/secret/rotate", token: customer.token)
                    #expect(reply.status == .ok)
                }
                #expect(try await api.call(.post, "/v1.0/webhooks/\(id)/test", token: customer.token).status == .accepted)
                let request = try #require(try await receiver.wait(for: 1, at: "/signed").first)
                #expect(request.header("webhook-signature")?.split(separator: " ").count == 6)
            }
        }
    }
}

/// Limits and input no backend can store are refused with a problem, never a 5xx (section 13).
@Suite struct LimitTests {
    @Test(arguments: Backend.allCases)
    func webhooksPerCustomerAreLimited(_ backend: Backend) async throws {
        try await APIHarness.run(backend: backend, configure: { $0.maxWebhooksPerCustomer = 2 }) { api in
            let customer = try await api.customer()
            _ = try await api.webhook(customer)
            _ = try await api.webhook(customer)
            let third = try await api.call(.post, "/v1.0/webhooks", token: customer.token,
                                           json: #"{"url":"https://example.com/3","event_types":["*"]}"#)
            third.expectProblem(.conflict)
            #expect(third.value("detail")?.stringValue?.contains("--max-webhooks-per-customer") == true)
            let other = try await api.customer("other")
            _ = try await api.webhook(other)
        }
    }

    @Test(arguments: Backend.allCases)
    func valuesNoBackendCanStoreAreRefused(_ backend: Backend) async throws {
        try await APIHarness.run(backend: backend) { api in
            let customer = try await api.customer()
            let hooks = "/v1.0/webhooks"
            try await api.call(.post, hooks, token: customer.token,
                               json: #"{"url":"https://example.com/a","event_types":["*"],"name":"a\u0000b"}"#).expectProblem(.badRequest, fields: ["name"])
            try await api.call(.post, hooks, token: customer.token,
                               json: #"{"url":"https://example.com/a","event_types":["*"],"headers":{"X-A":"tab\there"}}"#)
                .expectProblem(.badRequest, fields: ["headers.X-A"])
            try await api.call(.post, hooks, token: customer.token,
                               json: #"{"url":"https://example.com/a","event_types":["*"],"headers":{"X-A":"caf\u00e9"}}"#)
                .expectProblem(.badRequest, fields: ["headers.X-A"])
            try await api.admin(.post, "/v1.0/customers", json: #"{"name":"x\u0000"}"#).expectProblem(.badRequest, fields: ["name"])
            let long = String(repeating: "r", count: 257)
            try await api.publish(customer, resource: long).expectProblem(.badRequest, fields: ["data.id"])
            try await api.publish(customer, resource: "nul\\u0000").expectProblem(.badRequest, fields: ["data.id"])
            let batch = #"{"events":[{"customer_id":"\#(customer.id)","type":"call_hangup","data":{"id":"ok"}},"#
                + #"{"customer_id":"\#(customer.id)","type":"call_hangup","data":{"id":"\#(String(repeating: "k", count: 3000))"}}]}"#
            try await api.admin(.post, "/v1.0/events", json: batch).expectProblem(.badRequest, fields: ["events[1].data.id"])
            try await api.call(.get, "/v1.0/events?resource_id=a%00b", token: customer.token).expectProblem(.badRequest, fields: ["resource_id"])
            try await api.call(.get, "/v1.0/events?type=\(long)", token: customer.token).expectProblem(.badRequest, fields: ["type"])
            try await api.call(.get, "/v1.0/events/a%00b", token: customer.token).expectProblem(.notFound)
            let webhook = try await api.webhook(customer).string("id")
            try await api.call(.get, "/v1.0/webhooks/\(webhook)/deliveries?event_id=%00", token: customer.token)
                .expectProblem(.badRequest, fields: ["event_id"])
            try await api.call(.get, "/v1.0/webhooks?page_token=%00", token: customer.token).expectProblem(.badRequest, fields: ["page_token"])
            // Nothing was stored by any of these.
            #expect(try await api.call(.get, "/v1.0/events", token: customer.token).results.isEmpty)
            #expect(try await api.call(.get, hooks, token: customer.token).results.count == 1)
        }
    }

    /// Every route refuses a body over 5 MiB, also those that take none.
    @Test func bodiesOver5MiBAreRefusedOnEveryRoute() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let webhook = try await api.webhook(customer).string("id")
            let big = "\"" + String(repeating: "x", count: 6 * 1024 * 1024) + "\""
            for (uri, token) in [
                ("/v1.0/webhooks/\(webhook)/test", customer.token),
                ("/v1.0/webhooks/\(webhook)/deliveries/\(UUID().uuidString)/retry", customer.token),
                ("/v1.0/customers/\(customer.id)/accesskeys", APIHarness.adminToken),
            ] {
                try await api.call(.post, uri, token: token, json: big).expectProblem(.contentTooLarge)
            }
            #expect(try await api.deliveries(customer, webhook: webhook).isEmpty, "no test was sent")
        }
    }

    @Test(arguments: Backend.allCases)
    func aTestOfADisabledWebhookIsAConflict(_ backend: Backend) async throws {
        try await APIHarness.run(backend: backend) { api in
            let customer = try await api.customer()
            let webhook = try await api.webhook(customer, extra: #","status":"disabled""#).string("id")
            try await api.call(.post, "/v1.0/webhooks/\(webhook)/test", token: customer.token).expectProblem(.conflict)
            #expect(try await api.deliveries(customer, webhook: webhook).isEmpty)
        }
    }
}
