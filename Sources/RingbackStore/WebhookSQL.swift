import Foundation
import RingbackCore

/// The statements of webhooks, written once for both backends.
package enum WebhookSQL {
    /// Locks the customer (PostgreSQL) and counts its webhooks, so that concurrent creates
    /// cannot pass the limit together.
    package static func countForCreate(customerID: UUID) -> SQLStatement {
        """
        SELECT (SELECT COUNT(*) FROM webhooks WHERE customer_id = \(customerID)) AS count
        FROM customers WHERE id = \(customerID)\(postgres: " FOR NO KEY UPDATE")
        """
    }

    package static func insert(_ webhook: Webhook) -> SQLStatement {
        """
        INSERT INTO webhooks (id, customer_id, name, detail, url, method, event_types, headers, secret,
                              retired_secrets, status, disabled_reason, created_at, updated_at, rate_limit)
        VALUES (\(webhook.id), \(webhook.customerID), \(webhook.name), \(webhook.detail), \(webhook.url),
                \(webhook.method.rawValue), \(StoredJSON.eventTypes(webhook.eventTypes)), \(StoredJSON.headers(webhook.headers)),
                \(webhook.secret.text), \(StoredJSON.retiredSecrets(webhook.retiredSecrets)), \(webhook.status.rawValue),
                \(webhook.disabledReason), \(webhook.createdAt), \(webhook.updatedAt), \(webhook.rateLimit))
        """
    }

    package static func list(customerID: UUID, _ page: PageRequest) -> SQLStatement {
        """
        SELECT \(sql: StoredSQL.webhook) FROM webhooks
        WHERE customer_id = \(customerID) AND seq < \(page.before ?? Int64.max) ORDER BY seq DESC LIMIT \(page.size + 1)
        """
    }

    /// One webhook of a customer; `locking` takes its row lock for an update (PostgreSQL).
    package static func one(customerID: UUID, id: UUID, locking: Bool = false) -> SQLStatement {
        """
        SELECT \(sql: StoredSQL.webhook) FROM webhooks WHERE id = \(id) AND customer_id = \(customerID)\
        \(postgres: locking ? " FOR NO KEY UPDATE" : "")
        """
    }

    /// Saves what a client may change; enabling again also starts a fresh run of failures.
    package static func update(_ webhook: Webhook, reEnabled: Bool) -> SQLStatement {
        """
        UPDATE webhooks SET name = \(webhook.name), detail = \(webhook.detail), url = \(webhook.url),
            method = \(webhook.method.rawValue), event_types = \(StoredJSON.eventTypes(webhook.eventTypes)),
            headers = \(StoredJSON.headers(webhook.headers)), secret = \(webhook.secret.text),
            retired_secrets = \(StoredJSON.retiredSecrets(webhook.retiredSecrets)), status = \(webhook.status.rawValue),
            disabled_reason = \(webhook.disabledReason), updated_at = \(webhook.updatedAt), rate_limit = \(webhook.rateLimit),
            failing_since = CASE WHEN \(reEnabled) = 1 THEN NULL ELSE failing_since END,
            consecutive_failures = CASE WHEN \(reEnabled) = 1 THEN 0 ELSE consecutive_failures END,
            last_failure_at = CASE WHEN \(reEnabled) = 1 THEN NULL ELSE last_failure_at END
        WHERE id = \(webhook.id)
        """
    }

    /// Reserves the webhook's next send under its rate limit: the later of now and the reserved
    /// next start, pushed on by `spacing` (microseconds); answers the reserved start.
    package static func reserveSend(_ id: UUID, spacing: Int64, now: Int64) -> SQLStatement {
        """
        UPDATE webhooks SET rate_next_at = CASE WHEN rate_next_at > \(now) THEN rate_next_at ELSE \(now) END + \(spacing)
        WHERE id = \(id) RETURNING rate_next_at - \(spacing) AS slot
        """
    }

    package static func healthCounts(now: Millis) -> SQLStatement {
        """
        SELECT CASE WHEN w.status = 'disabled' THEN 'disabled' WHEN \(DeliverySQL.failing(now: now)) THEN 'failing'
                    ELSE 'healthy' END AS health, COUNT(*) AS count
        FROM webhooks w GROUP BY 1
        """
    }

    package static func delete(customerID: UUID, id: UUID) -> SQLStatement {
        "DELETE FROM webhooks WHERE id = \(id) AND customer_id = \(customerID) RETURNING \(sql: StoredSQL.webhook)"
    }
}
