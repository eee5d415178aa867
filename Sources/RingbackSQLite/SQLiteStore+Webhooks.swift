import Foundation
import GRDB
import RingbackCore
import RingbackStore

extension SQLiteStore {
    public func createWebhook(_ webhook: Webhook, limit: Int) async throws -> Webhook {
        try await write { db in
            guard let count = try db.rows(WebhookSQL.countForCreate(customerID: webhook.customerID)).first?["count"] as Int?
            else { throw StoreError.notFound }
            guard count < limit else { throw StoreError.webhookLimit(limit) }
            try db.execute(WebhookSQL.insert(webhook))
        }
        return webhook
    }

    public func listWebhooks(customerID: UUID, _ page: PageRequest) async throws -> Page<Webhook> {
        try await read { db in makePage(try db.rows(WebhookSQL.list(customerID: customerID, page)), size: page.size, \.webhook) }
    }

    public func webhook(customerID: UUID, id: UUID) async throws -> Webhook {
        try await read { db in try Self.fetchWebhook(db, customerID: customerID, id: id) }
    }

    public func updateWebhook(customerID: UUID, id: UUID, _ change: @escaping @Sendable (inout Webhook) throws -> Void) async throws -> Webhook {
        let updated = try await write { db in
            var webhook = try Self.fetchWebhook(db, customerID: customerID, id: id)
            let before = webhook.status
            try change(&webhook)
            let transition = WebhookTransition(from: before, to: &webhook)
            try db.execute(WebhookSQL.update(webhook, reEnabled: transition == .enabled))
            switch transition {
            case .enabled: try db.execute(DeliverySQL.refreshLanes(webhookID: id))
            case .disabled: try db.execute(DeliverySQL.parkDisabled([id]))
            case .unchanged: break
            }
            return webhook
        }
        if updated.status == .active { wakeups.signal() }
        return updated
    }

    public func deleteWebhook(customerID: UUID, id: UUID) async throws -> Webhook {
        // Deliveries and their attempts go with it (ON DELETE CASCADE): pending ones are cancelled.
        try await write { db in
            guard let row = try db.rows(WebhookSQL.delete(customerID: customerID, id: id)).first else { throw StoreError.notFound }
            return row.webhook
        }
    }

    static func fetchWebhook(_ db: Database, customerID: UUID, id: UUID) throws -> Webhook {
        guard let row = try db.rows(WebhookSQL.one(customerID: customerID, id: id)).first else { throw StoreError.notFound }
        return row.webhook
    }
}
