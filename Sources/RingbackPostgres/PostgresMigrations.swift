import RingbackStore
import PostgresNIO

/// The versioned schema of the PostgreSQL store, the same tables and columns as SQLite's.
/// Never edit a released migration: add one.
enum PostgresMigrations {
    /// Held while migrating, so that nodes starting together migrate one at a time.
    static let advisoryLock: Int64 = 0x7269_6e67_6261_636b  // "ringback"

    static let all: [(version: Int64, sql: [String])] = [
        (1, [
            """
            CREATE TABLE customers (
                seq BIGSERIAL PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                detail TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE access_keys (
                seq BIGSERIAL PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                token_hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX access_keys_customer ON access_keys(customer_id)",
            """
            CREATE TABLE webhooks (
                seq BIGSERIAL PRIMARY KEY,
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
                failing_since BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webhooks_customer ON webhooks(customer_id, seq)",
            """
            CREATE TABLE events (
                seq BIGSERIAL PRIMARY KEY,
                id TEXT NOT NULL,
                customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                type TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                body BYTEA NOT NULL,
                created_at BIGINT NOT NULL,
                UNIQUE (customer_id, id)
            )
            """,
            "CREATE INDEX events_customer ON events(customer_id, seq)",
            """
            CREATE TABLE deliveries (
                seq BIGSERIAL PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                event_seq BIGINT NOT NULL REFERENCES events(seq) ON DELETE CASCADE,
                resource_key TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
                attempt_count BIGINT NOT NULL DEFAULT 0,
                round_start BIGINT NOT NULL DEFAULT 1,
                round_attempts BIGINT,
                next_attempt_at BIGINT,
                last_attempt_at BIGINT,
                last_status_code BIGINT,
                last_error TEXT,
                lease_until BIGINT,
                lease_owner TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending'",
            "CREATE INDEX deliveries_order ON deliveries(webhook_id, resource_key, seq) WHERE status = 'pending'",
            "CREATE INDEX deliveries_webhook ON deliveries(webhook_id, seq)",
            "CREATE INDEX deliveries_event ON deliveries(event_seq)",
            "CREATE INDEX deliveries_lease ON deliveries(lease_until) WHERE lease_until IS NOT NULL",
            """
            CREATE TABLE attempts (
                delivery_seq BIGINT NOT NULL REFERENCES deliveries(seq) ON DELETE CASCADE,
                attempt BIGINT NOT NULL,
                started_at BIGINT NOT NULL,
                duration_ms BIGINT NOT NULL,
                status_code BIGINT,
                error TEXT,
                response_body TEXT,
                PRIMARY KEY (delivery_seq, attempt)
            )
            """,
        ]),
        (2, SchemaV2.statements(integer: "BIGINT")),
    ]
}
