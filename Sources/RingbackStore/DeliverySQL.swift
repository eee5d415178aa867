import Foundation
import RingbackCore

/// The statements of the delivery engine, written once for both backends.
///
/// Order per resource rests on one column: `ready` is 1 for the oldest pending delivery of a
/// resource to an active webhook (the head of its lane), 0 for the deliveries waiting behind it
/// and for those of disabled webhooks. Only ready rows are in the claim's index, so a claim never
/// reads the backlog that waits. Every statement that adds to or removes from a lane keeps it:
/// publishing (a delivery is ready when its lane is empty), recording (a settled head promotes
/// the next), retry and recover (the lane is computed again), disabling (ready rows are parked).
/// On PostgreSQL, publishing and recording serialise per webhook through the webhook row's lock
/// (`FOR SHARE` against `FOR NO KEY UPDATE`), so that a lane is never left without its head.
package enum DeliverySQL {
    // MARK: Claiming

    /// Whether webhook `w` is failing at `now` (contract section 13), in SQL.
    package static func failing(now: Millis) -> SQLStatement {
        """
        (w.consecutive_failures >= \(Int64(WebhookHealth.failingAfterAttempts))
         OR (w.failing_since IS NOT NULL AND w.failing_since <= \(now - WebhookHealth.failingAfter.milliseconds)))
        """
    }

    /// How many deliveries of webhook `w` one claim may take: `perWebhook` (an expression), or for
    /// a failing webhook one probe when none of its deliveries is leased.
    /// On PostgreSQL a failing webhook's probe is also taken under a transaction-scoped advisory
    /// lock, so that two nodes claiming at the same moment cannot both send one.
    package static func quota(perWebhook: SQLStatement, now: Millis) -> SQLStatement {
        """
        CASE WHEN \(failing(now: now))
             THEN CASE WHEN EXISTS (SELECT 1 FROM deliveries l WHERE l.webhook_id = w.id AND l.lease_until > \(now))\
        \(postgres: " OR NOT pg_try_advisory_xact_lock(hashtext('ringback-probe/' || w.id))")
                       THEN 0 ELSE 1 END
             ELSE \(perWebhook) END
        """
    }

    /// Deliveries `x` of webhook `w` that may be attempted now, oldest due first: ready, due,
    /// unleased, and (a fence that costs one index probe) still the oldest pending of their lane.
    /// - Parameters:
    ///   - webhook: the webhook, as a column of the enclosing query (`q.id`) or a value.
    ///   - limit: how many at most, a number or an expression of the enclosing query.
    package static func claimable(of webhook: SQLStatement, limit: SQLStatement, now: Millis) -> SQLStatement {
        """
        SELECT x.seq, x.next_attempt_at FROM deliveries x
        WHERE x.webhook_id = \(webhook) AND x.status = 'pending' AND x.ready = 1 AND x.next_attempt_at <= \(now)
          AND (x.lease_until IS NULL OR x.lease_until <= \(now))
          AND x.seq = (SELECT MIN(p.seq) FROM deliveries p WHERE p.webhook_id = x.webhook_id
                       AND p.resource_key = x.resource_key AND p.status = 'pending')
        ORDER BY x.next_attempt_at, x.seq LIMIT \(limit)
        """
    }

    /// The active webhooks a claim may take work of, with their quotas.
    package static func claimableWebhooks(_ quotas: ClaimQuotas, now: Millis) -> SQLStatement {
        let own = SQLRows([("webhook_id", .text), ("quota", .integer)],
                          quotas.webhooks.map { [.text($0.key.text), .integer(Int64($0.value))] })
        return """
            SELECT w.id, \(quota(perWebhook: "COALESCE(o.quota, \(quotas.standard))", now: now)) AS quota
            FROM webhooks w LEFT JOIN \(own, as: "o") ON o.webhook_id = w.id
            WHERE w.status = 'active' AND COALESCE(o.quota, 1) > 0
            """
    }

    /// The columns a claim returns for each delivery `d` with its event `e`.
    package static let claimedColumns = """
        d.seq, d.id, d.webhook_id, d.attempt_count, d.round_start, d.round_attempts, d.lease_until, d.lease_owner,
        e.id AS event_id, e.created_at AS event_created_at, e.body
        """

    /// The webhooks of claimed deliveries.
    package static func webhooks(_ ids: [String]) -> SQLStatement {
        "SELECT \(sql: StoredSQL.webhook) FROM webhooks WHERE id \(in: ids)"
    }

    /// The claims as rows of (`claim_seq`, `claim_lease`): a lease is this node's while both hold.
    private static func leases(_ claims: [ClaimedDelivery]) -> SQLRows {
        SQLRows([("claim_seq", .integer), ("claim_lease", .integer)], claims.map { [.integer($0.seq), .integer($0.leaseUntil)] })
    }

    package static func extendLeases(_ claims: [ClaimedDelivery], owner: String, until: Millis) -> SQLStatement {
        """
        UPDATE deliveries AS d SET lease_until = \(until) FROM \(leases(claims), as: "c")
        WHERE d.seq = c.claim_seq AND d.lease_owner = \(owner) AND d.lease_until = c.claim_lease AND d.status = 'pending'
        RETURNING seq
        """
    }

    package static func releaseLeases(_ claims: [ClaimedDelivery], owner: String) -> SQLStatement {
        """
        UPDATE deliveries AS d SET lease_until = NULL, lease_owner = NULL FROM \(leases(claims), as: "c")
        WHERE d.seq = c.claim_seq AND d.lease_owner = \(owner) AND d.lease_until = c.claim_lease
        """
    }

    /// Leases the picked deliveries (SQLite; PostgreSQL leases in the claim's own statement).
    package static func lease(_ seqs: [Int64], until: Millis, owner: String) -> SQLStatement {
        "UPDATE deliveries SET lease_until = \(until), lease_owner = \(owner) WHERE seq \(in: seqs)"
    }

    /// The claimed deliveries with their events.
    package static func claimed(_ seqs: [Int64]) -> SQLStatement {
        "SELECT \(sql: claimedColumns) FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.seq \(in: seqs)"
    }

    /// The earliest due time after `now` of a ready delivery, one index probe per active webhook.
    package static func nextDue(now: Millis) -> SQLStatement {
        """
        SELECT MIN(t.due) AS due FROM (
            SELECT (SELECT MIN(x.next_attempt_at) FROM deliveries x
                    WHERE x.webhook_id = w.id AND x.status = 'pending' AND x.ready = 1 AND x.next_attempt_at > \(now)) AS due
            FROM webhooks w WHERE w.status = 'active') t
        """
    }

    package static func nextLeaseExpiry(now: Millis) -> SQLStatement {
        "SELECT MIN(lease_until) AS due FROM deliveries WHERE lease_until IS NOT NULL AND lease_until > \(now)"
    }

    package static let pendingCount: SQLStatement = "SELECT COUNT(*) AS count FROM deliveries WHERE status = 'pending'"

    // MARK: Recording

    /// Locks the webhooks of a batch in id order (PostgreSQL), so that two nodes recording at
    /// once never deadlock, and publishing to them waits for the batch.
    package static func lockWebhooks(_ ids: [UUID]) -> SQLStatement {
        "SELECT id FROM webhooks WHERE id \(in: ids.map(\.text).sorted()) ORDER BY id\(postgres: " FOR NO KEY UPDATE")"
    }

    /// Settles each outcome's delivery while its claim still holds: an outcome whose lease
    /// another node took over (it was slow, or stopped) changes nothing.
    package static func settle(_ outcomes: [AttemptOutcome]) -> SQLStatement {
        let rows = SQLRows(
            [("delivery", .integer), ("owner", .text), ("lease", .integer), ("number", .integer), ("new_status", .text),
             ("next_at", .integer), ("started_at", .integer), ("status_code", .integer), ("error", .text), ("error_code", .text)],
            outcomes.map { outcome in
                let attempt = outcome.attempt
                let (status, nextAt) = outcome.settledState
                return [.integer(outcome.deliverySeq), .text(outcome.lease.owner), .integer(outcome.lease.until),
                        .integer(Int64(attempt.number)), .text(status.rawValue),
                        nextAt.map(SQLValue.integer) ?? .null, .integer(attempt.startedAt),
                        attempt.statusCode.map { .integer(Int64($0)) } ?? .null,
                        attempt.error.map { .text($0.description) } ?? .null,
                        attempt.error.map { .text($0.code.rawValue) } ?? .null]
            })
        return """
            UPDATE deliveries AS d SET status = o.new_status, attempt_count = o.number, next_attempt_at = o.next_at,
                last_attempt_at = o.started_at, last_status_code = o.status_code, last_error = o.error,
                last_error_code = o.error_code, lease_until = NULL, lease_owner = NULL,
                ready = CASE WHEN o.new_status = 'pending' THEN d.ready ELSE 0 END
            FROM \(rows, as: "o")
            WHERE d.seq = o.delivery AND d.status = 'pending' AND d.attempt_count = o.number - 1
              AND d.lease_owner = o.owner AND d.lease_until = o.lease
            RETURNING seq, webhook_id, resource_key, status
            """
    }

    package static func insertAttempts(_ outcomes: [AttemptOutcome]) -> SQLStatement {
        let rows = SQLRows(
            [("seq", .integer), ("attempt", .integer), ("started_at", .integer), ("duration_ms", .integer),
             ("status_code", .integer), ("error", .text), ("error_code", .text), ("response_body", .text)],
            outcomes.map { outcome in
                let attempt = outcome.attempt
                return [.integer(outcome.deliverySeq), .integer(Int64(attempt.number)), .integer(attempt.startedAt),
                        .integer(attempt.durationMS), attempt.statusCode.map { .integer(Int64($0)) } ?? .null,
                        attempt.error.map { .text($0.description) } ?? .null,
                        attempt.error.map { .text($0.code.rawValue) } ?? .null,
                        attempt.responseBody.map(SQLValue.text) ?? .null]
            })
        return """
            INSERT INTO attempts (delivery_seq, attempt, started_at, duration_ms, status_code, error, error_code, response_body)
            SELECT o.seq, o.attempt, o.started_at, o.duration_ms, o.status_code, o.error, o.error_code, o.response_body
            FROM \(rows, as: "o") WHERE true
            ON CONFLICT (delivery_seq, attempt) DO NOTHING
            """
    }

    /// Applies each webhook's run of failures, and disables the webhooks that answered 410 or
    /// whose attempts have all failed since `policy.disableAfter` ago. A run starts at the first
    /// failure after the last success; a lone failure after a quiet period (no failure for
    /// `policy.quietGap`) disables nothing at once, the next one does. A healthy webhook with
    /// only successes is not written at all.
    package static func updateFailureRuns(_ runs: [FailureRun], policy: FailurePolicy, now: Millis) -> SQLStatement {
        let rows = SQLRows(
            [("id", .text), ("reset", .integer), ("failures", .integer), ("first_failure_at", .integer),
             ("last_failure_at", .integer), ("gone", .integer)],
            runs.map { run in
                [.text(run.webhookID.text), .integer(run.reset ? 1 : 0), .integer(Int64(run.failures)),
                 run.firstFailureAt.map(SQLValue.integer) ?? .null, run.lastFailureAt.map(SQLValue.integer) ?? .null,
                 .integer(run.gone ? 1 : 0)]
            })
        let since: SQLStatement = """
            (CASE WHEN u.reset = 1 OR w.failing_since IS NULL THEN u.first_failure_at ELSE w.failing_since END)
            """
        let afterQuiet: SQLStatement = """
            (u.reset = 0 AND u.failures = 1
             AND COALESCE(w.last_failure_at < u.first_failure_at - \(policy.quietGap.milliseconds), FALSE))
            """
        let disable: SQLStatement = """
            (w.status = 'active' AND (u.gone = 1 OR (u.failures > 0 AND \(since) <= \(now - policy.disableAfter.milliseconds)
                                                     AND NOT \(afterQuiet))))
            """
        return """
            UPDATE webhooks AS w SET
                consecutive_failures = CASE WHEN u.reset = 1 THEN u.failures ELSE w.consecutive_failures + u.failures END,
                failing_since = CASE WHEN u.failures = 0 THEN NULL ELSE \(since) END,
                last_failure_at = COALESCE(u.last_failure_at, w.last_failure_at),
                status = CASE WHEN \(disable) THEN 'disabled' ELSE w.status END,
                disabled_reason = CASE WHEN \(disable)
                                       THEN CASE WHEN u.gone = 1 THEN \(FailurePolicy.goneReason) ELSE \(policy.staleReason) END
                                       ELSE w.disabled_reason END,
                updated_at = CASE WHEN \(disable) THEN \(now) ELSE w.updated_at END
            FROM \(rows, as: "u")
            WHERE w.id = u.id AND (u.failures > 0 OR w.consecutive_failures > 0 OR w.failing_since IS NOT NULL)
            """
    }

    /// Takes the deliveries of disabled webhooks among `ids` out of the claim's index.
    package static func parkDisabled(_ ids: [UUID]) -> SQLStatement {
        """
        UPDATE deliveries SET ready = 0
        WHERE status = 'pending' AND ready = 1
          AND webhook_id IN (SELECT id FROM webhooks WHERE id \(in: ids) AND status = 'disabled')
        """
    }

    /// Makes the oldest pending delivery of each lane (webhook, resource) ready, for lanes of
    /// active webhooks whose head just settled.
    package static func promote(_ lanes: [(webhookID: String, resourceKey: String)]) -> SQLStatement {
        let rows = SQLRows([("webhook_id", .text), ("resource_key", .text)],
                           lanes.map { [.text($0.webhookID), .text($0.resourceKey)] })
        return """
            UPDATE deliveries SET ready = 1
            WHERE ready = 0 AND seq IN (
                SELECT MIN(p.seq) FROM deliveries p
                JOIN \(rows, as: "s") ON p.webhook_id = s.webhook_id AND p.resource_key = s.resource_key
                JOIN webhooks w ON w.id = p.webhook_id AND w.status = 'active'
                WHERE p.status = 'pending'
                GROUP BY p.webhook_id, p.resource_key)
            """
    }

    // MARK: Statistics

    /// A webhook's attempts in [since, until), hour by hour, with their durations counted in
    /// `WebhookStats.durationBounds` buckets. Deliveries made more than two days before `since`
    /// are not looked at: their attempts would be past the retry schedule.
    package static func stats(webhookID: UUID, since: Millis, until: Millis) -> SQLStatement {
        var statement: SQLStatement = """
            SELECT (a.started_at - \(since)) / 3600000 AS hour, COUNT(*) AS attempts,
                   SUM(CASE WHEN a.error IS NULL THEN 1 ELSE 0 END) AS succeeded
            """
        var lower: Int64 = -1
        for (index, bound) in WebhookStats.durationBounds.enumerated() {
            statement += ", SUM(CASE WHEN a.duration_ms > \(lower) AND a.duration_ms <= \(bound) THEN 1 ELSE 0 END) AS d\(sql: String(index))"
            lower = bound
        }
        statement += ", SUM(CASE WHEN a.duration_ms > \(lower) THEN 1 ELSE 0 END) AS d\(sql: String(WebhookStats.durationBounds.count))"
        return statement + """
             FROM attempts a JOIN deliveries d ON d.seq = a.delivery_seq
            WHERE d.webhook_id = \(webhookID) AND d.created_at >= \(since - 2 * 86_400_000)
              AND a.started_at >= \(since) AND a.started_at < \(until)
            GROUP BY 1 ORDER BY 1
            """
    }

    // MARK: Operations

    /// Computes `ready` again for the pending deliveries of one webhook (of one lane when given):
    /// after a retry or recover changed its lanes, or when it is enabled again.
    package static func refreshLanes(webhookID: UUID, resourceKey: String? = nil) -> SQLStatement {
        var statement: SQLStatement = """
            UPDATE deliveries AS d SET ready = CASE
                WHEN w.status = 'active' AND NOT EXISTS (
                    SELECT 1 FROM deliveries p WHERE p.webhook_id = d.webhook_id AND p.resource_key = d.resource_key
                      AND p.status = 'pending' AND p.seq < d.seq) THEN 1 ELSE 0 END
            FROM webhooks w
            WHERE w.id = d.webhook_id AND d.webhook_id = \(webhookID) AND d.status = 'pending'
            """
        if let resourceKey { statement += " AND d.resource_key = \(resourceKey)" }
        return statement
    }

    /// Locks one webhook of a customer for an operation that changes its lanes; no row if it is
    /// not the customer's.
    package static func lockWebhook(customerID: UUID, id: UUID) -> SQLStatement {
        """
        SELECT status FROM webhooks WHERE id = \(id) AND customer_id = \(customerID)\(postgres: " FOR NO KEY UPDATE")
        """
    }

    package static func retry(webhookID: UUID, id: UUID, now: Millis) -> SQLStatement {
        // A settled delivery gets a round of one attempt; a pending one is just made due now.
        """
        UPDATE deliveries SET next_attempt_at = \(now),
            round_start = CASE WHEN status = 'pending' THEN round_start ELSE attempt_count + 1 END,
            round_attempts = CASE WHEN status = 'pending' THEN round_attempts ELSE 1 END,
            status = 'pending'
        WHERE id = \(id) AND webhook_id = \(webhookID)
        RETURNING resource_key
        """
    }

    package static func recover(webhookID: UUID, since: Millis, until: Millis?, now: Millis) -> SQLStatement {
        """
        UPDATE deliveries SET status = 'pending', next_attempt_at = \(now), round_start = attempt_count + 1,
            round_attempts = NULL
        WHERE webhook_id = \(webhookID) AND status = 'failed' AND created_at >= \(since) AND created_at < \(until ?? Int64.max)
        RETURNING seq
        """
    }
}

