import Foundation
import Hummingbird
import RingbackCore
import RingbackStore

extension API {
    var webhookEndpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1.0/webhooks", .customer) { request, context in
                let changes = try validate(try await request.jsonBody(context: context)!, creating: true)
                let now = configuration.clock.now
                var webhook = Webhook(
                    id: UUID(), customerID: try context.customerID, name: nil, detail: nil, url: "", method: .post,
                    eventTypes: [], headers: [], secret: changes.secret ?? WebhookSecret.generate(changes.schemeForCreate),
                    retiredSecrets: [],
                    status: .active, disabledReason: nil, createdAt: now, updatedAt: now)
                webhook.apply(changes)
                let created = try await store.createWebhook(webhook, limit: configuration.maxWebhooksPerCustomer)
                return try JSONResponse.make(.created, WebhookResource(created, at: now, withSecret: true))
            },
            Endpoint(.get, "/v1.0/webhooks", .customer) { request, context in
                let now = configuration.clock.now
                return try JSONResponse.page(try await store.listWebhooks(customerID: try context.customerID, try request.pageRequest())) {
                    WebhookResource($0, at: now)
                }
            },
            Endpoint(.get, "/v1.0/webhooks/:id", .customer) { _, context in
                let webhook = try await store.webhook(customerID: try context.customerID, id: try context.parameters.uuid("id"))
                return try JSONResponse.make(.ok, WebhookResource(webhook, at: configuration.clock.now))
            },
            Endpoint(.put, "/v1.0/webhooks/:id", .customer) { request, context in
                let changes = try validate(try await request.jsonBody(context: context)!, creating: false)
                let now = configuration.clock.now
                let lifetime = configuration.retiredSecretLifetime
                let (customerID, id) = (try context.customerID, try context.parameters.uuid("id"))
                if changes.signatureScheme != nil || changes.secret != nil {
                    // A webhook's scheme never changes, so it can be checked before the update.
                    let scheme = try await store.webhook(customerID: customerID, id: id).secret.scheme
                    if let conflict = changes.schemeConflict(with: scheme) { throw Problem.badRequest(ValidationFailure([conflict])) }
                }
                let updated = try await store.updateWebhook(customerID: customerID, id: id) { webhook in
                    if let secret = changes.secret, secret != webhook.secret {
                        webhook.retire(webhook.secret, now: now, lifetime: lifetime)
                    }
                    webhook.apply(changes)
                    webhook.updatedAt = now
                }
                return try JSONResponse.make(.ok, WebhookResource(updated, at: now))
            },
            Endpoint(.delete, "/v1.0/webhooks/:id", .customer) { _, context in
                let deleted = try await store.deleteWebhook(customerID: try context.customerID, id: try context.parameters.uuid("id"))
                return try JSONResponse.make(.ok, WebhookResource(deleted, at: configuration.clock.now))
            },
            Endpoint(.get, "/v1.0/webhooks/:id/secret", .customer) { _, context in
                let webhook = try await store.webhook(customerID: try context.customerID, id: try context.parameters.uuid("id"))
                return try JSONResponse.make(.ok, Self.shown(webhook.secret))
            },
            Endpoint(.post, "/v1.0/webhooks/:id/secret/rotate", .customer) { request, context in
                var given: WebhookSecret?
                if let body = try await request.jsonBody(context: context, optional: true) {
                    guard case .object = body else { throw Problem.badRequest(field: "body", "must be a JSON object") }
                    switch body["secret"] {
                    case nil, .null?: break
                    case .string(let text)?:
                        guard let secret = WebhookSecret(text) else {
                            throw Problem.badRequest(field: "secret", "must be \(WebhookSecret.Scheme.hmacSHA256.shape), "
                                                     + "or \(WebhookSecret.Scheme.ed25519.shape)")
                        }
                        given = secret
                    case let other?:
                        throw Problem.badRequest(field: "secret", "must be a string, not \(other.kind)")
                    }
                }
                let now = configuration.clock.now
                let lifetime = configuration.retiredSecretLifetime
                let (customerID, id) = (try context.customerID, try context.parameters.uuid("id"))
                // A new secret (or key) of the webhook's own scheme, which never changes.
                let scheme = try await store.webhook(customerID: customerID, id: id).secret.scheme
                var changes = WebhookChanges()
                changes.secret = given
                if let conflict = changes.schemeConflict(with: scheme) { throw Problem.badRequest(ValidationFailure([conflict])) }
                let secret = given ?? WebhookSecret.generate(scheme)
                let updated = try await store.updateWebhook(customerID: customerID, id: id) { webhook in
                    guard secret != webhook.secret else { return }
                    webhook.retire(webhook.secret, now: now, lifetime: lifetime)
                    webhook.secret = secret
                    webhook.updatedAt = now
                }
                return try JSONResponse.make(.ok, Self.shown(updated.secret))
            },
        ]
    }

    func validate(_ body: JSONValue, creating: Bool) throws -> WebhookChanges {
        switch validator.validate(body, creating: creating) {
        case .success(let changes): return changes
        case .failure(let failure): throw Problem.badRequest(failure)
        }
    }

    /// `{"secret": "whsec_..."}`, or for an Ed25519 webhook `{"public_key": "whpk_..."}`: its
    /// private key never leaves Ringback.
    static func shown(_ secret: WebhookSecret) -> JSONValue {
        let (name, value) = secret.shown
        return .object([JSONMember(name, .string(value))])
    }
}
