import Foundation
import RingbackCore

/// The statements of publishing and reading events, written once for both backends. A batch
/// is published with a fixed number of statements, however many events it holds.
package enum EventSQL {
    /// The customers that exist, key-share-locked on PostgreSQL: a publish takes its customers
    /// before their webhooks, as deleting a customer does, so the two never deadlock.
    package static func knownCustomers(_ ids: [UUID]) -> SQLStatement {
        "SELECT id FROM customers WHERE id \(in: ids) ORDER BY id\(postgres: " FOR KEY SHARE")"
    }

    /// The active webhooks of the customers, share-locked on PostgreSQL so that recording (which
    /// takes them for update) cannot settle a lane's head while this batch joins that lane.
    package static func subscriptions(_ customerIDs: [UUID]) -> SQLStatement {
        """
        SELECT id, customer_id, event_types FROM webhooks WHERE customer_id \(in: customerIDs) AND status = 'active'
        ORDER BY id\(postgres: " FOR SHARE")
        """
    }

    /// Inserts the events in order; an id the customer used before is skipped (and not returned).
    package static func insert(_ events: [NewEvent]) -> SQLStatement {
        let rows = SQLRows(
            [("n", .integer), ("id", .text), ("customer_id", .text), ("type", .text), ("resource_type", .text),
             ("resource_id", .text), ("body", .text), ("created_at", .integer)],
            events.enumerated().map { index, event in
                [.integer(Int64(index)), .text(event.id), .text(event.customerID.text), .text(event.type.name),
                 .text(event.type.resourceType), .text(event.resourceID), .text(String(decoding: event.body, as: UTF8.self)),
                 .integer(event.createdAt)]
            })
        return """
            INSERT INTO events (id, customer_id, type, resource_type, resource_id, body, created_at, txid)
            SELECT o.id, o.customer_id, o.type, o.resource_type, o.resource_id,
                   \(postgres: "convert_to(o.body, 'UTF8')", sqlite: "CAST(o.body AS BLOB)"), o.created_at,
                   \(postgres: "pg_current_xact_id()::text::bigint", sqlite: "0")
            FROM \(rows, as: "o") WHERE true ORDER BY o.n
            ON CONFLICT (customer_id, id) DO NOTHING
            RETURNING seq, customer_id, id
            """
    }

    /// Stored events by (customer, id).
    package static func existing(_ keys: [(customerID: UUID, id: String)]) -> SQLStatement {
        let rows = SQLRows([("customer_id", .text), ("id", .text)], keys.map { [.text($0.customerID.text), .text($0.id)] })
        return """
            SELECT \(sql: StoredSQL.event("e")) FROM events e JOIN \(rows, as: "k") ON e.customer_id = k.customer_id AND e.id = k.id
            """
    }

    /// Lanes among these webhooks and resources that already have a pending delivery.
    package static func busyLanes(webhookIDs: [String], resourceKeys: [String]) -> SQLStatement {
        """
        SELECT DISTINCT webhook_id, resource_key FROM deliveries
        WHERE status = 'pending' AND webhook_id \(in: webhookIDs) AND resource_key \(in: resourceKeys)
        """
    }

    package static func insertDeliveries(_ deliveries: [NewDelivery]) -> SQLStatement {
        let rows = SQLRows(
            [("n", .integer), ("id", .text), ("webhook_id", .text), ("event_seq", .integer), ("resource_key", .text),
             ("at", .integer), ("ready", .integer)],
            deliveries.enumerated().map { index, delivery in
                [.integer(Int64(index)), .text(delivery.id.text), .text(delivery.webhookID), .integer(delivery.eventSeq),
                 .text(delivery.resourceKey), .integer(delivery.at), .integer(delivery.ready ? 1 : 0)]
            })
        return """
            INSERT INTO deliveries (id, webhook_id, event_seq, resource_key, status, next_attempt_at, created_at, ready)
            SELECT o.id, o.webhook_id, o.event_seq, o.resource_key, 'pending', o.at, o.at, o.ready
            FROM \(rows, as: "o") ORDER BY o.n
            """
    }

    package static func list(customerID: UUID, type: String?, resourceID: String?, _ page: PageRequest) -> SQLStatement {
        var statement: SQLStatement = """
            SELECT \(sql: StoredSQL.event("e")) FROM events e
            WHERE e.customer_id = \(customerID) AND e.seq < \(page.before ?? Int64.max)
            """
        if let type { statement += " AND e.type = \(type)" }
        if let resourceID { statement += " AND e.resource_id = \(resourceID)" }
        return statement + " ORDER BY e.seq DESC LIMIT \(page.size + 1)"
    }

    /// A customer's events after `position` in stream order, with whether each can be read yet:
    /// on PostgreSQL an event is readable once every transaction older than its own has ended,
    /// so that none can still commit an event before it.
    package static func stream(customerID: UUID, after position: StreamPosition, limit: Int) -> SQLStatement {
        """
        SELECT \(sql: StoredSQL.event("e")), e.txid,
               \(postgres: "CASE WHEN e.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint THEN 1 ELSE 0 END",
                     sqlite: "1") AS readable
        FROM events e
        WHERE e.customer_id = \(customerID) AND e.txid >= \(position.txid)
          AND (e.txid > \(position.txid) OR (e.txid = \(position.txid) AND e.seq > \(position.seq)))
        ORDER BY e.txid, e.seq LIMIT \(limit)
        """
    }

    /// Where an event of the customer is in stream order.
    package static func position(customerID: UUID, id: String) -> SQLStatement {
        "SELECT txid, seq FROM events WHERE customer_id = \(customerID) AND id = \(id)"
    }

    /// SQLite: the last event of the customer (commits are in `seq` order).
    package static func head(customerID: UUID) -> SQLStatement {
        "SELECT COALESCE(MAX(seq), 0) AS seq FROM events WHERE customer_id = \(customerID)"
    }

    /// PostgreSQL: the oldest transaction still open; every event of an older one is committed.
    package static let horizon: SQLStatement = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin"

    // MARK: Retention

    /// Up to `limit` events created before `cutoff` with no pending delivery, oldest first. The
    /// newest event always stays: SQLite would give its `seq` to the next event, behind the
    /// position of a live stream that had seen it.
    package static func purgeable(before cutoff: Millis, limit: Int) -> SQLStatement {
        """
        SELECT e.seq FROM events e
        WHERE e.created_at < \(cutoff) AND e.seq < (SELECT MAX(seq) FROM events) AND NOT EXISTS (
            SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq AND d.status = 'pending')
        ORDER BY e.seq LIMIT \(limit)
        """
    }

    /// The deliveries and attempts that go with these events, of those the delete takes (none pending).
    package static func dependents(_ events: [Int64]) -> SQLStatement {
        """
        SELECT COUNT(*) AS deliveries,
               (SELECT COUNT(*) FROM attempts a JOIN deliveries p ON p.seq = a.delivery_seq WHERE p.event_seq \(in: events)
                AND NOT EXISTS (SELECT 1 FROM deliveries q WHERE q.event_seq = p.event_seq AND q.status = 'pending')) AS attempts
        FROM deliveries d WHERE d.event_seq \(in: events)
          AND NOT EXISTS (SELECT 1 FROM deliveries q WHERE q.event_seq = d.event_seq AND q.status = 'pending')
        """
    }

    /// PostgreSQL: locks these events' deliveries that nobody else holds, without waiting; an
    /// event is deleted only when all of its deliveries were locked (`deliveryCounts`). A retry or
    /// recover writing one of them meanwhile (under READ COMMITTED the delete's own snapshot
    /// would miss it, and the cascade would delete the delivery it re-queued) keeps the event
    /// for the next round; one that comes later waits for the purge, then finds nothing to retry.
    /// Never waiting, the purge cannot take part in a deadlock.
    package static func lockDeliveries(_ events: [Int64]) -> SQLStatement {
        "SELECT event_seq FROM deliveries WHERE event_seq \(in: events) ORDER BY seq FOR UPDATE SKIP LOCKED"
    }

    /// How many deliveries each of these events has.
    package static func deliveryCounts(_ events: [Int64]) -> SQLStatement {
        "SELECT event_seq, COUNT(*) AS n FROM deliveries WHERE event_seq \(in: events) GROUP BY event_seq"
    }

    /// Deletes these events (their deliveries and attempts go with them), unless one got a
    /// pending delivery meanwhile (a manual retry).
    package static func delete(_ events: [Int64]) -> SQLStatement {
        """
        DELETE FROM events WHERE seq \(in: events) AND NOT EXISTS (
            SELECT 1 FROM deliveries d WHERE d.event_seq = events.seq AND d.status = 'pending')
        """
    }

    /// PostgreSQL: one node purges at a time; the others skip their turn.
    package static let purgeLock: SQLStatement = "SELECT CASE WHEN pg_try_advisory_xact_lock(7201860) THEN 1 ELSE 0 END AS locked"

    package static func one(customerID: UUID, id: String) -> SQLStatement {
        "SELECT \(sql: StoredSQL.event("e")) FROM events e WHERE e.customer_id = \(customerID) AND e.id = \(id)"
    }
}