/// What one batch of outcomes did to one webhook's run of failures.
package struct FailureRun: Sendable, Hashable {
    package let webhookID: UUID
    /// A success in the batch ended the run before the failures counted here.
    package var reset = false
    /// Failed attempts after the batch's last success (or in all, without one).
    package var failures = 0
    package var firstFailureAt: Millis?
    package var lastFailureAt: Millis?
    /// The endpoint answered 410 Gone.
    package var gone = false

    /// The runs of the webhooks of `outcomes`, in webhook-id order, outcomes taken in start order.
    package static func of(_ outcomes: [AttemptOutcome]) -> [FailureRun] {
        var runs: [UUID: FailureRun] = [:]
        for outcome in outcomes.sorted(by: { $0.attempt.startedAt < $1.attempt.startedAt }) {
            var run = runs[outcome.webhookID] ?? FailureRun(webhookID: outcome.webhookID)
            if outcome.succeeded {
                run.reset = true
                run.failures = 0
                run.firstFailureAt = nil
            } else {
                run.failures += 1
                run.firstFailureAt = run.firstFailureAt ?? outcome.attempt.startedAt
                run.lastFailureAt = outcome.attempt.startedAt
                if outcome.next == .gone { run.gone = true }
            }
            runs[outcome.webhookID] = run
        }
        return runs.values.sorted { $0.webhookID.text < $1.webhookID.text }
    }
}

