/// The versioned schema, written once: each version's statements for a dialect. Both backends
/// have the same tables, columns and indexes; only type names and table options differ.
/// Never edit a released version: add one.
package enum Schema {
    /// How a dialect spells what the two write differently.
    package struct Dialect: Sendable {
        let integer: String
        let serialKey: String
        let blob: String
        let table: String
        let tableWithoutRowid: String

        package static let sqlite = Dialect(
            integer: "INTEGER", serialKey: "INTEGER PRIMARY KEY", blob: "BLOB", table: ") STRICT",
            tableWithoutRowid: ") STRICT, WITHOUT ROWID")
        package static let postgres = Dialect(
            integer: "BIGINT", serialKey: "BIGSERIAL PRIMARY KEY", blob: "BYTEA", table: ")", tableWithoutRowid: ")")
    }

    /// Every version, in order, with its statements.
    package static func versions(_ d: Dialect) -> [(version: Int64, statements: [String])] {
        [(1, version1(d)), (2, version2(d)), (3, version3(d)), (4, version4(d)), (5, version5(d))]
    }

    static func version1(_ d: Dialect) -> [String] {
        [
            """
            CREATE TABLE customers (
                seq \(d.serialKey),
                id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                detail TEXT NOT NULL,
                created_at \(d.integer) NOT NULL
            \(d.table)
            """,
            """
            CREATE TABLE access_keys (
                seq \(d.serialKey),
                id TEXT NOT NULL UNIQUE,
                customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                token_hash TEXT NOT NULL UNIQUE,
                created_at \(d.integer) NOT NULL
            \(d.table)
            """,
            "CREATE INDEX access_keys_customer ON access_keys(customer_id)",
            """
            CREATE TABLE webhooks (
                seq \(d.serialKey),
                id TEXT NOT NULL UNIQUE,
                customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                name TEXT,
                detail TEXT,
                url TEXT NOT NULL,
                method TEXT NOT NULL,
                event_types TEXT NOT NULL,
                headers TEXT NOT NULL,
                secret TEXT NOT NULL,
                retired_secrets TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
                disabled_reason TEXT,
                failing_since \(d.integer),
                created_at \(d.integer) NOT NULL,
                updated_at \(d.integer) NOT NULL
            \(d.table)
            """,
            "CREATE INDEX webhooks_customer ON webhooks(customer_id, seq)",
            """
            CREATE TABLE events (
                seq \(d.serialKey),
                id TEXT NOT NULL,
                customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                type TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                body \(d.blob) NOT NULL,
                created_at \(d.integer) NOT NULL,
                UNIQUE (customer_id, id)
            \(d.table)
            """,
            "CREATE INDEX events_customer ON events(customer_id, seq)",
            """
            CREATE TABLE deliveries (
                seq \(d.serialKey),
                id TEXT NOT NULL UNIQUE,
                webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                event_seq \(d.integer) NOT NULL REFERENCES events(seq) ON DELETE CASCADE,
                resource_key TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
                attempt_count \(d.integer) NOT NULL DEFAULT 0,
                round_start \(d.integer) NOT NULL DEFAULT 1,
                round_attempts \(d.integer),
                next_attempt_at \(d.integer),
                last_attempt_at \(d.integer),
                last_status_code \(d.integer),
                last_error TEXT,
                lease_until \(d.integer),
                lease_owner TEXT,
                created_at \(d.integer) NOT NULL
            \(d.table)
            """,
            "CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending'",
            "CREATE INDEX deliveries_order ON deliveries(webhook_id, resource_key, seq) WHERE status = 'pending'",
            "CREATE INDEX deliveries_webhook ON deliveries(webhook_id, seq)",
            "CREATE INDEX deliveries_event ON deliveries(event_seq)",
            "CREATE INDEX deliveries_lease ON deliveries(lease_until) WHERE lease_until IS NOT NULL",
            """
            CREATE TABLE attempts (
                delivery_seq \(d.integer) NOT NULL REFERENCES deliveries(seq) ON DELETE CASCADE,
                attempt \(d.integer) NOT NULL,
                started_at \(d.integer) NOT NULL,
                duration_ms \(d.integer) NOT NULL,
                status_code \(d.integer),
                error TEXT,
                response_body TEXT,
                PRIMARY KEY (delivery_seq, attempt)
            \(d.tableWithoutRowid)
            """,
        ]
    }

    /// Endpoint health, stable error codes, and the `ready` column that keeps waiting deliveries
    /// out of the claim's index (contract section 13).
    static func version2(_ d: Dialect) -> [String] {
        [
            "ALTER TABLE deliveries ADD COLUMN ready \(d.integer) NOT NULL DEFAULT 0",
            "ALTER TABLE deliveries ADD COLUMN last_error_code TEXT",
            "ALTER TABLE attempts ADD COLUMN error_code TEXT",
            "ALTER TABLE webhooks ADD COLUMN consecutive_failures \(d.integer) NOT NULL DEFAULT 0",
            "ALTER TABLE webhooks ADD COLUMN last_failure_at \(d.integer)",
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

    /// The live event stream (contract section 15): each event's transaction id on PostgreSQL
    /// (0 on SQLite, whose single writer commits in `seq` order), so that streams read events in
    /// an order no later commit can come before.
    static func version3(_ d: Dialect) -> [String] {
        [
            "ALTER TABLE events ADD COLUMN txid \(d.integer) NOT NULL DEFAULT 0",
            "CREATE INDEX events_stream ON events(customer_id, txid, seq)",
        ]
    }

    /// Rate limits per endpoint (contract section 18): the limit, and when the webhook's next
    /// send may start (microseconds), which every node reserves from.
    static func version4(_ d: Dialect) -> [String] {
        [
            "ALTER TABLE webhooks ADD COLUMN rate_limit \(d.integer)",
            "ALTER TABLE webhooks ADD COLUMN rate_next_at \(d.integer) NOT NULL DEFAULT 0",
        ]
    }

    /// Portal sessions (contract section 17) are access keys that expire.
    static func version5(_ d: Dialect) -> [String] {
        ["ALTER TABLE access_keys ADD COLUMN expires_at \(d.integer)"]
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
