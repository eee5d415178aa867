import Foundation
import GRDB
import RingbackCore
import RingbackStore

extension SQLiteStore {
    public func claimDue(limit: Int, quotas: ClaimQuotas, lease: Duration, owner: String,
                         now: Millis) async throws -> [ClaimedDelivery] {
        try await write(durable: false) { db in
            // One index probe per active webhook for its ready deliveries (a statement each: in
            // process they cost no round trip), then every webhook's first before any second.
            var candidates: [(seq: Int64, due: Int64, rank: Int)] = []
            for webhook in try db.rows(DeliverySQL.claimableWebhooks(quotas, now: now)) {
                let quota = Int(webhook["quota"] as Int64)
                guard quota > 0 else { continue }
                let id: String = webhook["id"]
                let rows = try db.rows(DeliverySQL.claimable(of: "\(id)", limit: "\(min(quota, limit))", now: now))
                for (rank, row) in rows.enumerated() { candidates.append((row["seq"], row["next_attempt_at"], rank)) }
            }
            let picked = candidates.sorted { ($0.rank, $0.due, $0.seq) < ($1.rank, $1.due, $1.seq) }.prefix(limit).map(\.seq)
            guard !picked.isEmpty else { return [] }
            try db.execute(DeliverySQL.lease(Array(picked), until: now + lease.milliseconds, owner: owner))
            return try Self.claimed(db, try db.rows(DeliverySQL.claimed(Array(picked))))
        }
    }

    /// Claimed rows with their webhooks, in seq order.
    private static func claimed(_ db: Database, _ rows: [Row]) throws -> [ClaimedDelivery] {
        let ids = Array(Set(rows.map { $0["webhook_id"] as String }))
        let webhooks = try db.rows(DeliverySQL.webhooks(ids)).reduce(into: [String: Webhook]()) { $0[$1["id"]] = $1.webhook }
        return rows.map { row in row.claimed(webhook: webhooks[row["webhook_id"] as String]!) }.sorted { $0.seq < $1.seq }
    }

    public func extendLeases(_ claims: [ClaimedDelivery], owner: String, until: Millis) async throws -> Set<Int64> {
        guard !claims.isEmpty else { return [] }
        return try await write(durable: false) { db in
            Set(try db.rows(DeliverySQL.extendLeases(claims, owner: owner, until: until)).map { $0["seq"] as Int64 })
        }
    }

    public func releaseClaims(_ claims: [ClaimedDelivery], owner: String) async throws {
        guard !claims.isEmpty else { return }
        _ = try await write(durable: false) { db in
            try db.execute(DeliverySQL.releaseLeases(claims, owner: owner))
        }
        wakeups.signal()
    }

    public func record(_ outcomes: [AttemptOutcome], policy: FailurePolicy, now: Millis) async throws {
        guard !outcomes.isEmpty else { return }
        let published = try await write(durable: false) { db -> Bool in
            let settled = try db.rows(DeliverySQL.settle(outcomes))
            // A stale outcome (the lease expired and another attempt was recorded) changes nothing.
            let applied = Set(settled.map { $0["seq"] as Int64 })
            let kept = outcomes.filter { applied.contains($0.deliverySeq) }
            guard !kept.isEmpty else { return false }
            try db.execute(DeliverySQL.insertAttempts(kept))
            let runs = FailureRun.of(kept)
            let candidates = OperationalEvents.candidates(runs)
            let wereActive = candidates.isEmpty ? [] : try db.rows(OperationalEvents.active(candidates)).map { $0.text("id") }
            try db.execute(DeliverySQL.updateFailureRuns(runs, policy: policy, now: now))
            try db.execute(DeliverySQL.parkDisabled(runs.map(\.webhookID)))
            let lanes = settled.filter { $0["status"] as String != DeliveryStatus.pending.rawValue }
                .map { (webhookID: $0["webhook_id"] as String, resourceKey: $0["resource_key"] as String) }
            if !lanes.isEmpty { try db.execute(DeliverySQL.promote(lanes)) }
            // Ringback's own events about what this record did, in the same transaction.
            var operational: [NewEvent] = []
            if !wereActive.isEmpty {
                operational += try db.rows(OperationalEvents.disabled(wereActive)).map { OperationalEvents.webhookDisabled($0, now: now) }
            }
            let failed = settled.filter { $0["status"] as String == DeliveryStatus.failed.rawValue }.map { $0["seq"] as Int64 }
            if !failed.isEmpty {
                operational += try db.rows(OperationalEvents.failed(failed)).compactMap { OperationalEvents.deliveryFailed($0, now: now) }
            }
            guard !operational.isEmpty else { return false }
            _ = try Self.publish(db, operational)
            return true
        }
        // Settled deliveries may have made the next delivery of their resource ready.
        wakeups.signal()
        if published { commits.signal() }
    }

