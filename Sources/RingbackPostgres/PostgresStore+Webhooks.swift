import Foundation
import PostgresNIO
import RingbackCore
import RingbackStore

extension PostgresStore {
    public func createWebhook(_ webhook: Webhook, limit: Int) async throws -> Webhook {
        try await transaction { connection in
            guard let count = try await connection.rows(WebhookSQL.countForCreate(customerID: webhook.customerID),
                                                        logger: self.logger).first?.integer("count")
            else { throw StoreError.notFound }
            guard count < limit else { throw StoreError.webhookLimit(limit) }
            try await connection.execute(WebhookSQL.insert(webhook), logger: self.logger)
        }
        return webhook
    }

    public func listWebhooks(customerID: UUID, _ page: PageRequest) async throws -> Page<Webhook> {
        makePage(try await rows(WebhookSQL.list(customerID: customerID, page)), size: page.size, \.webhook)
    }

    public func webhook(customerID: UUID, id: UUID) async throws -> Webhook {
        guard let row = try await rows(WebhookSQL.one(customerID: customerID, id: id)).first else { throw StoreError.notFound }
        return row.webhook
    }

    public func updateWebhook(customerID: UUID, id: UUID, _ change: @escaping @Sendable (inout Webhook) throws -> Void) async throws -> Webhook {
        let updated = try await transaction { connection in
            // FOR UPDATE: concurrent updates of one webhook apply one after the other.
            guard let row = try await connection.rows(WebhookSQL.one(customerID: customerID, id: id, locking: true),
                                                      logger: self.logger).first
            else { throw StoreError.notFound }
            var webhook = row.webhook
            try change(&webhook)
            let transition = WebhookTransition(from: row.webhook.status, to: &webhook)
            try await connection.execute(WebhookSQL.update(webhook, reEnabled: transition == .enabled), logger: self.logger)
            switch transition {
            case .enabled:
                try await connection.execute(DeliverySQL.refreshLanes(webhookID: id), logger: self.logger)
                try await Self.notify(connection, logger: self.logger)
            case .disabled:
                try await connection.execute(DeliverySQL.parkDisabled([id]), logger: self.logger)
            case .unchanged:
                break
            }
            return webhook
        }
        if updated.status == .active { wakeups.signal() }
        return updated
    }

    public func deleteWebhook(customerID: UUID, id: UUID) async throws -> Webhook {
        guard let row = try await rows(WebhookSQL.delete(customerID: customerID, id: id)).first else { throw StoreError.notFound }
        return row.webhook
    }

    /// Announces committed deliveries to every node (sent when the transaction commits).
    static func notify(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.send("SELECT pg_notify(\(channel), '')", logger: logger)
    }

    /// 404 unless the webhook belongs to the customer.
    static func requireWebhook(_ connection: PostgresConnection, customerID: UUID, id: UUID, logger: Logger) async throws {
        guard !(try await connection.rows(DeliverySQL.ownedWebhook(customerID: customerID, id: id), logger: logger)).isEmpty
        else { throw StoreError.notFound }
    }

    /// Locks the customer's webhook against concurrent publishing and recording; its status, or 404.
    @discardableResult
    static func lockWebhook(_ connection: PostgresConnection, customerID: UUID, id: UUID, logger: Logger) async throws -> WebhookStatus {
        guard let row = try await connection.rows(DeliverySQL.lockWebhook(customerID: customerID, id: id), logger: logger).first
        else { throw StoreError.notFound }
        return WebhookStatus(rawValue: row.text("status")) ?? .disabled
    }
}
