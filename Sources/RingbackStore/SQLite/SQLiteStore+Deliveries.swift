import Foundation
import GRDB
import RingbackCore

extension SQLiteStore {
    public func claimDue(limit: Int, excluding: Set<UUID>, lease: Duration, owner: String, now: Millis) async throws -> [ClaimedDelivery] {
        let excluded = excluding.map(\.text)
        return try await write(durable: false) { db in
            // A delivery is claimable when due, unleased, of an active webhook, and the oldest
            // pending delivery of its resource to its webhook (order per resource).
            let rows = try SQLRequest<Row>(literal: """
                SELECT d.seq, d.id, d.webhook_id, d.attempt_count, d.round_start, d.round_attempts,
                       e.id AS event_id, e.created_at AS event_created_at, e.body
                FROM deliveries d
                JOIN webhooks w ON w.id = d.webhook_id
                JOIN events e ON e.seq = d.event_seq
                WHERE d.status = 'pending' AND d.next_attempt_at <= \(now)
                  AND (d.lease_until IS NULL OR d.lease_until <= \(now))
                  AND w.status = 'active'
                  AND d.webhook_id NOT IN \(excluded)
                  AND \(sql: StoredSQL.isResourceHead)
                ORDER BY d.next_attempt_at, d.seq
                LIMIT \(limit)
                """).fetchAll(db)
            guard !rows.isEmpty else { return [] }
            let seqs: [Int64] = rows.map { $0["seq"] }
            try db.execute(literal: """
                UPDATE deliveries SET lease_until = \(now + lease.milliseconds), lease_owner = \(owner)
                WHERE seq IN \(seqs)
                """)
            let webhookIDs = Set(rows.map { $0["webhook_id"] as String })
            let webhooks = try SQLRequest<Row>(literal: """
                SELECT \(sql: StoredSQL.webhook) FROM webhooks WHERE id IN \(Array(webhookIDs))
                """).fetchAll(db).reduce(into: [String: Webhook]()) { $0[$1["id"]] = $1.webhook }
            return rows.map { $0.claimed(webhook: webhooks[$0["webhook_id"]]!) }
        }
    }

    public func releaseClaims(_ seqs: [Int64]) async throws {
        guard !seqs.isEmpty else { return }
        try await write(durable: false) { db in
            try db.execute(literal: "UPDATE deliveries SET lease_until = NULL, lease_owner = NULL WHERE seq IN \(seqs)")
        }
    }

    public func record(_ outcomes: [AttemptOutcome], disableAfter: Duration, now: Millis) async throws {
        guard !outcomes.isEmpty else { return }
        try await write(durable: false) { db in
            let update = try db.cachedStatement(sql: """
                UPDATE deliveries SET status = ?, attempt_count = ?, next_attempt_at = ?, last_attempt_at = ?,
                    last_status_code = ?, last_error = ?, lease_until = NULL, lease_owner = NULL
                WHERE seq = ? AND status = 'pending' AND attempt_count = ?
                """)
            let insertAttempt = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO attempts (delivery_seq, attempt, started_at, duration_ms, status_code, error, response_body)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            let succeeded = try db.cachedStatement(sql: "UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL")
            let failing = try db.cachedStatement(sql: """
                UPDATE webhooks SET failing_since = COALESCE(failing_since, ?) WHERE id = ?
                """)
            let disable = try db.cachedStatement(sql: """
                UPDATE webhooks SET status = 'disabled', disabled_reason = ?, updated_at = ?
                WHERE id = ? AND status = 'active'
                """)
            let disableStale = try db.cachedStatement(sql: """
                UPDATE webhooks SET status = 'disabled', updated_at = ?, disabled_reason = ?
                WHERE id = ? AND status = 'active' AND failing_since <= ?
                """)
            for outcome in outcomes {
                let attempt = outcome.attempt
                let (status, nextAt) = outcome.settledState
                try update.execute(arguments: [
                    status.rawValue, attempt.number, nextAt, attempt.startedAt, attempt.statusCode, attempt.error,
                    outcome.deliverySeq, attempt.number - 1,
                ])
                // A stale outcome (the lease expired and another attempt was recorded) changes nothing.
                guard db.changesCount == 1 else { continue }
                try insertAttempt.execute(arguments: [
                    outcome.deliverySeq, attempt.number, attempt.startedAt, attempt.durationMS, attempt.statusCode,
                    attempt.error, attempt.responseBody,
                ])
                let webhookID = outcome.webhookID.text
                switch outcome.next {
                case .succeeded:
                    try succeeded.execute(arguments: [webhookID])
                case .disableWebhook(let reason):
                    try disable.execute(arguments: [reason, now, webhookID])
                case .retry, .failed:
                    try failing.execute(arguments: [attempt.startedAt, webhookID])
                    try disableStale.execute(arguments: [
                        now, AttemptOutcome.staleReason(disableAfter), webhookID, now - disableAfter.milliseconds,
                    ])
                }
            }
        }
        // Settled deliveries may unblock the next delivery of their resource.
        wakeups.signal()
    }

