import Foundation
import RingbackCore
import RingbackTestSupport
import Testing

/// Contract section 18: a webhook's `rate_limit` is never exceeded, and waiting uses no attempt.
@Suite struct RateLimitTests {
    @Test(arguments: Backend.allCases, [1, 10, 100])
    func deliveriesArePacedToTheLimit(_ backend: Backend, _ rate: Int) async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(backend: backend, allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/paced"), eventTypes: #"["*"]"#,
                                                    extra: #","rate_limit":\#(rate)"#)
                #expect(webhook.value("rate_limit") == .number(String(rate)))
                let count = rate == 1 ? 4 : 3 * rate
                var index = 0
                while index < count {
                    let batch = (index..<min(count, index + 100)).map {
                        #"{"customer_id":"\#(customer.id)","type":"call_hangup","data":{"id":"r\#($0)"}}"#
                    }
                    try #require(try await api.admin(.post, "/v1.0/events", json: #"{"events":[\#(batch.joined(separator: ","))]}"#)
                        .status == .accepted)
                    index += 100
                }
                try await receiver.wait(for: count, at: "/paced", timeout: .seconds(60))
                let id = try webhook.string("id")
                var deliveries: [JSONValue] = []
                try await api.eventually("every outcome is recorded") {
                    deliveries = try await Self.all(api, customer, webhook: id)
                    return deliveries.count == count && deliveries.allSatisfy { $0["status"] == .string("succeeded") }
                }
                // Waiting used no attempt: each delivery succeeded at its first.
                #expect(deliveries.allSatisfy { $0["attempt_count"] == .number("1") })
                let starts = deliveries.compactMap { $0["last_attempt_at"]?.stringValue.flatMap(Timestamp.parse) }
                #expect(starts.count == count)
                #expect(mostWithin(starts) <= rate, "at most \(rate) sends in any second: \(mostWithin(starts))")
                let span = starts.max()! - starts.min()!
                #expect(span >= Int64(Double(count - 1) / Double(rate) * 1000), "it waited: \(span) ms")
            }
        }
    }

    /// Every delivery of the webhook, page after page.
    static func all(_ api: APIHarness, _ customer: TestCustomer, webhook: String) async throws -> [JSONValue] {
        var all: [JSONValue] = []
        var token: String?
        repeat {
            let page = try await api.call(.get, "/v1.0/webhooks/\(webhook)/deliveries?page_size=100"
                                          + (token.map { "&page_token=\($0)" } ?? ""), token: customer.token)
            all += page.results
            token = page.value("next_page_token")?.stringValue
        } while token != nil
        return all
    }

    @Test func theLimitIsValidatedAndCanBeRemoved() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            for bad in ["0", "10001", "1.5", #""10""#, "-1"] {
                try await api.call(.post, "/v1.0/webhooks", token: customer.token,
                                   json: #"{"url":"https://example.com/h","event_types":["*"],"rate_limit":\#(bad)}"#)
                    .expectProblem(.badRequest, fields: ["rate_limit"])
            }
            let id = try await api.webhook(customer, extra: #","rate_limit":5"#).string("id")
            let cleared = try await api.call(.put, "/v1.0/webhooks/\(id)", token: customer.token, json: #"{"rate_limit":null}"#)
            #expect(cleared.value("rate_limit") == .null)
            let kept = try await api.call(.put, "/v1.0/webhooks/\(id)", token: customer.token, json: #"{"name":"x"}"#)
            #expect(kept.value("rate_limit") == .null)
        }
    }
}
