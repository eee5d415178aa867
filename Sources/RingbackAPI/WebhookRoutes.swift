import Foundation
import Hummingbird
import RingbackCore
import RingbackStore

extension API {
    var webhookEndpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1.0/webhooks") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let changes = try validate(try await request.jsonBody(context: context)!, creating: true)
                let now = configuration.now()
                var webhook = Webhook(
                    id: UUID(), customerID: customerID, name: nil, detail: nil, url: "", method: .post, eventTypes: [],
                    headers: [], secret: changes.secret ?? WebhookSecret.generate(), retiredSecrets: [],
                    status: .active, disabledReason: nil, createdAt: now, updatedAt: now)
                webhook.apply(changes)
                let limit = configuration.maxWebhooksPerCustomer
                let created = try await storeCall { try await store.createWebhook(webhook, limit: limit) }
                return JSONResponse.make(.created, .webhook(created, at: now, withSecret: true))
            },
            Endpoint(.get, "/v1.0/webhooks") { request, _ in
                let customerID = try await auth.requireCustomer(request)
                let page = try request.pageRequest()
                let now = configuration.now()
                return JSONResponse.page(try await storeCall { try await store.listWebhooks(customerID: customerID, page) }) {
                    .webhook($0, at: now)
                }
            },
            Endpoint(.get, "/v1.0/webhooks/:id") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let id = try context.parameters.uuid("id")
                let webhook = try await storeCall { try await store.webhook(customerID: customerID, id: id) }
                return JSONResponse.make(.ok, .webhook(webhook, at: configuration.now()))
            },
            Endpoint(.put, "/v1.0/webhooks/:id") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let id = try context.parameters.uuid("id")
                let changes = try validate(try await request.jsonBody(context: context)!, creating: false)
                let now = configuration.now()
                let lifetime = configuration.retiredSecretLifetime
                let updated = try await storeCall {
                    try await store.updateWebhook(customerID: customerID, id: id) { webhook in
                        if let secret = changes.secret, secret != webhook.secret {
                            webhook.retire(webhook.secret, now: now, lifetime: lifetime)
                        }
                        webhook.apply(changes)
                        webhook.updatedAt = now
                    }
                }
                return JSONResponse.make(.ok, .webhook(updated, at: now))
            },
            Endpoint(.delete, "/v1.0/webhooks/:id") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let id = try context.parameters.uuid("id")
                let deleted = try await storeCall { try await store.deleteWebhook(customerID: customerID, id: id) }
                return JSONResponse.make(.ok, .webhook(deleted, at: configuration.now()))
            },
            Endpoint(.get, "/v1.0/webhooks/:id/secret") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let id = try context.parameters.uuid("id")
                let webhook = try await storeCall { try await store.webhook(customerID: customerID, id: id) }
                return JSONResponse.make(.ok, .object([JSONMember("secret", .string(webhook.secret.text))]))
            },
            Endpoint(.post, "/v1.0/webhooks/:id/secret/rotate") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let id = try context.parameters.uuid("id")
                var newSecret = WebhookSecret.generate()
                if let body = try await request.jsonBody(context: context, optional: true) {
                    guard case .object = body else { throw Problem.badRequest(field: "body", "must be a JSON object") }
                    switch body["secret"] {
                    case nil, .null?: break
                    case .string(let text)?:
                        guard let secret = WebhookSecret(text) else {
                            throw Problem.badRequest(field: "secret", "must be whsec_ followed by base64 of 24 to 64 bytes")
                        }
                        newSecret = secret
                    case let other?:
                        throw Problem.badRequest(field: "secret", "must be a string, not \(other.kind)")
                    }
                }
                let now = configuration.now()
                let lifetime = configuration.retiredSecretLifetime
                let secret = newSecret
                _ = try await storeCall {
                    try await store.updateWebhook(customerID: customerID, id: id) { webhook in
                        guard secret != webhook.secret else { return }
                        webhook.retire(webhook.secret, now: now, lifetime: lifetime)
                        webhook.secret = secret
                        webhook.updatedAt = now
                    }
                }
                return JSONResponse.make(.ok, .object([JSONMember("secret", .string(secret.text))]))
            },
        ]
    }

    func validate(_ body: JSONValue, creating: Bool) throws -> WebhookChanges {
        switch validator.validate(body, creating: creating) {
        case .success(let changes): return changes
        case .failure(let failure): throw Problem.badRequest(failure)
        }
    }
}

extension Webhook {
    /// Applies validated changes; fields the changes leave out keep their values.
    mutating func apply(_ changes: WebhookChanges) {
        if let name = changes.name { self.name = name }
        if let detail = changes.detail { self.detail = detail }
        if let url = changes.url { self.url = url }
        if let method = changes.method { self.method = method }
        if let eventTypes = changes.eventTypes { self.eventTypes = eventTypes }
        if let headers = changes.headers { self.headers = headers }
        if let secret = changes.secret { self.secret = secret }
        if let status = changes.status {
            if status == .disabled, self.status == .active { disabledReason = FailurePolicy.customerReason }
            self.status = status
        }
    }

    /// Retired secrets kept per webhook at most (contract section 13); the oldest goes first.
    static let maxRetiredSecrets = 5

    /// Keeps `secret` signing beside the new one until `now + lifetime`; drops expired ones.
    mutating func retire(_ secret: WebhookSecret, now: Millis, lifetime: Duration) {
        let kept = retiredSecrets.filter { $0.expiresAt > now && $0.secret != secret }
            + [RetiredSecret(secret: secret, expiresAt: now + lifetime.milliseconds)]
        retiredSecrets = Array(kept.suffix(Self.maxRetiredSecrets))
    }
}