    public func nextDueAt(now: Millis) async throws -> Millis? {
        try await read { db in
            let due = try Millis.fetchOne(db, sql: """
                SELECT d.next_attempt_at FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
                WHERE d.status = 'pending' AND d.next_attempt_at > ? AND w.status = 'active'
                  AND \(StoredSQL.isResourceHead)
                ORDER BY d.next_attempt_at LIMIT 1
                """, arguments: [now])
            let lease = try Millis.fetchOne(db, sql: """
                SELECT MIN(lease_until) FROM deliveries WHERE lease_until IS NOT NULL AND lease_until > ?
                """, arguments: [now])
            return [due, lease].compactMap { $0 }.min()
        }
    }

    public func pendingCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'") ?? 0 }
    }

    public func listDeliveries(customerID: UUID, webhookID: UUID, status: DeliveryStatus?, eventID: String?,
                               _ page: PageRequest) async throws -> Page<Delivery> {
        try await read { db in
            _ = try Self.fetchWebhook(db, customerID: customerID, id: webhookID)
            var sql: SQL = """
                SELECT \(sql: StoredSQL.delivery) FROM deliveries d JOIN events e ON e.seq = d.event_seq
                WHERE d.webhook_id = \(webhookID.text) AND d.seq < \(page.before ?? Int64.max)
                """
            if let status { sql += " AND d.status = \(status.rawValue)" }
            if let eventID { sql += " AND e.id = \(eventID)" }
            sql += " ORDER BY d.seq DESC LIMIT \(page.size + 1)"
            return makePage(try SQLRequest<Row>(literal: sql).fetchAll(db), size: page.size, \.delivery)
        }
    }

    public func delivery(customerID: UUID, webhookID: UUID, id: UUID) async throws -> (Delivery, [Attempt]) {
        try await read { db in
            _ = try Self.fetchWebhook(db, customerID: customerID, id: webhookID)
            guard let row = try Row.fetchOne(db, sql: """
                SELECT \(StoredSQL.delivery) FROM deliveries d JOIN events e ON e.seq = d.event_seq
                WHERE d.id = ? AND d.webhook_id = ?
                """, arguments: [id.text, webhookID.text])
            else { throw StoreError.notFound }
            let attempts = try Row.fetchAll(db, sql: """
                SELECT attempt, started_at, duration_ms, status_code, error, response_body FROM attempts
                WHERE delivery_seq = ? ORDER BY attempt
                """, arguments: [row["seq"] as Int64]).map(\.attempt)
            return (row.delivery, attempts)
        }
    }

    public func retryDelivery(customerID: UUID, webhookID: UUID, id: UUID, now: Millis) async throws {
        try await write { db in
            _ = try Self.fetchWebhook(db, customerID: customerID, id: webhookID)
            // A settled delivery gets a round of one attempt; a pending one is just made due now.
            try db.execute(sql: """
                UPDATE deliveries SET next_attempt_at = ?,
                    round_start = CASE WHEN status = 'pending' THEN round_start ELSE attempt_count + 1 END,
                    round_attempts = CASE WHEN status = 'pending' THEN round_attempts ELSE 1 END,
                    status = 'pending'
                WHERE id = ? AND webhook_id = ?
                """, arguments: [now, id.text, webhookID.text])
            guard db.changesCount == 1 else { throw StoreError.notFound }
        }
        wakeups.signal()
    }

    public func recoverDeliveries(customerID: UUID, webhookID: UUID, since: Millis, until: Millis?, now: Millis) async throws -> Int {
        let count = try await write { db in
            _ = try Self.fetchWebhook(db, customerID: customerID, id: webhookID)
            try db.execute(sql: """
                UPDATE deliveries SET status = 'pending', next_attempt_at = ?, round_start = attempt_count + 1,
                    round_attempts = NULL
                WHERE webhook_id = ? AND status = 'failed' AND created_at >= ? AND created_at < ?
                """, arguments: [now, webhookID.text, since, until ?? Int64.max])
            return db.changesCount
        }
        if count > 0 { wakeups.signal() }
        return count
    }
}
