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
                let received = try await receiver.wait(for: count, at: "/paced", timeout: .seconds(60))
                let times = received.map(\.at)
                #expect(mostArrivals(times) <= rate, "at most \(rate) in any second: \(mostArrivals(times))")
                let span = (times.max()! - times.min()!)
                #expect(span >= .milliseconds(Int64(Double(count - 1) / Double(rate) * 900)), "it waited: \(span)")
                // Waiting used no attempt: each delivery succeeded at its first.
                let id = try webhook.string("id")
                try await api.eventually("every outcome is recorded") {
                    try await api.deliveries(customer, webhook: id, query: "&status=succeeded").count == min(count, 100)
                }
                let deliveries = try await api.deliveries(customer, webhook: id)
                #expect(deliveries.allSatisfy { $0["attempt_count"] == .number("1") }, "\(deliveries.prefix(2))")
            }
        }
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
