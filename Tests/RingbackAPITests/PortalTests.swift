import Foundation
import RingbackAPI
import RingbackCore
import RingbackTestSupport
import Testing

/// The customer portal's API side (contract section 17): portal sessions, the page's headers,
/// and the delivery filters the page's log uses. The page itself is tested in a real browser
/// (RingbackIntegrationTests/PortalBrowserTests).
@Suite struct PortalTests {
    @Test(arguments: Backend.allCases)
    func aPortalSessionIsACustomerKeyThatExpires(_ backend: Backend) async throws {
        let clock = ManualClock()
        try await APIHarness.run(backend: backend, configure: {
            $0.clock = clock
            $0.portalSessionLifetime = .seconds(600)
        }) { api in
            let customer = try await api.customer()
            let created = try await api.admin(.post, "/v1.0/customers/\(customer.id)/portal-sessions")
            #expect(created.status == .created, "\(created.raw)")
            let url = try created.string("url")
            #expect(url.wholeMatch(of: /http:\/\/[^\/]+\/portal#session=rbps_[0-9a-f]{48}/) != nil, "\(url)")
            #expect(try created.string("expires_at") == Timestamp.format(milliseconds: clock.now + 600_000))
            let token = String(url.split(separator: "=").last!)

            // The customer's own routes, as a bearer token (never in a query string); not the operator's.
            let webhook = try await api.webhook(customer)
            #expect(try await api.call(.get, "/v1.0/webhooks", token: token).results.count == 1)
            try await api.call(.get, "/v1.0/webhooks?accesskey=\(token)").expectProblem(.unauthorized)
            try await api.call(.get, "/v1.0/customers", token: token).expectProblem(.forbidden)
            try await api.call(.post, "/v1.0/customers/\(customer.id)/portal-sessions", token: token).expectProblem(.forbidden)
            // Another customer's webhook stays out of reach.
            let other = try await api.customer("other")
            let otherSession = try await api.admin(.post, "/v1.0/customers/\(other.id)/portal-sessions")
            let otherToken = String(try otherSession.string("url").split(separator: "=").last!)
            try await api.call(.get, "/v1.0/webhooks/\(try webhook.string("id"))", token: otherToken).expectProblem(.notFound)

            // Stored as a hash only; it stops at expires_at.
            #expect(try await api.store.customerID(forKeyHash: token, now: clock.now) == nil)
            clock.advance(by: 599_999)
            #expect(try await api.call(.get, "/v1.0/webhooks", token: token).status == .ok)
            clock.advance(by: 1)
            try await api.call(.get, "/v1.0/webhooks", token: token).expectProblem(.unauthorized)
            // The customer's own access key is unaffected.
            #expect(try await api.call(.get, "/v1.0/webhooks", token: customer.token).status == .ok)

            // Revoked with the customer.
            let fresh = try await api.admin(.post, "/v1.0/customers/\(customer.id)/portal-sessions")
            let freshToken = String(try fresh.string("url").split(separator: "=").last!)
            #expect(try await api.call(.get, "/v1.0/webhooks", token: freshToken).status == .ok)
            #expect(try await api.admin(.delete, "/v1.0/customers/\(customer.id)").status == .ok)
            try await api.call(.get, "/v1.0/webhooks", token: freshToken).expectProblem(.unauthorized)

            // Bad callers and unknown customers change nothing.
            try await api.call(.post, "/v1.0/customers/\(other.id)/portal-sessions").expectProblem(.unauthorized)
            try await api.call(.post, "/v1.0/customers/\(other.id)/portal-sessions", token: other.token).expectProblem(.forbidden)
            try await api.admin(.post, "/v1.0/customers/\(UUID().uuidString.lowercased())/portal-sessions").expectProblem(.notFound)
            try await api.admin(.post, "/v1.0/customers/not-an-id/portal-sessions").expectProblem(.notFound)
        }
    }

    /// A live stream checks its credential again at every keep-alive interval: it ends when its
    /// portal session expires, or when its access key is revoked.
    @Test func aStreamEndsWithItsSessionOrItsKey() async throws {
        let clock = ManualClock(now: SystemClock().now)
        try await APIHarness.run(configure: {
            $0.clock = clock
            $0.portalSessionLifetime = .seconds(600)
            $0.streamHeartbeat = .milliseconds(100)
        }) { api in
            let port = try #require(api.client.port)
            let customer = try await api.customer()
            let session = try await api.admin(.post, "/v1.0/customers/\(customer.id)/portal-sessions")
            let token = String(try session.string("url").split(separator: "=").last!)
            let key = try await api.admin(.post, "/v1.0/customers/\(customer.id)/accesskeys")
            let (keyID, keyToken) = (try key.string("id"), try key.string("token"))

            let bySession = StreamReader.open(port: port, query: "", headers: [("Authorization", "Bearer \(token)")])
            defer { bySession.close() }
            let byKey = StreamReader.open(port: port, query: "accesskey=\(keyToken)")
            defer { byKey.close() }
            for reader in [bySession, byKey] { try await reader.wait { $0.status == 200 && $0.comments >= 2 } }

            clock.advance(by: 600_000)
            try await bySession.wait { $0.ended }
            let seen = byKey.state.withLock { $0.comments }
            try await byKey.wait { $0.comments >= seen + 2 }
            #expect(!byKey.state.withLock { $0.ended }, "the access key does not expire")

            #expect(try await api.admin(.delete, "/v1.0/customers/\(customer.id)/accesskeys/\(keyID)").status == .noContent)
            try await byKey.wait { $0.ended }
        }
    }

