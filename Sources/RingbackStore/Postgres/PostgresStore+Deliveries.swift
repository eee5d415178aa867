import Foundation
import PostgresNIO
import RingbackCore

extension PostgresStore {
    public func claimDue(limit: Int, excluding: Set<UUID>, lease: Duration, owner: String, now: Millis) async throws -> [ClaimedDelivery] {
        let excluded = excluding.map(\.text)
        return try await transaction { connection in
            // One statement picks due heads of their resource, skips rows another node holds, and
            // leases them. A later delivery of a resource is not a head while an earlier one is
            // pending, leased or not, so two nodes never work one resource of one webhook at once.
            let rows = try await connection.rows("""
                WITH picked AS (
                    SELECT d.seq FROM deliveries d
                    JOIN webhooks w ON w.id = d.webhook_id
                    WHERE d.status = 'pending' AND d.next_attempt_at <= \(now)
                      AND (d.lease_until IS NULL OR d.lease_until <= \(now))
                      AND w.status = 'active'
                      AND NOT (d.webhook_id = ANY(\(excluded)::text[]))
                      AND \(unescaped: StoredSQL.isResourceHead)
                    ORDER BY d.next_attempt_at, d.seq
                    LIMIT \(limit)
                    FOR UPDATE OF d SKIP LOCKED)
                UPDATE deliveries d SET lease_until = \(now + lease.milliseconds), lease_owner = \(owner)
                FROM picked, events e
                WHERE d.seq = picked.seq AND e.seq = d.event_seq
                RETURNING d.seq, d.id, d.webhook_id, d.attempt_count, d.round_start, d.round_attempts,
                          e.id AS event_id, e.created_at AS event_created_at, e.body
                """, logger: self.logger)
            guard !rows.isEmpty else { return [] }
            let webhookIDs = Array(Set(rows.map { $0.text("webhook_id") }))
            let webhooks = try await connection.rows("""
                SELECT \(unescaped: StoredSQL.webhook) FROM webhooks WHERE id = ANY(\(webhookIDs)::text[])
                """, logger: self.logger).reduce(into: [String: Webhook]()) { $0[$1.text("id")] = $1.webhook }
            return rows.sorted { $0.integer("seq") < $1.integer("seq") }
                .compactMap { row in webhooks[row.text("webhook_id")].map { row.claimed(webhook: $0) } }
        }
    }

    public func releaseClaims(_ seqs: [Int64]) async throws {
        guard !seqs.isEmpty else { return }
        try await transaction { connection in
            try await connection.query("""
                UPDATE deliveries SET lease_until = NULL, lease_owner = NULL WHERE seq = ANY(\(seqs)::bigint[])
                """, logger: self.logger)
            try await Self.notify(connection, logger: self.logger)
        }
    }

    public func record(_ outcomes: [AttemptOutcome], disableAfter: Duration, now: Millis) async throws {
        guard !outcomes.isEmpty else { return }
        try await transaction { connection in
            for outcome in outcomes {
                let attempt = outcome.attempt
                let (status, nextAt) = outcome.settledState
                let number = Int64(attempt.number)
                let statusCode = attempt.statusCode.map(Int64.init)
                // A stale outcome (the lease expired and another attempt was recorded) changes nothing.
                let updated = try await connection.rows("""
                    UPDATE deliveries SET status = \(status.rawValue), attempt_count = \(number),
                        next_attempt_at = \(nextAt), last_attempt_at = \(attempt.startedAt), last_status_code = \(statusCode),
                        last_error = \(attempt.error), lease_until = NULL, lease_owner = NULL
                    WHERE seq = \(outcome.deliverySeq) AND status = 'pending' AND attempt_count = \(number - 1)
                    RETURNING seq
                    """, logger: self.logger)
                guard !updated.isEmpty else { continue }
                try await connection.query("""
                    INSERT INTO attempts (delivery_seq, attempt, started_at, duration_ms, status_code, error, response_body)
                    VALUES (\(outcome.deliverySeq), \(number), \(attempt.startedAt), \(attempt.durationMS), \(statusCode),
                            \(attempt.error), \(attempt.responseBody))
                    ON CONFLICT (delivery_seq, attempt) DO NOTHING
                    """, logger: self.logger)
                let webhookID = outcome.webhookID.text
                switch outcome.next {
                case .succeeded:
                    try await connection.query("""
                        UPDATE webhooks SET failing_since = NULL WHERE id = \(webhookID) AND failing_since IS NOT NULL
                        """, logger: self.logger)
                case .disableWebhook(let reason):
                    try await connection.query("""
                        UPDATE webhooks SET status = 'disabled', disabled_reason = \(reason), updated_at = \(now)
                        WHERE id = \(webhookID) AND status = 'active'
                        """, logger: self.logger)
                case .retry, .failed:
                    let reason = AttemptOutcome.staleReason(disableAfter)
                    try await connection.query("""
                        UPDATE webhooks SET failing_since = COALESCE(failing_since, \(attempt.startedAt)),
                            status = CASE WHEN COALESCE(failing_since, \(attempt.startedAt)) <= \(now - disableAfter.milliseconds)
                                          THEN 'disabled' ELSE status END,
                            disabled_reason = CASE WHEN status = 'active'
                                                    AND COALESCE(failing_since, \(attempt.startedAt)) <= \(now - disableAfter.milliseconds)
                                                   THEN \(reason) ELSE disabled_reason END
                        WHERE id = \(webhookID)
                        """, logger: self.logger)
                }
            }
            // Settled deliveries may unblock the next delivery of their resource on any node.
            try await Self.notify(connection, logger: self.logger)
        }
        wakeups.signal()
    }

