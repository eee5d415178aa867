import Foundation
import GRDB
import RingbackCore
import RingbackStore

extension SQLiteStore {
    public func publish(_ events: [NewEvent]) async throws -> [PublishResult] {
        let (results, deliveries) = try await write { db in try Self.publish(db, events) }
        if deliveries > 0 { wakeups.signal() }
        if results.contains(where: \.created) { commits.signal() }
        return results
    }

    /// Publishes inside the caller's transaction; answers the results and how many deliveries
    /// were made.
    static func publish(_ db: Database, _ events: [NewEvent]) throws -> ([PublishResult], Int) {
            let plan = PublishPlan(events)
            let known = Set(try db.rows(EventSQL.knownCustomers(plan.customerIDs)).map { $0["id"] as String })
            if let failure = plan.unknownCustomer(known: known) { throw failure }
            let subscriptions = PublishPlan.subscriptions(try db.rows(EventSQL.subscriptions(plan.customerIDs)))
            let created = try db.rows(EventSQL.insert(events))
                .reduce(into: [String: Int64]()) { $0[PublishPlan.key($1.uuid("customer_id"), $1["id"])] = $1["seq"] }
            let repeated = plan.notCreated(created)
            let existing = repeated.isEmpty ? [:] : try db.rows(EventSQL.existing(repeated))
                .reduce(into: [String: Event]()) { $0[PublishPlan.key($1.uuid("customer_id"), $1["id"])] = $1.event }
            let lanes = plan.lanes(created: created, subscriptions: subscriptions)
            var deliveries: [NewDelivery] = []
            if !lanes.webhooks.isEmpty {
                let busy = Set(try db.rows(EventSQL.busyLanes(webhookIDs: lanes.webhooks, resourceKeys: lanes.keys))
                    .map { PublishPlan.lane($0["webhook_id"], $0["resource_key"]) })
                deliveries = plan.deliveries(created: created, subscriptions: subscriptions, busy: busy)
                try db.execute(EventSQL.insertDeliveries(deliveries))
            }
            return (plan.results(created: created, existing: existing, deliveries: deliveries), deliveries.count)
    }

    public func streamEvents(customerID: UUID, after position: StreamPosition, limit: Int) async throws -> StreamBatch {
        try await read { db in makeStreamBatch(try db.rows(EventSQL.stream(customerID: customerID, after: position, limit: limit))) }
    }

    public func streamPosition(customerID: UUID, eventID: String) async throws -> StreamPosition? {
        try await read { db in
            try db.rows(EventSQL.position(customerID: customerID, id: eventID)).first
                .map { StreamPosition(txid: $0.integer("txid"), seq: $0.integer("seq")) }
        }
    }

    public func webhookHealthCounts(now: Millis) async throws -> [String: Int] {
        try await read { db in
            Dictionary(try db.rows(WebhookSQL.healthCounts(now: now)).map { ($0.text("health"), Int($0.integer("count"))) }) { $0 + $1 }
        }
    }

    public func reserveSend(webhookID: UUID, spacing: Int64, now: Int64) async throws -> Int64 {
        try await write(durable: false) { db in
            try db.rows(WebhookSQL.reserveSend(webhookID, spacing: spacing, now: now)).first?.integer("slot") ?? now
        }
    }

    public func purge(before cutoff: Millis, limit: Int) async throws -> PurgeCount {
        try await write { db in
            let events = try db.rows(EventSQL.purgeable(before: cutoff, limit: limit)).map { $0.integer("seq") }
            guard !events.isEmpty else { return PurgeCount() }
            let dependents = try db.rows(EventSQL.dependents(events)).first
            let deleted = try db.execute(EventSQL.delete(events))
            return PurgeCount(events: deleted, deliveries: Int(dependents?.integer("deliveries") ?? 0),
                              attempts: Int(dependents?.integer("attempts") ?? 0))
        }
    }

    public func streamHead(customerID: UUID) async throws -> StreamPosition {
        try await read { db in
            StreamPosition(txid: 0, seq: try db.rows(EventSQL.head(customerID: customerID)).first?.integer("seq") ?? 0)
        }
    }

    public func listEvents(customerID: UUID, type: String?, resourceID: String?, _ page: PageRequest) async throws -> Page<Event> {
        try await read { db in
            makePage(try db.rows(EventSQL.list(customerID: customerID, type: type, resourceID: resourceID, page)),
                     size: page.size, \.event)
        }
    }

    public func event(customerID: UUID, id: String) async throws -> Event {
        try await read { db in
            guard let row = try db.rows(EventSQL.one(customerID: customerID, id: id)).first else { throw StoreError.notFound }
            return row.event
        }
    }

    public func createTestDelivery(customerID: UUID, webhookID: UUID, event: NewEvent) async throws -> UUID {
        let delivery = try await write { db in
            guard let row = try db.rows(DeliverySQL.lockWebhook(customerID: customerID, id: webhookID)).first
            else { throw StoreError.notFound }
            return try Self.insertTest(db, event, webhookID: webhookID, status: row["status"])
        }
        wakeups.signal()
        commits.signal()
        return delivery
    }

    private static func insertTest(_ db: Database, _ event: NewEvent, webhookID: UUID, status: String) throws -> UUID {
        let test = try TestDelivery(event: event, webhookID: webhookID, status: status)
        guard let seq = try db.rows(EventSQL.insert([event])).first?["seq"] as Int64? else { throw StoreError.unavailable }
        try db.execute(EventSQL.insertDeliveries([test.delivery(eventSeq: seq)]))
        return test.id
    }
}
