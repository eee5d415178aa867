import Foundation
import PostgresNIO
import RingbackCore
import RingbackStore

extension PostgresStore {
    public func claimDue(limit: Int, quotas: ClaimQuotas, lease: Duration, owner: String,
                         now: Millis) async throws -> [ClaimedDelivery] {
        try await transaction { connection in
            // Each active webhook's quota, then one index probe per webhook with a quota (LATERAL)
            // skipping rows another node holds, every webhook's first before any second; one
            // statement leases what it picked. Rows locked but not picked are free again when this
            // short transaction ends.
            let rows = try await connection.rows("""
                WITH quotas AS (\(DeliverySQL.claimableWebhooks(quotas, now: now))),
                candidates AS (
                    SELECT c.seq, c.next_attempt_at,
                           ROW_NUMBER() OVER (PARTITION BY q.id ORDER BY c.next_attempt_at, c.seq) AS rank
                    FROM quotas q
                    CROSS JOIN LATERAL (\(DeliverySQL.claimable(of: "q.id", limit: "LEAST(q.quota, \(limit))", now: now))
                                        FOR UPDATE SKIP LOCKED) c
                    WHERE q.quota > 0),
                chosen AS (SELECT seq FROM candidates ORDER BY rank, next_attempt_at, seq LIMIT \(limit))
                UPDATE deliveries d SET lease_until = \(now + lease.milliseconds), lease_owner = \(owner)
                FROM chosen, events e
                WHERE d.seq = chosen.seq AND e.seq = d.event_seq
                RETURNING \(sql: DeliverySQL.claimedColumns)
                """, logger: self.logger)
            guard !rows.isEmpty else { return [] }
            let webhooks = try await connection.rows(DeliverySQL.webhooks(Array(Set(rows.map { $0.text("webhook_id") }))),
                                                     logger: self.logger)
                .reduce(into: [String: Webhook]()) { $0[$1.text("id")] = $1.webhook }
            return rows.compactMap { row in webhooks[row.text("webhook_id")].map { row.claimed(webhook: $0) } }
                .sorted { $0.seq < $1.seq }
        }
    }

    public func extendLeases(_ claims: [ClaimedDelivery], owner: String, until: Millis) async throws -> Set<Int64> {
        guard !claims.isEmpty else { return [] }
        return Set(try await rows(DeliverySQL.extendLeases(claims, owner: owner, until: until)).map { $0.integer("seq") })
    }

    public func releaseClaims(_ claims: [ClaimedDelivery], owner: String) async throws {
        guard !claims.isEmpty else { return }
        try await transaction { connection in
            try await connection.execute(DeliverySQL.releaseLeases(claims, owner: owner), logger: self.logger)
            try await Self.notify(connection, logger: self.logger)
        }
    }

    public func record(_ outcomes: [AttemptOutcome], policy: FailurePolicy, now: Millis) async throws {
        guard !outcomes.isEmpty else { return }
        let published = try await transaction { connection -> Bool in
            let logger = self.logger
            let webhookIDs = Array(Set(outcomes.map(\.webhookID)))
            if outcomes.contains(where: { $0.attempt.error != nil }) {
                // Failures may publish Ringback's own events, which reads the customers' webhooks.
                try await connection.execute(OperationalEvents.lockCustomers(of: webhookIDs), logger: logger)
                try await connection.execute(OperationalEvents.lockWebhooksOfCustomers(of: webhookIDs), logger: logger)
            } else {
                try await connection.execute(DeliverySQL.lockWebhooks(webhookIDs), logger: logger)
            }
            let settled = try await connection.rows(DeliverySQL.settle(outcomes), logger: logger)
            // A stale outcome (the lease expired and another attempt was recorded) changes nothing.
            let applied = Set(settled.map { $0.integer("seq") })
            let kept = outcomes.filter { applied.contains($0.deliverySeq) }
            guard !kept.isEmpty else { return false }
            try await connection.execute(DeliverySQL.insertAttempts(kept), logger: logger)
            let runs = FailureRun.of(kept)
            let candidates = OperationalEvents.candidates(runs)
            let wereActive = candidates.isEmpty ? []
                : try await connection.rows(OperationalEvents.active(candidates), logger: logger).map { $0.text("id") }
            try await connection.execute(DeliverySQL.updateFailureRuns(runs, policy: policy, now: now), logger: logger)
            try await connection.execute(DeliverySQL.parkDisabled(runs.map(\.webhookID)), logger: logger)
            let lanes = settled.filter { $0.text("status") != DeliveryStatus.pending.rawValue }
                .map { (webhookID: $0.text("webhook_id"), resourceKey: $0.text("resource_key")) }
            if !lanes.isEmpty {
                try await connection.execute(DeliverySQL.promote(lanes), logger: logger)
                // Settled deliveries may have made the next of their resource ready, on any node.
                try await Self.notify(connection, logger: logger)
            }
            // Ringback's own events about what this record did, in the same transaction.
            var operational: [NewEvent] = []
            if !wereActive.isEmpty {
                operational += try await connection.rows(OperationalEvents.disabled(wereActive), logger: logger)
                    .map { OperationalEvents.webhookDisabled($0, now: now) }
            }
            let failed = settled.filter { $0.text("status") == DeliveryStatus.failed.rawValue }.map { $0.integer("seq") }
            if !failed.isEmpty {
                operational += try await connection.rows(OperationalEvents.failed(failed), logger: logger)
                    .compactMap { OperationalEvents.deliveryFailed($0, now: now) }
            }
            guard !operational.isEmpty else { return false }
            _ = try await Self.publish(connection, operational, logger: logger)
            return true
        }
        wakeups.signal()
        if published { commits.signal() }
    }