    public func nextDueAt(now: Millis) async throws -> Millis? {
        let rows = try await rows("""
            SELECT (SELECT d.next_attempt_at FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
                    WHERE d.status = 'pending' AND d.next_attempt_at > \(now) AND w.status = 'active'
                      AND \(unescaped: StoredSQL.isResourceHead)
                    ORDER BY d.next_attempt_at LIMIT 1) AS due,
                   (SELECT MIN(lease_until) FROM deliveries WHERE lease_until IS NOT NULL AND lease_until > \(now)) AS lease
            """)
        guard let row = rows.first else { return nil }
        return [row.optionalInteger("due"), row.optionalInteger("lease")].compactMap { $0 }.min()
    }

    public func pendingCount() async throws -> Int {
        Int(try await rows("SELECT COUNT(*) AS count FROM deliveries WHERE status = 'pending'").first?.integer("count") ?? 0)
    }

    public func listDeliveries(customerID: UUID, webhookID: UUID, status: DeliveryStatus?, eventID: String?,
                               _ page: PageRequest) async throws -> Page<Delivery> {
        try await transaction { connection in
            try await Self.requireWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            let rows = try await connection.rows("""
                SELECT \(unescaped: StoredSQL.delivery) FROM deliveries d JOIN events e ON e.seq = d.event_seq
                WHERE d.webhook_id = \(webhookID.text) AND d.seq < \(page.before ?? Int64.max)
                  AND (\(status?.rawValue)::text IS NULL OR d.status = \(status?.rawValue))
                  AND (\(eventID)::text IS NULL OR e.id = \(eventID))
                ORDER BY d.seq DESC LIMIT \(page.size + 1)
                """, logger: self.logger)
            return makePage(rows, size: page.size, \.delivery)
        }
    }

    public func delivery(customerID: UUID, webhookID: UUID, id: UUID) async throws -> (Delivery, [Attempt]) {
        try await transaction { connection in
            try await Self.requireWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            guard let row = try await connection.rows("""
                SELECT \(unescaped: StoredSQL.delivery) FROM deliveries d JOIN events e ON e.seq = d.event_seq
                WHERE d.id = \(id.text) AND d.webhook_id = \(webhookID.text)
                """, logger: self.logger).first
            else { throw StoreError.notFound }
            let attempts = try await connection.rows("""
                SELECT attempt, started_at, duration_ms, status_code, error, response_body FROM attempts
                WHERE delivery_seq = \(row.integer("seq")) ORDER BY attempt
                """, logger: self.logger).map(\.attempt)
            return (row.delivery, attempts)
        }
    }

    public func retryDelivery(customerID: UUID, webhookID: UUID, id: UUID, now: Millis) async throws {
        try await transaction { connection in
            try await Self.requireWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            // A settled delivery gets a round of one attempt; a pending one is just made due now.
            let updated = try await connection.rows("""
                UPDATE deliveries SET next_attempt_at = \(now),
                    round_start = CASE WHEN status = 'pending' THEN round_start ELSE attempt_count + 1 END,
                    round_attempts = CASE WHEN status = 'pending' THEN round_attempts ELSE 1 END,
                    status = 'pending'
                WHERE id = \(id.text) AND webhook_id = \(webhookID.text)
                RETURNING seq
                """, logger: self.logger)
            guard !updated.isEmpty else { throw StoreError.notFound }
            try await Self.notify(connection, logger: self.logger)
        }
        wakeups.signal()
    }

    public func recoverDeliveries(customerID: UUID, webhookID: UUID, since: Millis, until: Millis?, now: Millis) async throws -> Int {
        let count = try await transaction { connection in
            try await Self.requireWebhook(connection, customerID: customerID, id: webhookID, logger: self.logger)
            let updated = try await connection.rows("""
                UPDATE deliveries SET status = 'pending', next_attempt_at = \(now), round_start = attempt_count + 1,
                    round_attempts = NULL
                WHERE webhook_id = \(webhookID.text) AND status = 'failed'
                  AND created_at >= \(since) AND created_at < \(until ?? Int64.max)
                RETURNING seq
                """, logger: self.logger)
            if !updated.isEmpty { try await Self.notify(connection, logger: self.logger) }
            return updated.count
        }
        if count > 0 { wakeups.signal() }
        return count
    }
}
