import Foundation
import NIOCore
import PostgresNIO
import RingbackCore

extension PostgresStore {
    public func publish(_ events: [NewEvent]) async throws -> [PublishResult] {
        let results = try await transaction { connection in
            var subscriptions: [UUID: [(id: String, types: [String])]] = [:]
            var results: [PublishResult] = []
            results.reserveCapacity(events.count)
            for (index, event) in events.enumerated() {
                if subscriptions[event.customerID] == nil {
                    guard !(try await connection.rows("SELECT seq FROM customers WHERE id = \(event.customerID.text)",
                                                      logger: self.logger)).isEmpty
                    else {
                        let field = events.count == 1 ? "customer_id" : "events[\(index)].customer_id"
                        throw ValidationFailure([FieldError(field: field, message: "is not a known customer")])
                    }
                    subscriptions[event.customerID] = try await connection.rows("""
                        SELECT id, event_types FROM webhooks WHERE customer_id = \(event.customerID.text) AND status = 'active'
                        """, logger: self.logger).map { (id: $0.text("id"), types: StoredJSON.eventTypes($0.text("event_types"))) }
                }
                results.append(try await self.insert(connection, event, webhooks: subscriptions[event.customerID]!))
            }
            if results.contains(where: { $0.deliveryCount > 0 }) { try await Self.notify(connection, logger: self.logger) }
            return results
        }
        if results.contains(where: { $0.deliveryCount > 0 }) { wakeups.signal() }
        return results
    }

    /// One event and its deliveries. A unique constraint decides idempotency: a concurrent
    /// duplicate waits for the first transaction and then finds its event.
    private func insert(_ connection: PostgresConnection, _ event: NewEvent,
                        webhooks: [(id: String, types: [String])]) async throws -> PublishResult {
        let body = event.body
        let inserted = try await connection.rows("""
            INSERT INTO events (id, customer_id, type, resource_type, resource_id, body, created_at)
            VALUES (\(event.id), \(event.customerID.text), \(event.type.name), \(event.type.resourceType),
                    \(event.resourceID), \(ByteBuffer(bytes: body)), \(event.createdAt))
            ON CONFLICT (customer_id, id) DO NOTHING RETURNING seq
            """, logger: logger)
        guard let seq = inserted.first?.integer("seq") else {
            let existing = try await connection.rows("""
                SELECT \(unescaped: StoredSQL.event) FROM events WHERE customer_id = \(event.customerID.text) AND id = \(event.id)
                """, logger: logger)
            guard let row = existing.first else { throw StoreError.unavailable }
            return PublishResult(event: row.event, created: false, deliveryCount: 0)
        }
        let targets = webhooks.filter { EventTypeFilter.anyMatches($0.types, event.type) }
        if !targets.isEmpty {
            let ids = targets.map { _ in UUID().text }
            try await connection.query("""
                INSERT INTO deliveries (id, webhook_id, event_seq, resource_key, status, next_attempt_at, created_at)
                SELECT delivery_id, webhook_id, \(seq), \(event.type.resourceType + "/" + event.resourceID), 'pending',
                       \(event.createdAt), \(event.createdAt)
                FROM unnest(\(ids)::text[], \(targets.map(\.id))::text[]) AS t(delivery_id, webhook_id)
                """, logger: logger)
        }
        let stored = Event(id: event.id, customerID: event.customerID, type: event.type.name,
                           resourceType: event.type.resourceType, resourceID: event.resourceID, body: body,
                           createdAt: event.createdAt)
        return PublishResult(event: stored, created: true, deliveryCount: targets.count)
    }

    public func listEvents(customerID: UUID, type: String?, resourceID: String?, _ page: PageRequest) async throws -> Page<Event> {
        let rows = try await rows("""
            SELECT \(unescaped: StoredSQL.event) FROM events
            WHERE customer_id = \(customerID.text) AND seq < \(page.before ?? Int64.max)
              AND (\(type)::text IS NULL OR type = \(type)) AND (\(resourceID)::text IS NULL OR resource_id = \(resourceID))
            ORDER BY seq DESC LIMIT \(page.size + 1)
            """)
        return makePage(rows, size: page.size, \.event)
    }

    public func event(customerID: UUID, id: String) async throws -> Event {
        guard let row = try await rows("""
            SELECT \(unescaped: StoredSQL.event) FROM events WHERE customer_id = \(customerID.text) AND id = \(id)
            """).first
        else { throw StoreError.notFound }
        return row.event
    }

    public func createTestDelivery(customerID: UUID, webhookID: UUID, event: NewEvent) async throws -> UUID {
        let deliveryID = UUID()
        try await transaction { connection in
            try await Self.requireWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            try await connection.query("""
                WITH inserted AS (
                    INSERT INTO events (id, customer_id, type, resource_type, resource_id, body, created_at)
                    VALUES (\(event.id), \(customerID.text), \(event.type.name), \(event.type.resourceType),
                            \(event.resourceID), \(ByteBuffer(bytes: event.body)), \(event.createdAt))
                    RETURNING seq)
                INSERT INTO deliveries (id, webhook_id, event_seq, resource_key, status, next_attempt_at, created_at)
                SELECT \(deliveryID.text), \(webhookID.text), seq, \("webhook/" + deliveryID.text), 'pending',
                       \(event.createdAt), \(event.createdAt)
                FROM inserted
                """, logger: self.logger)
            try await Self.notify(connection, logger: self.logger)
        }
        wakeups.signal()
        return deliveryID
    }
}