    @Test func thePublicURLIsTheLinksBase() async throws {
        try await APIHarness.run(configure: { $0.publicURL = "https://hooks.example.com:8443" }) { api in
            let customer = try await api.customer()
            let created = try await api.admin(.post, "/v1.0/customers/\(customer.id)/portal-sessions")
            #expect(try created.string("url").hasPrefix("https://hooks.example.com:8443/portal#session=rbps_"))
        }
    }

    @Test func theHostOfALinkIsUsedOnlyWhenItIsAPlainHost() {
        #expect(API.baseURL(calledAt: "127.0.0.1:8080") == "http://127.0.0.1:8080")
        #expect(API.baseURL(calledAt: "[::1]:8080") == "http://[::1]:8080")
        #expect(API.baseURL(calledAt: "hooks.example.com") == "http://hooks.example.com")
        for hostile in ["evil.com/x?", "a b", "<script>", "evil.com#", "user@evil.com", "", String(repeating: "a", count: 300)] {
            #expect(API.baseURL(calledAt: hostile) == "", "\(hostile)")
        }
        #expect(API.baseURL(calledAt: nil) == "")
    }

    @Test func thePageComesFromTheBinaryUnderAStrictPolicy() async throws {
        try await APIHarness.run { api in
            let page = try await api.call(.get, "/portal")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'") && policy.contains("default-src 'none'"))
            #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
            #expect(policy.contains("require-trusted-types-for 'script'"), "the browser refuses markup from strings")
            #expect(page.headers[.init("X-Frame-Options")!] == "DENY")
            #expect(page.headers[.init("X-Content-Type-Options")!] == "nosniff")
            #expect(page.headers[.init("Referrer-Policy")!] == "no-referrer")
            // No inline script, handler or style: everything comes from the two files.
            #expect(page.raw.contains(#"<script src="/portal/portal.js" defer></script>"#))
            #expect(page.raw.firstMatch(of: /<script(?![^>]*src=)/) == nil)
            #expect(page.raw.firstMatch(of: /\son[a-z]+=|style=|<style/) == nil)
            #expect(!page.raw.contains("http://") && !page.raw.contains("https://"), "nothing fetched from elsewhere")

            let script = try await api.call(.get, "/portal/portal.js")
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.headers[.contentSecurityPolicy] == policy)
            // Values reach the page as text only.
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                #expect(!script.raw.contains(sink), "portal.js uses \(sink)")
            }
            let style = try await api.call(.get, "/portal/portal.css")
            #expect(style.status == .ok && style.headers[.contentType] == "text/css; charset=utf-8")
            #expect(!style.raw.contains("@import") && !style.raw.contains("url("), "no outside resources")
            try await api.call(.get, "/portal/nothing.js").expectProblem(.notFound)
        }
    }

    @Test(arguments: Backend.allCases)
    func deliveriesFilterByEventTypeAndTime(_ backend: Backend) async throws {
        try await APIHarness.run(backend: backend) { api in
            let customer = try await api.customer()
            let id = try await api.webhook(customer, eventTypes: #"["*"]"#).string("id")
            #expect(try await api.publish(customer, type: "call_hangup").status == .accepted)
            #expect(try await api.publish(customer, type: "message_created", resource: "m-1").status == .accepted)
            let deliveries = "/v1.0/webhooks/\(id)/deliveries"
            func count(_ query: String) async throws -> Int {
                let reply = try await api.call(.get, "\(deliveries)?\(query)", token: customer.token)
                #expect(reply.status == .ok, "\(query): \(reply.raw)")
                return reply.results.count
            }
            #expect(try await count("event_type=message_created") == 1)
            #expect(try await count("event_type=call_hangup&status=pending") == 1)
            #expect(try await count("event_type=call_ringing") == 0)
            let hourAgo = Timestamp.format(milliseconds: SystemClock().now - 3_600_000)
            let hourAhead = Timestamp.format(milliseconds: SystemClock().now + 3_600_000)
            #expect(try await count("since=\(hourAgo)&until=\(hourAhead)") == 2)
            #expect(try await count("since=\(hourAhead)") == 0)
            #expect(try await count("until=\(hourAgo)") == 0)
            #expect(try await count("event_type=&since=&until=") == 2, "empty parameters filter nothing")

            #expect(try await count("event_type=webhook_test") == 0, "the test ping and Ringback's own events are types too")
            #expect(try await count("event_type=delivery_failed") == 0)
            let long = String(repeating: "x", count: 300)
            try await api.call(.get, "\(deliveries)?event_type=calls&since=yesterday&until=2026-13-01T00:00:00Z&status=lost&event_id=\(long)",
                               token: customer.token)
                .expectProblem(.badRequest, fields: ["event_type", "since", "until", "status", "event_id"])
            try await api.call(.get, "\(deliveries)?since=\(hourAhead)&until=\(hourAgo)", token: customer.token)
                .expectProblem(.badRequest, fields: ["until"])
        }
    }
}
