import Hummingbird
import RingbackCore
import Testing

@Suite struct WebhookValidationTests {
    /// Each bad create body, and the field its 400 must name.
    static let badBodies: [(name: String, body: String, field: String)] = [
        ("missing url", #"{"event_types":["call_hangup"]}"#, "url"),
        ("http url", #"{"url":"http://example.com/hook","event_types":["call_hangup"]}"#, "url"),
        ("relative url", #"{"url":"/hook","event_types":["call_hangup"]}"#, "url"),
        ("no host", #"{"url":"https:///hook","event_types":["call_hangup"]}"#, "url"),
        ("other scheme", #"{"url":"ftp://example.com/hook","event_types":["call_hangup"]}"#, "url"),
        ("user-info", #"{"url":"https://user:pw@example.com/hook","event_types":["call_hangup"]}"#, "url"),
        ("fragment", #"{"url":"https://example.com/hook#part","event_types":["call_hangup"]}"#, "url"),
        ("too long", #"{"url":"https://example.com/\#(String(repeating: "a", count: 2040))","event_types":["call_hangup"]}"#, "url"),
        ("url not a string", #"{"url":42,"event_types":["call_hangup"]}"#, "url"),
        ("missing event_types", #"{"url":"https://example.com/hook"}"#, "event_types"),
        ("empty event_types", #"{"url":"https://example.com/hook","event_types":[]}"#, "event_types"),
        ("duplicate event_types", #"{"url":"https://example.com/hook","event_types":["call_hangup","call_hangup"]}"#, "event_types[1]"),
        ("unknown event type", #"{"url":"https://example.com/hook","event_types":["call_exploded"]}"#, "event_types[0]"),
        ("unknown resource wildcard", #"{"url":"https://example.com/hook","event_types":["fax.*"]}"#, "event_types[0]"),
        ("webhook_test", #"{"url":"https://example.com/hook","event_types":["webhook_test"]}"#, "event_types[0]"),
        ("event type not a string", #"{"url":"https://example.com/hook","event_types":[7]}"#, "event_types[0]"),
        ("event_types not an array", #"{"url":"https://example.com/hook","event_types":"call_hangup"}"#, "event_types"),
        ("bad method", #"{"url":"https://example.com/hook","event_types":["*"],"method":"GET"}"#, "method"),
        ("reserved header", #"{"url":"https://example.com/hook","event_types":["*"],"headers":{"Content-Type":"text/plain"}}"#, "headers.Content-Type"),
        ("reserved webhook- header", #"{"url":"https://example.com/hook","event_types":["*"],"headers":{"webhook-id":"x"}}"#, "headers.webhook-id"),
        ("reserved signature header", #"{"url":"https://example.com/hook","event_types":["*"],"headers":{"X-VoIPBIN-Signature":"x"}}"#, "headers.X-VoIPBIN-Signature"),
        ("header value not a string", #"{"url":"https://example.com/hook","event_types":["*"],"headers":{"X-Team":1}}"#, "headers.X-Team"),
        ("too many headers", #"{"url":"https://example.com/hook","event_types":["*"],"headers":{\#((0..<21).map { "\"X-H\($0)\":\"v\"" }.joined(separator: ","))}}"#, "headers"),
        ("bad secret", #"{"url":"https://example.com/hook","event_types":["*"],"secret":"hunter2"}"#, "secret"),
        ("short secret", #"{"url":"https://example.com/hook","event_types":["*"],"secret":"whsec_AAAA"}"#, "secret"),
        ("over-long name", #"{"url":"https://example.com/hook","event_types":["*"],"name":"\#(String(repeating: "n", count: 256))"}"#, "name"),
        ("over-long detail", #"{"url":"https://example.com/hook","event_types":["*"],"detail":"\#(String(repeating: "d", count: 2001))"}"#, "detail"),
        ("bad status", #"{"url":"https://example.com/hook","event_types":["*"],"status":"paused"}"#, "status"),
        ("not an object", #"["https://example.com/hook"]"#, "body"),
        ("malformed JSON", #"{"url":"https://example.com/hook","#, "body"),
    ]

    @Test(arguments: badBodies.indices)
    func badCreateAnswers400AndChangesNothing(_ index: Int) async throws {
        let bad = Self.badBodies[index]
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let reply = try await api.call(.post, "/v1.0/webhooks", token: customer.token, json: bad.body)
            reply.expectProblem(.badRequest, fields: [bad.field])
            let list = try await api.call(.get, "/v1.0/webhooks", token: customer.token)
            #expect(list.results.isEmpty, "\(bad.name) created a webhook")
        }
    }

    @Test func everyInvalidFieldIsListed() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let reply = try await api.call(.post, "/v1.0/webhooks", token: customer.token, json: """
                {"url":"http://x.example","event_types":[],"method":"GET","name":5,"secret":"x","headers":{"Host":"h"}}
                """)
            reply.expectProblem(.badRequest, fields: ["url", "event_types", "method", "name", "secret", "headers.Host"])
        }
    }

    @Test func wrongContentTypeAnswers415() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let reply = try await api.call(.post, "/v1.0/webhooks", token: customer.token,
                                           json: #"{"url":"https://example.com/hook","event_types":["*"]}"#,
                                           contentType: "text/plain")
            reply.expectProblem(.unsupportedMediaType)
            let missing = try await api.call(.post, "/v1.0/webhooks", token: customer.token,
                                             json: #"{"url":"https://example.com/hook","event_types":["*"]}"#, contentType: nil)
            missing.expectProblem(.unsupportedMediaType)
            #expect(try await api.call(.get, "/v1.0/webhooks", token: customer.token).results.isEmpty)
        }
    }

    @Test func httpURLsNeedTheInsecureFlag() async throws {
        try await APIHarness.run(allowInsecureURLs: true) { api in
            let customer = try await api.customer()
            let reply = try await api.webhook(customer, url: "http://127.0.0.1:9/hook")
            #expect(try reply.string("url") == "http://127.0.0.1:9/hook")
        }
    }

    @Test func aBadUpdateChangesNothing() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let created = try await api.webhook(customer)
            let id = try created.string("id")
            let reply = try await api.call(.put, "/v1.0/webhooks/\(id)", token: customer.token,
                                           json: #"{"url":"https://changed.example.com","event_types":[]}"#)
            reply.expectProblem(.badRequest, fields: ["event_types"])
            let after = try await api.call(.get, "/v1.0/webhooks/\(id)", token: customer.token)
            #expect(try after.string("url") == "https://example.com/hook")
        }
    }
}
