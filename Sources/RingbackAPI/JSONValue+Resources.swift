import Foundation
import RingbackCore
import RingbackStore

/// How each resource reads in the API: snake_case fields, RFC 3339 times, nulls shown.
extension JSONValue {
    static func time(_ millis: Millis?) -> JSONValue {
        millis.map { .string(Timestamp.format(milliseconds: $0)) } ?? .null
    }

    static func int<T: BinaryInteger>(_ value: T?) -> JSONValue {
        value.map { .number(String($0)) } ?? .null
    }

    static func text(_ value: String?) -> JSONValue {
        value.map { .string($0) } ?? .null
    }

    static func customer(_ customer: Customer) -> JSONValue {
        .object([
            JSONMember("id", .string(customer.id.text)),
            JSONMember("name", .string(customer.name)),
            JSONMember("detail", .string(customer.detail)),
            JSONMember("tm_create", .time(customer.createdAt)),
        ])
    }

    static func webhook(_ webhook: Webhook, at now: Millis, withSecret: Bool = false) -> JSONValue {
        let health = webhook.health(at: now)
        var members: [JSONMember] = [
            JSONMember("id", .string(webhook.id.text)),
            JSONMember("customer_id", .string(webhook.customerID.text)),
            JSONMember("name", .text(webhook.name)),
            JSONMember("detail", .text(webhook.detail)),
            JSONMember("url", .string(webhook.url)),
            JSONMember("method", .string(webhook.method.rawValue)),
            JSONMember("event_types", .array(webhook.eventTypes.map { .string($0) })),
            JSONMember("headers", .object(webhook.headers.map { JSONMember($0.name, .string($0.value)) })),
        ]
        if withSecret { members.append(JSONMember("secret", .string(webhook.secret.text))) }
        members += [
            JSONMember("status", .string(webhook.status.rawValue)),
            JSONMember("disabled_reason", .text(webhook.disabledReason)),
            JSONMember("health", .string(health.rawValue)),
            JSONMember("failing_since", .time(health == .failing ? webhook.failingSince : nil)),
            JSONMember("tm_create", .time(webhook.createdAt)),
            JSONMember("tm_update", .time(webhook.updatedAt)),
        ]
        return .object(members)
    }

    static func event(_ event: Event) -> JSONValue {
        .object([
            JSONMember("id", .string(event.id)),
            JSONMember("customer_id", .string(event.customerID.text)),
            JSONMember("type", .string(event.type)),
            JSONMember("resource_type", .string(event.resourceType)),
            JSONMember("resource_id", .string(event.resourceID)),
            JSONMember("data", event.data),
            JSONMember("tm_create", .time(event.createdAt)),
        ])
    }

    static func delivery(_ delivery: Delivery, attempts: [Attempt]? = nil) -> JSONValue {
        var members: [JSONMember] = [
            JSONMember("id", .string(delivery.id.text)),
            JSONMember("webhook_id", .string(delivery.webhookID.text)),
            JSONMember("event_id", .string(delivery.eventID)),
            JSONMember("event_type", .string(delivery.eventType)),
            JSONMember("resource_id", .string(delivery.resourceID)),
            JSONMember("status", .string(delivery.status.rawValue)),
            JSONMember("attempt_count", .int(delivery.attemptCount)),
            JSONMember("next_attempt_at", .time(delivery.status == .pending ? delivery.nextAttemptAt : nil)),
            JSONMember("last_attempt_at", .time(delivery.lastAttemptAt)),
            JSONMember("last_status_code", .int(delivery.lastStatusCode)),
            JSONMember("last_error", .text(delivery.lastError?.description)),
            JSONMember("last_error_code", .text(delivery.lastError?.code.rawValue)),
            JSONMember("tm_create", .time(delivery.createdAt)),
        ]
        if let attempts {
            members.append(JSONMember("attempts", .array(attempts.map { attempt in
                .object([
                    JSONMember("attempt", .int(attempt.number)),
                    JSONMember("tm_start", .time(attempt.startedAt)),
                    JSONMember("duration_ms", .int(attempt.durationMS)),
                    JSONMember("status_code", .int(attempt.statusCode)),
                    JSONMember("error", .text(attempt.error?.description)),
                    JSONMember("error_code", .text(attempt.error?.code.rawValue)),
                    JSONMember("response_body", .text(attempt.responseBody)),
                ])
            })))
        }
        return .object(members)
    }
}
