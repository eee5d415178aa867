import Foundation
import RingbackCore

/// Ringback's own events (contract section 18), made inside the transaction that records what
/// they report, so they are as durable as it: `webhook_disabled` for a webhook this record
/// disabled, `delivery_failed` for a delivery that used up its schedule. None is made about a
/// delivery of an operational event, so failures cannot feed themselves.
package enum OperationalEvents {
    /// Of `runs`, the webhooks this batch could disable (it has failures for them).
    package static func candidates(_ runs: [FailureRun]) -> [UUID] {
        runs.filter { $0.failures > 0 || $0.gone }.map(\.webhookID)
    }

    /// PostgreSQL, for a record that may publish Ringback's own events: the customers of the
    /// outcomes' webhooks (key share), as publishing takes them first, so that records,
    /// publishes and customer deletions take their locks in one order.
    package static func lockCustomers(of webhookIDs: [UUID]) -> SQLStatement {
        """
        SELECT id FROM customers WHERE id IN (SELECT customer_id FROM webhooks WHERE id \(in: webhookIDs))
        ORDER BY id FOR KEY SHARE
        """
    }

    /// PostgreSQL, then: every webhook of those customers, in id order (the publish inside the
    /// record reads them all), before any is changed.
    package static func lockWebhooksOfCustomers(of webhookIDs: [UUID]) -> SQLStatement {
        """
        SELECT id FROM webhooks WHERE customer_id IN (SELECT customer_id FROM webhooks WHERE id \(in: webhookIDs))
        ORDER BY id FOR NO KEY UPDATE
        """
    }

    /// The active webhooks among `ids`, read before the record changes them.
    package static func active(_ ids: [UUID]) -> SQLStatement {
        "SELECT id FROM webhooks WHERE id \(in: ids) AND status = 'active'"
    }

    /// Which of the webhooks that were active are disabled now, with what the event reports.
    package static func disabled(_ ids: [String]) -> SQLStatement {
        """
        SELECT id, customer_id, name, url, disabled_reason, updated_at FROM webhooks
        WHERE id \(in: ids) AND status = 'disabled'
        """
    }

    /// The deliveries among `seqs` that failed, with their events and webhooks.
    package static func failed(_ seqs: [Int64]) -> SQLStatement {
        """
        SELECT d.id, d.webhook_id, d.attempt_count, d.last_error, d.last_error_code, d.last_status_code,
               d.last_attempt_at, d.created_at, e.id AS event_id, e.type AS event_type, e.resource_id, w.customer_id
        FROM deliveries d JOIN events e ON e.seq = d.event_seq JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.seq \(in: seqs) AND d.status = 'failed'
        """
    }

    package static func webhookDisabled<Row: StoredRow>(_ row: Row, now: Millis) -> NewEvent {
        var data = [
            JSONMember("id", .string(row.text("id"))), JSONMember("customer_id", .string(row.text("customer_id"))),
            JSONMember("name", row.optionalText("name").map(JSONValue.string) ?? .null),
            JSONMember("url", .string(row.text("url"))), JSONMember("status", .string("disabled")),
        ]
        data.append(JSONMember("disabled_reason", .string(row.optionalText("disabled_reason") ?? "")))
        data.append(JSONMember("tm_update", .string(Timestamp.format(milliseconds: row.integer("updated_at")))))
        return NewEvent(id: EventID.generate(milliseconds: now), customerID: row.uuid("customer_id"),
                        type: EventCatalog.webhookDisabled, resourceID: row.text("id"), data: .object(data), createdAt: now)
    }

    /// Nil for a delivery of an operational event.
    package static func deliveryFailed<Row: StoredRow>(_ row: Row, now: Millis) -> NewEvent? {
        let eventType = row.text("event_type")
        guard eventType != EventCatalog.testEvent.name, EventCatalog.subscribable(named: eventType)?.isOperational != true
        else { return nil }
        var data = [
            JSONMember("id", .string(row.text("id"))), JSONMember("webhook_id", .string(row.text("webhook_id"))),
            JSONMember("event_id", .string(row.text("event_id"))), JSONMember("event_type", .string(eventType)),
            JSONMember("resource_id", .string(row.text("resource_id"))), JSONMember("status", .string("failed")),
            JSONMember("attempt_count", .number(String(row.integer("attempt_count")))),
            JSONMember("last_error", .string(row.optionalText("last_error") ?? "")),
            JSONMember("last_error_code", .string(row.optionalText("last_error_code") ?? AttemptErrorCode.status.rawValue)),
            JSONMember("last_status_code", row.optionalInteger("last_status_code").map { .number(String($0)) } ?? .null),
        ]
        if let at = row.optionalInteger("last_attempt_at") {
            data.append(JSONMember("last_attempt_at", .string(Timestamp.format(milliseconds: at))))
        }
        data.append(JSONMember("tm_create", .string(Timestamp.format(milliseconds: row.integer("created_at")))))
        return NewEvent(id: EventID.generate(milliseconds: now), customerID: row.uuid("customer_id"),
                        type: EventCatalog.deliveryFailed, resourceID: row.text("id"), data: .object(data), createdAt: now)
    }
}
