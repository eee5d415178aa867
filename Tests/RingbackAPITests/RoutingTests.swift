import Foundation
import Hummingbird
import RingbackAPI
import RingbackCore
import RingbackSQLite
import RingbackStore
import Testing

@Suite struct RoutingTests {
    @Test func unknownRouteAnswers404AndWrongMethod405() async throws {
        try await APIHarness.run { api in
            try await api.call(.get, "/v1.0/nothing").expectProblem(.notFound)
            let wrong = try await api.call(.patch, "/v1.0/webhooks")
            wrong.expectProblem(.methodNotAllowed)
            #expect(wrong.headers[.allow]?.contains("POST") == true)
            try await api.call(.post, "/v1.0/webhooks/123").expectProblem(.methodNotAllowed)
        }
    }

    @Test func bodiesOverFiveMiBAnswer413() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let huge = #"{"url":"https://example.com","event_types":["*"],"detail":""# + String(repeating: "x", count: 5 * 1024 * 1024) + #""}"#
            try await api.call(.post, "/v1.0/webhooks", token: customer.token, json: huge).expectProblem(.contentTooLarge)
            #expect(try await api.call(.get, "/v1.0/webhooks", token: customer.token).results.isEmpty)
        }
    }

    @Test func healthAndReadiness() async throws {
        try await APIHarness.run { api in
            let health = try await api.call(.get, "/healthz")
            let ready = try await api.call(.get, "/readyz")
            #expect(health.status == .ok)
            #expect(ready.status == .ok)
        }
    }

    @Test func theCatalogIsServedToAnyCredential() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            for token in [customer.token, APIHarness.adminToken] {
                let reply = try await api.call(.get, "/v1.0/webhook-event-types", token: token)
                #expect(reply.status == .ok)
                let names = reply.results.compactMap { $0["name"]?.stringValue }
                #expect(names == EventCatalog.listed.map(\.name))
                #expect(reply.results.first?["resource_type"] == .string("call"))
                #expect(reply.results.allSatisfy { $0["description"]?.stringValue?.isEmpty == false })
                // The 12 resource types of the platform, and Ringback's own `webhook` (section 18).
                #expect(Set(reply.results.compactMap { $0["resource_type"]?.stringValue }).count == 13)
                #expect(names.suffix(2) == ["webhook_disabled", "delivery_failed"])
            }
        }
    }

    @Test func restartKeepsEverything() async throws {
        let path = APIHarness.temporaryDatabasePath()
        let (customer, id, secret) = try await APIHarness.run(path: path) { api in
            let customer = try await api.customer()
            let webhook = try await api.webhook(customer)
            return (customer, try webhook.string("id"), try webhook.string("secret"))
        }
        try await APIHarness.run(path: path) { api in
            let fetched = try await api.call(.get, "/v1.0/webhooks/\(id)", token: customer.token)
            #expect(fetched.status == .ok)
            #expect(try await api.call(.get, "/v1.0/webhooks/\(id)/secret", token: customer.token).string("secret") == secret)
        }
    }

    @Test func asecondProcessOnTheSameFileIsRefused() async throws {
        let path = APIHarness.temporaryDatabasePath()
        let first = try SQLiteStore(path: path)
        #expect(throws: StoreError.locked(path)) { _ = try SQLiteStore(path: path) }
        try await first.close()
        let again = try SQLiteStore(path: path)
        try await again.close()
    }
}