    public func nextDueAt(now: Millis) async throws -> Millis? {
        [try await rows(DeliverySQL.nextDue(now: now)).first?.optionalInteger("due"),
         try await rows(DeliverySQL.nextLeaseExpiry(now: now)).first?.optionalInteger("due")].compactMap { $0 }.min()
    }

    public func pendingCount() async throws -> Int {
        Int(try await rows(DeliverySQL.pendingCount).first?.integer("count") ?? 0)
    }

    public func webhookStats(customerID: UUID, webhookID: UUID, since: Millis, until: Millis) async throws -> WebhookStats {
        try await transaction { connection in
            try await Self.requireWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            let hours = try await connection.rows(DeliverySQL.stats(webhookID: webhookID, since: since, until: until),
                                                  logger: self.logger).map(\.statsHour)
            return WebhookStats(since: since, until: until, hours: hours)
        }
    }

    public func listDeliveries(customerID: UUID, webhookID: UUID, filter: DeliveryFilter,
                               _ page: PageRequest) async throws -> Page<Delivery> {
        try await transaction { connection in
            try await Self.requireWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            let rows = try await connection.rows(DeliverySQL.list(webhookID: webhookID, filter: filter, page),
                                                 logger: self.logger)
            return makePage(rows, size: page.size, \.delivery)
        }
    }

    public func delivery(customerID: UUID, webhookID: UUID, id: UUID) async throws -> (Delivery, [Attempt]) {
        try await transaction { connection in
            try await Self.requireWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            guard let row = try await connection.rows(DeliverySQL.one(webhookID: webhookID, id: id), logger: self.logger).first
            else { throw StoreError.notFound }
            let attempts = try await connection.rows(DeliverySQL.attempts(deliverySeq: row.integer("seq")), logger: self.logger)
            return (row.delivery, attempts.map(\.attempt))
        }
    }

    public func retryDelivery(customerID: UUID, webhookID: UUID, id: UUID, now: Millis) async throws {
        try await transaction { connection in
            try await Self.lockWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            guard let row = try await connection.rows(DeliverySQL.retry(webhookID: webhookID, id: id, now: now),
                                                      logger: self.logger).first
            else { throw StoreError.notFound }
            try await connection.execute(DeliverySQL.refreshLanes(webhookID: webhookID, resourceKey: row.text("resource_key")),
                                         logger: self.logger)
            try await Self.notify(connection, logger: self.logger)
        }
        wakeups.signal()
    }

    public func recoverDeliveries(customerID: UUID, webhookID: UUID, since: Millis, until: Millis?, now: Millis) async throws -> Int {
        let count = try await transaction { connection in
            try await Self.lockWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            let count = try await connection.rows(DeliverySQL.recover(webhookID: webhookID, since: since, until: until, now: now),
                                                  logger: self.logger).count
            if count > 0 {
                try await connection.execute(DeliverySQL.refreshLanes(webhookID: webhookID), logger: self.logger)
                try await Self.notify(connection, logger: self.logger)
            }
            return count
        }
        if count > 0 { wakeups.signal() }
        return count
    }
}
