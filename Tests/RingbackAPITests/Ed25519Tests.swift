import Foundation
import RingbackCore
import RingbackReceiver
import RingbackTestSupport
import Testing

/// Contract section 18: webhooks signed with Ed25519, whose private key never leaves Ringback.
@Suite struct Ed25519Tests {
    @Test(arguments: Backend.allCases)
    func deliveriesAreSignedWithTheKeyAndVerifyWithThePublicHalfAcrossARotation(_ backend: Backend) async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(backend: backend, allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                let created = try await api.webhook(customer, url: receiver.url("/signed"), eventTypes: #"["*"]"#,
                                                    extra: #","signature_scheme":"ed25519""#)
                let id = try created.string("id")
                #expect(created.value("signature_scheme") == .string("ed25519"))
                #expect(created.value("secret") == nil, "no secret to show")
                let publicKey = try created.string("public_key")
                #expect(publicKey.hasPrefix("whpk_"))
                let shown = try await api.call(.get, "/v1.0/webhooks/\(id)/secret", token: customer.token)
                #expect(shown.json == .object([JSONMember("public_key", .string(publicKey))]))
                #expect(!shown.raw.contains("whsk_") && !created.raw.contains("whsk_"))

                _ = try await api.publish(customer, resource: "c1")
                let first = try #require(try await receiver.wait(for: 1, at: "/signed").first)
                #expect(first.header("webhook-signature")?.hasPrefix("v1a,") == true)
                #expect(first.header("x-voipbin-signature") == nil)
                #expect(try WebhookVerifier(secrets: [publicKey]).verify(headers: first.headers, body: first.body).id
                    == first.header("webhook-id"))

                // Rotation: a new key pair; the old key keeps signing beside it.
                let rotated = try await api.call(.post, "/v1.0/webhooks/\(id)/secret/rotate", token: customer.token)
                let newKey = try rotated.string("public_key")
                #expect(newKey != publicKey && newKey.hasPrefix("whpk_"))
                _ = try await api.publish(customer, resource: "c2")
                let second = try await receiver.wait(for: 2, at: "/signed")[1]
                #expect(second.header("webhook-signature")?.split(separator: " ").count == 2)
                for key in [publicKey, newKey] {
                    #expect(try WebhookVerifier(secrets: [key]).verify(headers: second.headers, body: second.body).id
                        == second.header("webhook-id"))
                }

                // The scheme is the webhook's for good; secrets must be of its kind.
                try await api.call(.put, "/v1.0/webhooks/\(id)", token: customer.token, json: #"{"signature_scheme":"hmac_sha256"}"#)
                    .expectProblem(.badRequest, fields: ["signature_scheme"])
                try await api.call(.put, "/v1.0/webhooks/\(id)", token: customer.token,
                                   json: #"{"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}"#)
                    .expectProblem(.badRequest, fields: ["secret"])
                try await api.call(.post, "/v1.0/webhooks/\(id)/secret/rotate", token: customer.token,
                                   json: #"{"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}"#)
                    .expectProblem(.badRequest, fields: ["secret"])
                try await api.call(.post, "/v1.0/webhooks", token: customer.token, json: """
                    {"url":"\(receiver.url("/x"))","event_types":["*"],"signature_scheme":"ed25519","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
                    """).expectProblem(.badRequest, fields: ["secret"])
                try await api.call(.post, "/v1.0/webhooks", token: customer.token, json: """
                    {"url":"\(receiver.url("/x"))","event_types":["*"],"signature_scheme":"rsa"}
                    """).expectProblem(.badRequest, fields: ["signature_scheme"])
                // A key given as whsk_ makes an Ed25519 webhook.
                let given = try await api.webhook(customer, url: receiver.url("/given"), eventTypes: #"["*"]"#,
                                                  extra: #","secret":"whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=""#)
                #expect(given.value("public_key") == .string("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="))
                #expect(try await api.webhook(customer, url: receiver.url("/hmac")).value("signature_scheme") == .string("hmac_sha256"))
            }
        }
    }
}