extension DeliverySQL {
    // MARK: Records

    package static func list(webhookID: UUID, filter: DeliveryFilter, _ page: PageRequest) -> SQLStatement {
        var statement: SQLStatement = """
            SELECT \(sql: StoredSQL.delivery) FROM deliveries d JOIN events e ON e.seq = d.event_seq
            WHERE d.webhook_id = \(webhookID) AND d.seq < \(page.before ?? Int64.max)
            """
        if let status = filter.status { statement += " AND d.status = \(status.rawValue)" }
        if let eventID = filter.eventID { statement += " AND e.id = \(eventID)" }
        if let eventType = filter.eventType { statement += " AND e.type = \(eventType)" }
        if let since = filter.since { statement += " AND d.created_at >= \(since)" }
        if let until = filter.until { statement += " AND d.created_at < \(until)" }
        return statement + " ORDER BY d.seq DESC LIMIT \(page.size + 1)"
    }

    package static func one(webhookID: UUID, id: UUID) -> SQLStatement {
        """
        SELECT \(sql: StoredSQL.delivery) FROM deliveries d JOIN events e ON e.seq = d.event_seq
        WHERE d.id = \(id) AND d.webhook_id = \(webhookID)
        """
    }

    package static func attempts(deliverySeq: Int64) -> SQLStatement {
        """
        SELECT attempt, started_at, duration_ms, status_code, error, error_code, response_body FROM attempts
        WHERE delivery_seq = \(deliverySeq) ORDER BY attempt
        """
    }

    /// The webhook, when it belongs to the customer.
    package static func ownedWebhook(customerID: UUID, id: UUID) -> SQLStatement {
        "SELECT seq FROM webhooks WHERE id = \(id) AND customer_id = \(customerID)"
    }
}
