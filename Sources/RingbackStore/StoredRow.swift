import Foundation
import RingbackCore

/// One result row, read by column name: the seam that lets both backends share one decoding
/// of every stored type. Columns are named the same in both schemas.
package protocol StoredRow {
    func text(_ column: String) -> String
    func optionalText(_ column: String) -> String?
    func integer(_ column: String) -> Int64
    func optionalInteger(_ column: String) -> Int64?
    func bytes(_ column: String) -> [UInt8]
}

extension StoredRow {
    package func uuid(_ column: String) -> UUID {
        UUID(text: text(column))!
    }

    package var customer: Customer {
        Customer(id: uuid("id"), name: text("name"), detail: text("detail"), createdAt: integer("created_at"))
    }

    package var webhook: Webhook {
        Webhook(
            id: uuid("id"), customerID: uuid("customer_id"), name: optionalText("name"), detail: optionalText("detail"),
            url: text("url"), method: WebhookMethod(rawValue: text("method")) ?? .post,
            eventTypes: StoredJSON.eventTypes(text("event_types")), headers: StoredJSON.headers(text("headers")),
            secret: WebhookSecret(text("secret"))!, retiredSecrets: StoredJSON.retiredSecrets(text("retired_secrets")),
            status: WebhookStatus(rawValue: text("status")) ?? .disabled, disabledReason: optionalText("disabled_reason"),
            createdAt: integer("created_at"), updatedAt: integer("updated_at"),
            consecutiveFailures: Int(integer("consecutive_failures")), failingSince: optionalInteger("failing_since"),
            rateLimit: optionalInteger("rate_limit").map { Int($0) })
    }

    /// An attempt error stored as its text and its code.
    package func attemptError(_ text: String, _ code: String) -> AttemptError? {
        guard let description = optionalText(text) else { return nil }
        return AttemptError(code: optionalText(code).flatMap(AttemptErrorCode.init(rawValue:)) ?? .connectionRefused,
                            description: description)
    }

    package var event: Event {
        Event(id: text("id"), customerID: uuid("customer_id"), type: text("type"), resourceType: text("resource_type"),
              resourceID: text("resource_id"), body: bytes("body"), createdAt: integer("created_at"))
    }

    /// A delivery joined with its event (`event_id`, `event_type`, `resource_id`).
    package var delivery: Delivery {
        Delivery(
            id: uuid("id"), webhookID: uuid("webhook_id"), eventID: text("event_id"), eventType: text("event_type"),
            resourceID: text("resource_id"), status: DeliveryStatus(rawValue: text("status")) ?? .pending,
            attemptCount: Int(integer("attempt_count")), nextAttemptAt: optionalInteger("next_attempt_at"),
            lastAttemptAt: optionalInteger("last_attempt_at"), lastStatusCode: optionalInteger("last_status_code").map(Int.init),
            lastError: attemptError("last_error", "last_error_code"), createdAt: integer("created_at"))
    }

    package var attempt: Attempt {
        Attempt(number: Int(integer("attempt")), startedAt: integer("started_at"), durationMS: integer("duration_ms"),
                statusCode: optionalInteger("status_code").map(Int.init), error: attemptError("error", "error_code"),
                responseBody: optionalText("response_body"))
    }

    /// A claimed delivery: its own columns and its event's, with the webhook fetched apart.
    package func claimed(webhook: Webhook) -> ClaimedDelivery {
        ClaimedDelivery(
            seq: integer("seq"), id: uuid("id"), webhook: webhook,
            lease: Lease(owner: text("lease_owner"), until: integer("lease_until")), eventID: text("event_id"),
            eventCreatedAt: integer("event_created_at"), body: bytes("body"),
            attemptNumber: Int(integer("attempt_count")) + 1, roundStart: Int(integer("round_start")),
            roundAttempts: optionalInteger("round_attempts").map(Int.init))
    }
}

/// Cuts `size + 1` rows into a page whose `next` is the last returned row's `seq`.
package func makePage<Row: StoredRow, T>(_ rows: [Row], size: Int, _ decode: (Row) -> T) -> Page<T> {
    Page(items: rows.prefix(size).map(decode), next: rows.count > size ? rows[size - 1].integer("seq") : nil)
}

/// A stream's batch from rows of `EventSQL.stream`: the readable events up to the first that is
/// not readable yet.
package func makeStreamBatch<Row: StoredRow>(_ rows: [Row]) -> StreamBatch {
    var events: [(event: Event, position: StreamPosition)] = []
    for row in rows {
        guard row.integer("readable") == 1 else { return StreamBatch(events: events, blocked: true) }
        events.append((row.event, StreamPosition(txid: row.integer("txid"), seq: row.integer("seq"))))
    }
    return StreamBatch(events: events, blocked: false)
}

extension StoredRow {
    /// One hour of `DeliverySQL.stats`.
    package var statsHour: WebhookStats.HourCounts {
        WebhookStats.HourCounts(
            hour: Int(integer("hour")), attempts: Int(integer("attempts")), succeeded: Int(integer("succeeded")),
            durations: (0...WebhookStats.durationBounds.count).map { Int(integer("d\($0)")) })
    }
}
