import Foundation
import GRDB
import RingbackCore

extension SQLiteStore {
    public func createWebhook(_ webhook: Webhook) async throws -> Webhook {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO webhooks (id, customer_id, name, detail, url, method, event_types, headers, secret,
                                      retired_secrets, status, disabled_reason, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: Self.webhookArguments(webhook) + [webhook.createdAt, webhook.updatedAt])
        }
        return webhook
    }

    public func listWebhooks(customerID: UUID, _ page: PageRequest) async throws -> Page<Webhook> {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(StoredSQL.webhook) FROM webhooks
                WHERE customer_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?
                """, arguments: [customerID.text, page.before ?? Int64.max, page.size + 1])
            return makePage(rows, size: page.size, \.webhook)
        }
    }

    public func webhook(customerID: UUID, id: UUID) async throws -> Webhook {
        try await read { db in try Self.fetchWebhook(db, customerID: customerID, id: id) }
    }

    public func updateWebhook(customerID: UUID, id: UUID, _ change: @escaping @Sendable (inout Webhook) throws -> Void) async throws -> Webhook {
        let updated = try await write { db in
            var webhook = try Self.fetchWebhook(db, customerID: customerID, id: id)
            let wasActive = webhook.status == .active
            try change(&webhook)
            if webhook.status == .active { webhook.disabledReason = nil }
            try db.execute(sql: """
                UPDATE webhooks SET id = ?, customer_id = ?, name = ?, detail = ?, url = ?, method = ?,
                    event_types = ?, headers = ?, secret = ?, retired_secrets = ?, status = ?,
                    disabled_reason = ?, updated_at = ?,
                    failing_since = CASE WHEN ? THEN NULL ELSE failing_since END
                WHERE id = ?
                """, arguments: Self.webhookArguments(webhook)
                    + [webhook.updatedAt, !wasActive && webhook.status == .active, id.text])
            return webhook
        }
        if updated.status == .active { wakeups.signal() }
        return updated
    }

    public func deleteWebhook(customerID: UUID, id: UUID) async throws -> Webhook {
        try await write { db in
            let webhook = try Self.fetchWebhook(db, customerID: customerID, id: id)
            // Deliveries and their attempts go with it (ON DELETE CASCADE): pending ones are cancelled.
            try db.execute(sql: "DELETE FROM webhooks WHERE id = ?", arguments: [id.text])
            return webhook
        }
    }

    static func fetchWebhook(_ db: Database, customerID: UUID, id: UUID) throws -> Webhook {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT \(StoredSQL.webhook) FROM webhooks WHERE id = ? AND customer_id = ?
            """, arguments: [id.text, customerID.text])
        else { throw StoreError.notFound }
        return row.webhook
    }

    /// The columns from `id` to `disabled_reason`, in `StoredSQL.webhook` order.
    private static func webhookArguments(_ webhook: Webhook) -> StatementArguments {
        [
            webhook.id.text, webhook.customerID.text, webhook.name, webhook.detail, webhook.url,
            webhook.method.rawValue, StoredJSON.eventTypes(webhook.eventTypes), StoredJSON.headers(webhook.headers),
            webhook.secret.text, StoredJSON.retiredSecrets(webhook.retiredSecrets), webhook.status.rawValue,
            webhook.disabledReason,
        ]
    }
}
