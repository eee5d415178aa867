import Foundation
import Hummingbird
import RingbackCore
import RingbackStore
import Testing

@Suite struct WebhookRoutesTests {
    @Test func createShowsEveryFieldAndTheSecretOnlyWhereAsked() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let created = try await api.webhook(customer, eventTypes: #"["call_hangup","message.*"]"#, extra: """
                ,"name":"billing","detail":"calls to billing","method":"PUT","headers":{"X-Team":"billing"}
                """)
            #expect(created.value("customer_id") == .string(customer.id))
            #expect(created.value("name") == .string("billing"))
            #expect(created.value("detail") == .string("calls to billing"))
            #expect(created.value("method") == .string("PUT"))
            #expect(created.value("event_types") == .array([.string("call_hangup"), .string("message.*")]))
            #expect(created.value("headers") == .object([JSONMember("X-Team", .string("billing"))]))
            #expect(created.value("status") == .string("active"))
            #expect(created.value("disabled_reason") == .null)
            let secret = try created.string("secret")
            #expect(WebhookSecret(secret) != nil)
            let tmCreate = try created.string("tm_create")
            #expect(Timestamp.parse(tmCreate) != nil && tmCreate.hasSuffix("Z") && tmCreate.count == 24)
            #expect(UUID(uuidString: try created.string("id")) != nil)

            let id = try created.string("id")
            let fetched = try await api.call(.get, "/v1.0/webhooks/\(id)", token: customer.token)
            #expect(fetched.status == .ok)
            #expect(fetched.value("secret") == nil)
            #expect(fetched.value("url") == .string("https://example.com/hook"))
            let listed = try await api.call(.get, "/v1.0/webhooks", token: customer.token)
            #expect(listed.results.count == 1 && listed.results[0]["secret"] == nil)
            let shown = try await api.call(.get, "/v1.0/webhooks/\(id)/secret", token: customer.token)
            #expect(try shown.string("secret") == secret)
        }
    }

    @Test func aGivenSecretIsKept() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            let created = try await api.webhook(customer, extra: #","secret":"\#(secret)""#)
            #expect(try created.string("secret") == secret)
        }
    }

    @Test func paginationWalksEveryWebhookNewestFirst() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            var created: [String] = []
            for index in 0..<7 {
                created.append(try await api.webhook(customer, extra: #","name":"w\#(index)""#).string("id"))
            }
            var seen: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let query = "/v1.0/webhooks?page_size=3" + (token.map { "&page_token=\($0)" } ?? "")
                let page = try await api.call(.get, query, token: customer.token)
                #expect(page.status == .ok)
                #expect(page.results.count <= 3)
                seen += page.results.compactMap { $0["id"]?.stringValue }
                token = page.value("next_page_token")?.stringValue
                pages += 1
            } while token != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == created.reversed())
            let whole = try await api.call(.get, "/v1.0/webhooks", token: customer.token)
            #expect(whole.results.count == 7)
            #expect(whole.value("next_page_token") == .null)
        }
    }

    @Test func badPageParametersAnswer400() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            for query in ["page_size=0", "page_size=101", "page_size=ten", "page_token=nonsense"] {
                let reply = try await api.call(.get, "/v1.0/webhooks?\(query)", token: customer.token)
                reply.expectProblem(.badRequest, fields: [String(query.prefix { $0 != "=" })])
            }
        }
    }

    @Test func putKeepsOmittedFields() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let created = try await api.webhook(customer, extra: #","name":"keep me","headers":{"X-A":"1"}"#)
            let id = try created.string("id")
            let updated = try await api.call(.put, "/v1.0/webhooks/\(id)", token: customer.token,
                                             json: #"{"url":"https://new.example.com/hook"}"#)
            #expect(updated.status == .ok, "\(updated.raw)")
            #expect(updated.value("url") == .string("https://new.example.com/hook"))
            #expect(updated.value("name") == .string("keep me"))
            #expect(updated.value("event_types") == .array([.string("call_hangup")]))
            #expect(updated.value("headers") == .object([JSONMember("X-A", .string("1"))]))
            #expect(updated.value("tm_create") == created.value("tm_create"))
            let secret = try await api.call(.get, "/v1.0/webhooks/\(id)/secret", token: customer.token)
            #expect(try secret.string("secret") == (try created.string("secret")))
        }
    }

    @Test func disablingAndReEnablingClearsTheReason() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let id = try await api.webhook(customer).string("id")
            let disabled = try await api.call(.put, "/v1.0/webhooks/\(id)", token: customer.token, json: #"{"status":"disabled"}"#)
            #expect(disabled.value("status") == .string("disabled"))
            #expect(disabled.value("disabled_reason")?.stringValue != nil)
            let enabled = try await api.call(.put, "/v1.0/webhooks/\(id)", token: customer.token, json: #"{"status":"active"}"#)
            #expect(enabled.value("status") == .string("active"))
            #expect(enabled.value("disabled_reason") == .null)
        }
    }

    @Test func deleteAnswersTheWebhookAndForgetsIt() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let id = try await api.webhook(customer).string("id")
            let deleted = try await api.call(.delete, "/v1.0/webhooks/\(id)", token: customer.token)
            #expect(deleted.status == .ok)
            #expect(deleted.value("id") == .string(id))
            try await api.call(.get, "/v1.0/webhooks/\(id)", token: customer.token).expectProblem(.notFound)
            try await api.call(.delete, "/v1.0/webhooks/\(id)", token: customer.token).expectProblem(.notFound)
        }
    }

    @Test func rotationKeepsTheOldSecretFor24Hours() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let created = try await api.webhook(customer)
            let id = try created.string("id")
            let old = try created.string("secret")
            let before = Timestamp.milliseconds(Date())
            let rotated = try await api.call(.post, "/v1.0/webhooks/\(id)/secret/rotate", token: customer.token)
            #expect(rotated.status == .ok)
            let new = try rotated.string("secret")
            #expect(new != old && WebhookSecret(new) != nil)
            #expect(try await api.call(.get, "/v1.0/webhooks/\(id)/secret", token: customer.token).string("secret") == new)

            let stored = try await api.store.webhook(customerID: UUID(uuidString: customer.id)!, id: UUID(uuidString: id)!)
            let retired = try #require(stored.retiredSecrets.first)
            #expect(stored.retiredSecrets.count == 1)
            #expect(retired.secret.text == old)
            let day: Int64 = 24 * 3600 * 1000
            #expect(retired.expiresAt >= before + day && retired.expiresAt <= Timestamp.milliseconds(Date()) + day)
            // Both sign now; after the expiry only the new one does.
            #expect(stored.signingSecrets(at: before).map(\.text) == [new, old])
            #expect(stored.signingSecrets(at: retired.expiresAt).map(\.text) == [new])

            let given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            let explicit = try await api.call(.post, "/v1.0/webhooks/\(id)/secret/rotate", token: customer.token,
                                              json: #"{"secret":"\#(given)"}"#)
            #expect(try explicit.string("secret") == given)
            try await api.call(.post, "/v1.0/webhooks/\(id)/secret/rotate", token: customer.token, json: #"{"secret":"bad"}"#)
                .expectProblem(.badRequest, fields: ["secret"])
            #expect(try await api.call(.get, "/v1.0/webhooks/\(id)/secret", token: customer.token).string("secret") == given)
        }
    }
}
