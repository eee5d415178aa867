import Foundation
import GRDB
import RingbackCore

extension SQLiteStore {
    public func publish(_ events: [NewEvent]) async throws -> [PublishResult] {
        let results = try await write { db in
            var matching: [UUID: [(id: String, types: [String])]] = [:]
            var results: [PublishResult] = []
            results.reserveCapacity(events.count)
            for (index, event) in events.enumerated() {
                if matching[event.customerID] == nil {
                    guard try Bool.fetchOne(db, sql: "SELECT 1 FROM customers WHERE id = ?", arguments: [event.customerID.text]) == true
                    else {
                        let field = events.count == 1 ? "customer_id" : "events[\(index)].customer_id"
                        throw ValidationFailure([FieldError(field: field, message: "is not a known customer")])
                    }
                    matching[event.customerID] = try Self.activeSubscriptions(db, customerID: event.customerID)
                }
                results.append(try Self.insert(db, event, webhooks: matching[event.customerID]!))
            }
            return results
        }
        if results.contains(where: { $0.deliveryCount > 0 }) { wakeups.signal() }
        return results
    }

    private static func activeSubscriptions(_ db: Database, customerID: UUID) throws -> [(id: String, types: [String])] {
        try Row.fetchAll(db, sql: "SELECT id, event_types FROM webhooks WHERE customer_id = ? AND status = 'active'",
                         arguments: [customerID.text])
            .map { (id: $0["id"], types: StoredJSON.eventTypes($0["event_types"])) }
    }

    /// Inserts one event and its deliveries; an id the customer used before returns the stored event.
    private static func insert(_ db: Database, _ event: NewEvent, webhooks: [(id: String, types: [String])]) throws -> PublishResult {
        let body = event.body
        let insert = try db.cachedStatement(sql: """
            INSERT INTO events (id, customer_id, type, resource_type, resource_id, body, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id, id) DO NOTHING RETURNING seq
            """)
        let seq = try Int64.fetchOne(insert, arguments: [
            event.id, event.customerID.text, event.type.name, event.type.resourceType, event.resourceID,
            Data(body), event.createdAt,
        ])
        guard let seq else {
            let row = try Row.fetchOne(db, sql: "SELECT \(StoredSQL.event) FROM events WHERE customer_id = ? AND id = ?",
                                       arguments: [event.customerID.text, event.id])!
            return PublishResult(event: row.event, created: false, deliveryCount: 0)
        }
        let targets = webhooks.filter { EventTypeFilter.anyMatches($0.types, event.type) }
        let resourceKey = event.type.resourceType + "/" + event.resourceID
        let insertDelivery = try db.cachedStatement(sql: """
            INSERT INTO deliveries (id, webhook_id, event_seq, resource_key, status, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, 'pending', ?, ?)
            """)
        for target in targets {
            try insertDelivery.execute(arguments: [UUID().text, target.id, seq, resourceKey, event.createdAt, event.createdAt])
        }
        let stored = Event(id: event.id, customerID: event.customerID, type: event.type.name,
                           resourceType: event.type.resourceType, resourceID: event.resourceID, body: body,
                           createdAt: event.createdAt)
        return PublishResult(event: stored, created: true, deliveryCount: targets.count)
    }

    public func listEvents(customerID: UUID, type: String?, resourceID: String?, _ page: PageRequest) async throws -> Page<Event> {
        try await read { db in
            var sql: SQL = "SELECT \(sql: StoredSQL.event) FROM events WHERE customer_id = \(customerID.text) AND seq < \(page.before ?? Int64.max)"
            if let type { sql += " AND type = \(type)" }
            if let resourceID { sql += " AND resource_id = \(resourceID)" }
            sql += " ORDER BY seq DESC LIMIT \(page.size + 1)"
            let rows = try SQLRequest<Row>(literal: sql).fetchAll(db)
            return makePage(rows, size: page.size, \.event)
        }
    }

    public func event(customerID: UUID, id: String) async throws -> Event {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(StoredSQL.event) FROM events WHERE customer_id = ? AND id = ?",
                                             arguments: [customerID.text, id])
            else { throw StoreError.notFound }
            return row.event
        }
    }

    public func createTestDelivery(customerID: UUID, webhookID: UUID, event: NewEvent) async throws -> UUID {
        let deliveryID = UUID()
        try await write { db in
            _ = try Self.fetchWebhook(db, customerID: customerID, id: webhookID)
            try db.execute(sql: """
                INSERT INTO events (id, customer_id, type, resource_type, resource_id, body, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [event.id, customerID.text, event.type.name, event.type.resourceType, event.resourceID,
                                 Data(event.body), event.createdAt])
            try db.execute(sql: """
                INSERT INTO deliveries (id, webhook_id, event_seq, resource_key, status, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, 'pending', ?, ?)
                """, arguments: [deliveryID.text, webhookID.text, db.lastInsertedRowID,
                                 "webhook/" + deliveryID.text, event.createdAt, event.createdAt])
        }
        wakeups.signal()
        return deliveryID
    }
}