/// One delivery a publish creates.
package struct NewDelivery: Sendable {
    package var id = UUID()
    package let webhookID: String
    package let eventSeq: Int64
    package let resourceKey: String
    package let at: Millis
    /// First of its lane: no pending delivery of its resource to its webhook before it.
    package let ready: Bool
}

/// What a publish decides between its statements: which events are new, and which deliveries
/// they get. Pure, so both backends make the same decisions.
package struct PublishPlan {
    package let events: [NewEvent]
    /// The index of each (customer, id)'s first event in the batch; later ones repeat it.
    package let firstIndex: [String: Int]

    package init(_ events: [NewEvent]) {
        self.events = events
        var first: [String: Int] = [:]
        for (index, event) in events.enumerated() where first[Self.key(event.customerID, event.id)] == nil {
            first[Self.key(event.customerID, event.id)] = index
        }
        firstIndex = first
    }

    package static func key(_ customerID: UUID, _ id: String) -> String { customerID.text + "/" + id }

    /// The lane of an event for a webhook: its resource.
    package static func resourceKey(_ event: NewEvent) -> String {
        event.type.resourceType + "/" + event.resourceID
    }

    package var customerIDs: [UUID] { Array(Set(events.map(\.customerID))) }

    /// The first event naming a customer that does not exist.
    package func unknownCustomer(known: Set<String>) -> StoreError? {
        events.firstIndex { !known.contains($0.customerID.text) }.map { StoreError.unknownCustomer(index: $0) }
    }

    /// Subscriptions by customer from rows of `EventSQL.subscriptions`.
    package static func subscriptions<Row: StoredRow>(_ rows: [Row]) -> [UUID: [(id: String, types: [String])]] {
        rows.reduce(into: [:]) { result, row in
            result[row.uuid("customer_id"), default: []].append((id: row.text("id"), types: StoredJSON.eventTypes(row.text("event_types"))))
        }
    }

    /// The keys of events the batch holds but did not create (used before, or repeated).
    package func notCreated(_ created: [String: Int64]) -> [(customerID: UUID, id: String)] {
        firstIndex.keys.filter { created[$0] == nil }.map { key in
            let event = events[firstIndex[key]!]
            return (event.customerID, event.id)
        }
    }

    /// The lanes the created events may join, for `EventSQL.busyLanes`.
    package func lanes(created: [String: Int64], subscriptions: [UUID: [(id: String, types: [String])]]) -> (webhooks: [String], keys: [String]) {
        var webhooks: Set<String> = []
        var keys: Set<String> = []
        for event in events where created[Self.key(event.customerID, event.id)] != nil {
            let matching = (subscriptions[event.customerID] ?? []).filter { EventTypeFilter.anyMatches($0.types, event.type) }
            guard !matching.isEmpty else { continue }
            webhooks.formUnion(matching.map(\.id))
            keys.insert(Self.resourceKey(event))
        }
        return (Array(webhooks), Array(keys))
    }

    /// The deliveries of the created events, in event order; a lane already busy, or taken by an
    /// earlier event of the batch, makes a delivery wait behind it.
    package func deliveries(created: [String: Int64], subscriptions: [UUID: [(id: String, types: [String])]],
                    busy: Set<String>) -> [NewDelivery] {
        var taken = busy
        var deliveries: [NewDelivery] = []
        for (index, event) in events.enumerated() {
            let key = Self.key(event.customerID, event.id)
            guard firstIndex[key] == index, let seq = created[key] else { continue }
            let resourceKey = Self.resourceKey(event)
            for webhook in subscriptions[event.customerID] ?? [] where EventTypeFilter.anyMatches(webhook.types, event.type) {
                let ready = taken.insert(Self.lane(webhook.id, resourceKey)).inserted
                deliveries.append(NewDelivery(webhookID: webhook.id, eventSeq: seq, resourceKey: resourceKey,
                                              at: event.createdAt, ready: ready))
            }
        }
        return deliveries
    }

    package static func lane(_ webhookID: String, _ resourceKey: String) -> String { webhookID + "\n" + resourceKey }

    /// The results in request order, from the created events and the stored ones.
    package func results(created: [String: Int64], existing: [String: Event], deliveries: [NewDelivery]) -> [PublishResult] {
        let counts = deliveries.reduce(into: [Int64: Int]()) { $0[$1.eventSeq, default: 0] += 1 }
        return events.enumerated().map { index, event in
            let key = Self.key(event.customerID, event.id)
            if let seq = created[key], firstIndex[key] == index {
                return PublishResult(event: Event(event), created: true, deliveryCount: counts[seq, default: 0])
            }
            let first = events[firstIndex[key]!]
            return PublishResult(event: existing[key] ?? Event(first), created: false, deliveryCount: 0)
        }
    }
}


/// The one delivery of a `webhook_test` event: in a lane of its own, so it is ready at once.
package struct TestDelivery {
    package let id = UUID()
    package let webhookID: UUID
    package let event: NewEvent

    /// 409 for a disabled webhook: it would never be sent.
    package init(event: NewEvent, webhookID: UUID, status: String) throws {
        guard status == WebhookStatus.active.rawValue else {
            throw StoreError.webhookDisabled
        }
        self.event = event
        self.webhookID = webhookID
    }

    package func delivery(eventSeq: Int64) -> NewDelivery {
        NewDelivery(id: id, webhookID: webhookID.text, eventSeq: eventSeq, resourceKey: "webhook/" + id.text,
                    at: event.createdAt, ready: true)
    }
}