    public func nextDueAt(now: Millis) async throws -> Millis? {
        try await read { db in
            [try db.rows(DeliverySQL.nextDue(now: now)).first?["due"] as Millis?,
             try db.rows(DeliverySQL.nextLeaseExpiry(now: now)).first?["due"] as Millis?].compactMap { $0 }.min()
        }
    }

    public func pendingCount() async throws -> Int {
        try await read { db in try db.rows(DeliverySQL.pendingCount).first?["count"] ?? 0 }
    }

    public func webhookStats(customerID: UUID, webhookID: UUID, since: Millis, until: Millis) async throws -> WebhookStats {
        try await read { db in
            try Self.requireWebhook(db, customerID: customerID, id: webhookID)
            let hours = try db.rows(DeliverySQL.stats(webhookID: webhookID, since: since, until: until)).map(\.statsHour)
            return WebhookStats(since: since, until: until, hours: hours)
        }
    }

    public func listDeliveries(customerID: UUID, webhookID: UUID, filter: DeliveryFilter,
                               _ page: PageRequest) async throws -> Page<Delivery> {
        try await read { db in
            try Self.requireWebhook(db, customerID: customerID, id: webhookID)
            return makePage(try db.rows(DeliverySQL.list(webhookID: webhookID, filter: filter, page)),
                            size: page.size, \.delivery)
        }
    }

    public func delivery(customerID: UUID, webhookID: UUID, id: UUID) async throws -> (Delivery, [Attempt]) {
        try await read { db in
            try Self.requireWebhook(db, customerID: customerID, id: webhookID)
            guard let row = try db.rows(DeliverySQL.one(webhookID: webhookID, id: id)).first else { throw StoreError.notFound }
            return (row.delivery, try db.rows(DeliverySQL.attempts(deliverySeq: row["seq"])).map(\.attempt))
        }
    }

    public func retryDelivery(customerID: UUID, webhookID: UUID, id: UUID, now: Millis) async throws {
        try await write { db in
            try Self.requireWebhook(db, customerID: customerID, id: webhookID)
            guard let row = try db.rows(DeliverySQL.retry(webhookID: webhookID, id: id, now: now)).first
            else { throw StoreError.notFound }
            try db.execute(DeliverySQL.refreshLanes(webhookID: webhookID, resourceKey: row["resource_key"]))
        }
        wakeups.signal()
    }

    public func recoverDeliveries(customerID: UUID, webhookID: UUID, since: Millis, until: Millis?, now: Millis) async throws -> Int {
        let count = try await write { db in
            try Self.requireWebhook(db, customerID: customerID, id: webhookID)
            let count = try db.rows(DeliverySQL.recover(webhookID: webhookID, since: since, until: until, now: now)).count
            if count > 0 { try db.execute(DeliverySQL.refreshLanes(webhookID: webhookID)) }
            return count
        }
        if count > 0 { wakeups.signal() }
        return count
    }

    /// 404 unless the webhook belongs to the customer.
    static func requireWebhook(_ db: Database, customerID: UUID, id: UUID) throws {
        guard try !db.rows(DeliverySQL.ownedWebhook(customerID: customerID, id: id)).isEmpty else { throw StoreError.notFound }
    }
}
