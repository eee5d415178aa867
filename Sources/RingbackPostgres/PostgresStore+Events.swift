import Foundation
import PostgresNIO
import RingbackCore
import RingbackStore

extension PostgresStore {
    public func publish(_ events: [NewEvent]) async throws -> [PublishResult] {
        let (results, deliveries) = try await transaction { connection in
            try await Self.publish(connection, events, logger: self.logger)
        }
        if deliveries > 0 { wakeups.signal() }
        if results.contains(where: \.created) { commits.signal() }
        return results
    }

    /// Publishes inside the caller's transaction; answers the results and how many deliveries
    /// were made.
    static func publish(_ connection: PostgresConnection, _ events: [NewEvent], logger: Logger) async throws
        -> ([PublishResult], Int) {
            let plan = PublishPlan(events)
            let known = Set(try await connection.rows(EventSQL.knownCustomers(plan.customerIDs), logger: logger).map { $0.text("id") })
            if let failure = plan.unknownCustomer(known: known) { throw failure }
            let subscriptions = PublishPlan.subscriptions(
                try await connection.rows(EventSQL.subscriptions(plan.customerIDs), logger: logger))
            // A unique constraint decides idempotency: a concurrent duplicate waits for the first
            // transaction and is then skipped, and found below.
            let created = try await connection.rows(EventSQL.insert(events), logger: logger)
                .reduce(into: [String: Int64]()) { $0[PublishPlan.key($1.uuid("customer_id"), $1.text("id"))] = $1.integer("seq") }
            let repeated = plan.notCreated(created)
            let existing = repeated.isEmpty ? [:] : try await connection.rows(EventSQL.existing(repeated), logger: logger)
                .reduce(into: [String: Event]()) { $0[PublishPlan.key($1.uuid("customer_id"), $1.text("id"))] = $1.event }
            let lanes = plan.lanes(created: created, subscriptions: subscriptions)
            var deliveries: [NewDelivery] = []
            if !lanes.webhooks.isEmpty {
                let busy = Set(try await connection.rows(EventSQL.busyLanes(webhookIDs: lanes.webhooks, resourceKeys: lanes.keys),
                                                         logger: logger)
                    .map { PublishPlan.lane($0.text("webhook_id"), $0.text("resource_key")) })
                deliveries = plan.deliveries(created: created, subscriptions: subscriptions, busy: busy)
                try await connection.execute(EventSQL.insertDeliveries(deliveries), logger: logger)
            }
            // Other nodes' dispatchers and live streams look when this commits.
            if !created.isEmpty { try await Self.notify(connection, logger: logger) }
            return (plan.results(created: created, existing: existing, deliveries: deliveries), deliveries.count)
    }

    public func streamEvents(customerID: UUID, after position: StreamPosition, limit: Int) async throws -> StreamBatch {
        makeStreamBatch(try await rows(EventSQL.stream(customerID: customerID, after: position, limit: limit)))
    }

    public func streamPosition(customerID: UUID, eventID: String) async throws -> StreamPosition? {
        try await rows(EventSQL.position(customerID: customerID, id: eventID)).first
            .map { StreamPosition(txid: $0.integer("txid"), seq: $0.integer("seq")) }
    }

    public func webhookHealthCounts(now: Millis) async throws -> [String: Int] {
        Dictionary(try await rows(WebhookSQL.healthCounts(now: now)).map { ($0.text("health"), Int($0.integer("count"))) }) { $0 + $1 }
    }

    public func reserveSend(webhookID: UUID, spacing: Int64, now: Int64) async throws -> Int64 {
        try await rows(WebhookSQL.reserveSend(webhookID, spacing: spacing, now: now)).first?.integer("slot") ?? now
    }

    public func purge(before cutoff: Millis, limit: Int) async throws -> PurgeCount {
        try await transaction { connection in
            let logger = self.logger
            guard try await connection.rows(EventSQL.purgeLock, logger: logger).first?.integer("locked") == 1 else {
                return PurgeCount()
            }
            let candidates = try await connection.rows(EventSQL.purgeable(before: cutoff, limit: limit), logger: logger)
                .map { $0.integer("seq") }
            guard !candidates.isEmpty else { return PurgeCount() }
            var locked: [Int64: Int64] = [:]
            for row in try await connection.rows(EventSQL.lockDeliveries(candidates), logger: logger) {
                locked[row.integer("event_seq"), default: 0] += 1
            }
            var total: [Int64: Int64] = [:]
            for row in try await connection.rows(EventSQL.deliveryCounts(candidates), logger: logger) {
                total[row.integer("event_seq")] = row.integer("n")
            }
            let events = candidates.filter { locked[$0, default: 0] == total[$0, default: 0] }
            guard !events.isEmpty else { return PurgeCount() }
            let dependents = try await connection.rows(EventSQL.dependents(events), logger: logger).first
            let deleted = try await connection.rows(EventSQL.delete(events) + " RETURNING seq", logger: logger).count
            return PurgeCount(events: deleted, deliveries: Int(dependents?.integer("deliveries") ?? 0),
                              attempts: Int(dependents?.integer("attempts") ?? 0))
        }
    }

    /// Before the oldest open transaction: events committed from now on (and perhaps a few just
    /// before) come after it.
    public func streamHead(customerID: UUID) async throws -> StreamPosition {
        let horizon = try await rows(EventSQL.horizon).first?.integer("xmin") ?? 0
        return StreamPosition(txid: horizon - 1, seq: Int64.max)
    }

    public func listEvents(customerID: UUID, type: String?, resourceID: String?, _ page: PageRequest) async throws -> Page<Event> {
        makePage(try await rows(EventSQL.list(customerID: customerID, type: type, resourceID: resourceID, page)),
                 size: page.size, \.event)
    }

    public func event(customerID: UUID, id: String) async throws -> Event {
        guard let row = try await rows(EventSQL.one(customerID: customerID, id: id)).first else { throw StoreError.notFound }
        return row.event
    }

    public func createTestDelivery(customerID: UUID, webhookID: UUID, event: NewEvent) async throws -> UUID {
        let id = try await transaction { connection in
            let status = try await Self.lockWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            let test = try TestDelivery(event: event, webhookID: webhookID, status: status.rawValue)
            guard let seq = try await connection.rows(EventSQL.insert([event]), logger: self.logger).first?.integer("seq")
            else { throw StoreError.unavailable }
            try await connection.execute(EventSQL.insertDeliveries([test.delivery(eventSeq: seq)]), logger: self.logger)
            try await Self.notify(connection, logger: self.logger)
            return test.id
        }
        wakeups.signal()
        commits.signal()
        return id
    }
}
