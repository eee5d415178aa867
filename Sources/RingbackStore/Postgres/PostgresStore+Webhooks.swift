import Foundation
import PostgresNIO
import RingbackCore

extension PostgresStore {
    public func createWebhook(_ webhook: Webhook) async throws -> Webhook {
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO webhooks (id, customer_id, name, detail, url, method, event_types, headers, secret,
                                      retired_secrets, status, disabled_reason, created_at, updated_at)
                VALUES (\(webhook.id.text), \(webhook.customerID.text), \(webhook.name), \(webhook.detail), \(webhook.url),
                        \(webhook.method.rawValue), \(StoredJSON.eventTypes(webhook.eventTypes)),
                        \(StoredJSON.headers(webhook.headers)), \(webhook.secret.text),
                        \(StoredJSON.retiredSecrets(webhook.retiredSecrets)), \(webhook.status.rawValue),
                        \(webhook.disabledReason), \(webhook.createdAt), \(webhook.updatedAt))
                """, logger: self.logger)
        }
        return webhook
    }

    public func listWebhooks(customerID: UUID, _ page: PageRequest) async throws -> Page<Webhook> {
        let rows = try await rows("""
            SELECT \(unescaped: StoredSQL.webhook) FROM webhooks
            WHERE customer_id = \(customerID.text) AND seq < \(page.before ?? Int64.max)
            ORDER BY seq DESC LIMIT \(page.size + 1)
            """)
        return makePage(rows, size: page.size, \.webhook)
    }

    public func webhook(customerID: UUID, id: UUID) async throws -> Webhook {
        guard let row = try await rows("""
            SELECT \(unescaped: StoredSQL.webhook) FROM webhooks WHERE id = \(id.text) AND customer_id = \(customerID.text)
            """).first
        else { throw StoreError.notFound }
        return row.webhook
    }

    public func updateWebhook(customerID: UUID, id: UUID, _ change: @escaping @Sendable (inout Webhook) throws -> Void) async throws -> Webhook {
        let updated = try await transaction { connection in
            // FOR UPDATE: concurrent updates of one webhook apply one after the other.
            guard let row = try await connection.rows("""
                SELECT \(unescaped: StoredSQL.webhook) FROM webhooks
                WHERE id = \(id.text) AND customer_id = \(customerID.text) FOR UPDATE
                """, logger: self.logger).first
            else { throw StoreError.notFound }
            var webhook = row.webhook
            let wasActive = webhook.status == .active
            try change(&webhook)
            if webhook.status == .active { webhook.disabledReason = nil }
            let reEnabled = !wasActive && webhook.status == .active
            try await connection.query("""
                UPDATE webhooks SET name = \(webhook.name), detail = \(webhook.detail), url = \(webhook.url),
                    method = \(webhook.method.rawValue), event_types = \(StoredJSON.eventTypes(webhook.eventTypes)),
                    headers = \(StoredJSON.headers(webhook.headers)), secret = \(webhook.secret.text),
                    retired_secrets = \(StoredJSON.retiredSecrets(webhook.retiredSecrets)), status = \(webhook.status.rawValue),
                    disabled_reason = \(webhook.disabledReason), updated_at = \(webhook.updatedAt),
                    failing_since = CASE WHEN \(reEnabled) THEN NULL ELSE failing_since END
                WHERE id = \(id.text)
                """, logger: self.logger)
            if reEnabled { try await Self.notify(connection, logger: self.logger) }
            return webhook
        }
        if updated.status == .active { wakeups.signal() }
        return updated
    }

    public func deleteWebhook(customerID: UUID, id: UUID) async throws -> Webhook {
        guard let row = try await rows("""
            DELETE FROM webhooks WHERE id = \(id.text) AND customer_id = \(customerID.text)
            RETURNING \(unescaped: StoredSQL.webhook)
            """).first
        else { throw StoreError.notFound }
        return row.webhook
    }

    /// Announces committed deliveries to every node (sent when the transaction commits).
    static func notify(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(channel), '')", logger: logger)
    }

    /// The webhook, when it belongs to the customer, inside a transaction; else 404.
    static func requireWebhook(_ connection: PostgresConnection, customerID: UUID, id: UUID, logger: Logger) async throws {
        guard !(try await connection.rows("""
            SELECT seq FROM webhooks WHERE id = \(id.text) AND customer_id = \(customerID.text)
            """, logger: logger)).isEmpty
        else { throw StoreError.notFound }
    }
}
