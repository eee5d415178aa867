/// Column lists both backends select, so that `StoredRow` decodes their rows alike, and the
/// SQL both speak for the ordering rule.
enum StoredSQL {
    /// True for a delivery `d` that is the oldest pending one of its resource to its webhook: the
    /// only one of them that may be attempted (order per resource).
    static let isResourceHead = """
        NOT EXISTS (
            SELECT 1 FROM deliveries p
            WHERE p.status = 'pending' AND p.webhook_id = d.webhook_id
              AND p.resource_key = d.resource_key AND p.seq < d.seq)
        """

    static let webhook = """
        seq, id, customer_id, name, detail, url, method, event_types, headers, secret, retired_secrets,
        status, disabled_reason, created_at, updated_at
        """
    static let event = "seq, id, customer_id, type, resource_type, resource_id, body, created_at"
    static let customer = "seq, id, name, detail, created_at"
    /// A delivery joined with its event as `e`.
    static let delivery = """
        d.seq, d.id, d.webhook_id, e.id AS event_id, e.type AS event_type, e.resource_id, d.status, d.attempt_count,
        d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error, d.created_at
        """
}
