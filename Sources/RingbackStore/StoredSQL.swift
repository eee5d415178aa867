/// Column lists both backends select, so that `StoredRow` decodes their rows alike.
package enum StoredSQL {
    package static let webhook = """
        seq, id, customer_id, name, detail, url, method, event_types, headers, secret, retired_secrets,
        status, disabled_reason, created_at, updated_at, consecutive_failures, failing_since, rate_limit
        """
    /// An event's columns, of table alias `alias`.
    package static func event(_ alias: String) -> String {
        ["seq", "id", "customer_id", "type", "resource_type", "resource_id", "body", "created_at"]
            .map { "\(alias).\($0)" }.joined(separator: ", ")
    }
    package static let customer = "seq, id, name, detail, created_at"
    /// A delivery joined with its event as `e`.
    package static let delivery = """
        d.seq, d.id, d.webhook_id, e.id AS event_id, e.type AS event_type, e.resource_id, d.status, d.attempt_count,
        d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error, d.last_error_code, d.created_at
        """
}
