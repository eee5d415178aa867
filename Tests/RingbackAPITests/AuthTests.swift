import Foundation
import Hummingbird
import RingbackCore
import Testing

@Suite struct AuthTests {
    @Test func missingOrWrongCredentialsAnswer401() async throws {
        try await APIHarness.run { api in
            for uri in ["/v1.0/webhooks", "/v1.0/customers", "/v1.0/events", "/v1.0/webhook-event-types"] {
                let none = try await api.call(.get, uri)
                none.expectProblem(.unauthorized)
                #expect(none.headers[.wwwAuthenticate] == "Bearer")
                try await api.call(.get, uri, token: "rbk_wrong").expectProblem(.unauthorized)
                try await api.call(.get, uri + "?accesskey=rbk_wrong").expectProblem(.unauthorized)
            }
            // A body is not even read before the caller is known.
            try await api.call(.post, "/v1.0/webhooks", json: "{").expectProblem(.unauthorized)
        }
    }

    @Test func accessKeyWorksAsBearerOrQueryParameter() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            #expect(try await api.call(.get, "/v1.0/webhooks", token: customer.token).status == .ok)
            #expect(try await api.call(.get, "/v1.0/webhooks?accesskey=\(customer.token)").status == .ok)
        }
    }

    @Test func customerKeyOnOperatorRoutesAnswers403() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            try await api.call(.get, "/v1.0/customers", token: customer.token).expectProblem(.forbidden)
            try await api.call(.post, "/v1.0/customers", token: customer.token, json: #"{"name":"x"}"#).expectProblem(.forbidden)
            try await api.call(.get, "/v1.0/customers/\(customer.id)", token: customer.token).expectProblem(.forbidden)
            try await api.call(.post, "/v1.0/events", token: customer.token,
                               json: #"{"customer_id":"\#(customer.id)","type":"call_hangup","data":{"id":"c"}}"#)
                .expectProblem(.forbidden)
            // And the operator, who owns no webhooks, is refused customer routes.
            try await api.admin(.get, "/v1.0/webhooks").expectProblem(.forbidden)
        }
    }

    @Test func revokedKeyFailsAtOnce() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let second = try await api.admin(.post, "/v1.0/customers/\(customer.id)/accesskeys")
            #expect(second.status == .created)
            let token = try second.string("token")
            #expect(try await api.call(.get, "/v1.0/webhooks", token: token).status == .ok)
            let revoke = try await api.admin(.delete, "/v1.0/customers/\(customer.id)/accesskeys/\(try second.string("id"))")
            #expect(revoke.status == .noContent)
            try await api.call(.get, "/v1.0/webhooks", token: token).expectProblem(.unauthorized)
            // The first key still works.
            #expect(try await api.call(.get, "/v1.0/webhooks", token: customer.token).status == .ok)
            try await api.admin(.delete, "/v1.0/customers/\(customer.id)/accesskeys/\(try second.string("id"))")
                .expectProblem(.notFound)
        }
    }

    @Test func credentialsAreStoredOnlyAsHashes() async throws {
        let path = APIHarness.temporaryDatabasePath()
        let token = try await APIHarness.run(path: path) { api in try await api.customer().token }
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes += FileManager.default.contents(atPath: path + "-wal") ?? Data()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(CredentialHash.of(token)), "the files read are not where the keys are")
        #expect(!text.contains(token))
        #expect(!text.contains(APIHarness.adminToken))
    }

    @Test func anotherCustomersResourcesAnswer404OnEveryRoute() async throws {
        try await APIHarness.run { api in
            let owner = try await api.customer("owner")
            let other = try await api.customer("other")
            let webhook = try await api.webhook(owner, eventTypes: #"["*"]"#)
            let id = try webhook.string("id")
            let published = try await api.admin(.post, "/v1.0/events",
                                                json: #"{"customer_id":"\#(owner.id)","type":"call_hangup","data":{"id":"c1"}}"#)
            let eventID = try published.string("id")
            let deliveries = try await api.call(.get, "/v1.0/webhooks/\(id)/deliveries", token: owner.token)
            let deliveryID = try #require(deliveries.results.first?["id"]?.stringValue)

            let foreign: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1.0/webhooks/\(id)", nil),
                (.put, "/v1.0/webhooks/\(id)", #"{"name":"stolen"}"#),
                (.delete, "/v1.0/webhooks/\(id)", nil),
                (.get, "/v1.0/webhooks/\(id)/secret", nil),
                (.post, "/v1.0/webhooks/\(id)/secret/rotate", nil),
                (.get, "/v1.0/webhooks/\(id)/deliveries", nil),
                (.get, "/v1.0/webhooks/\(id)/deliveries/\(deliveryID)", nil),
                (.post, "/v1.0/webhooks/\(id)/deliveries/\(deliveryID)/retry", nil),
                (.post, "/v1.0/webhooks/\(id)/recover", #"{"since":"2020-01-01T00:00:00Z"}"#),
                (.post, "/v1.0/webhooks/\(id)/test", nil),
                (.get, "/v1.0/events/\(eventID)", nil),
            ]
            for (method, uri, body) in foreign {
                let reply = try await api.call(method, uri, token: other.token, json: body)
                reply.expectProblem(.notFound)
                // Exactly as a resource that does not exist.
                let missing = uri.replacingOccurrences(of: id, with: "00000000-0000-0000-0000-000000000000")
                    .replacingOccurrences(of: eventID, with: "evt_missing")
                try await api.call(method, missing, token: owner.token, json: body).expectProblem(.notFound)
            }
            #expect(try await api.call(.get, "/v1.0/webhooks", token: other.token).results.isEmpty)
            #expect(try await api.call(.get, "/v1.0/events", token: other.token).results.isEmpty)
            // Nothing the other customer tried changed the webhook.
            let after = try await api.call(.get, "/v1.0/webhooks/\(id)", token: owner.token)
            #expect(after.value("name") == .null)
            #expect(try await api.call(.get, "/v1.0/webhooks/\(id)/secret", token: owner.token).string("secret")
                == (try webhook.string("secret")))
        }
    }
}
