/// Version 2 of the schema, the same for both backends (contract section 13): endpoint health,
/// stable error codes, and the `ready` column that keeps waiting deliveries out of the claim's
/// index.
package enum SchemaV2 {
    package static func statements(integer: String) -> [String] {
        [
            "ALTER TABLE deliveries ADD COLUMN ready \(integer) NOT NULL DEFAULT 0",
            "ALTER TABLE deliveries ADD COLUMN last_error_code TEXT",
            "ALTER TABLE attempts ADD COLUMN error_code TEXT",
            "ALTER TABLE webhooks ADD COLUMN consecutive_failures \(integer) NOT NULL DEFAULT 0",
            "ALTER TABLE webhooks ADD COLUMN last_failure_at \(integer)",
            "DROP INDEX deliveries_due",
            "DROP INDEX deliveries_lease",
            "CREATE INDEX deliveries_ready ON deliveries(webhook_id, next_attempt_at, seq) WHERE status = 'pending' AND ready = 1",
            "CREATE INDEX deliveries_leased ON deliveries(webhook_id, lease_until) WHERE lease_until IS NOT NULL",
            "UPDATE webhooks SET last_failure_at = failing_since",
            """
            UPDATE deliveries SET ready = 1
            WHERE status = 'pending'
              AND webhook_id IN (SELECT id FROM webhooks WHERE status = 'active')
              AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.webhook_id = deliveries.webhook_id
                              AND p.resource_key = deliveries.resource_key AND p.status = 'pending'
                              AND p.seq < deliveries.seq)
            """,
            // Attempts recorded before codes existed get the code their text names.
            "UPDATE attempts SET error_code = \(codeOf("error")) WHERE error IS NOT NULL",
            "UPDATE deliveries SET last_error_code = \(codeOf("last_error")) WHERE last_error IS NOT NULL",
        ]
    }

    private static func codeOf(_ column: String) -> String {
        """
        CASE WHEN \(column) LIKE '%redirects are not followed%' THEN 'redirect'
             WHEN \(column) LIKE 'status %' THEN 'status'
             WHEN \(column) LIKE '%timeout%' THEN 'timeout'
             WHEN \(column) LIKE 'blocked%' THEN 'blocked'
             WHEN \(column) LIKE 'tls%' THEN 'tls'
             WHEN \(column) LIKE 'dns%' THEN 'dns'
             WHEN \(column) LIKE 'connection reset%' THEN 'connection_reset'
             ELSE 'connection_refused' END
        """
    }
}
