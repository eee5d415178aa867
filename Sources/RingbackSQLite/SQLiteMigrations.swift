import RingbackStore
import GRDB

/// The versioned schema of the SQLite store. Never edit a registered migration: add one.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE customers (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) STRICT;

                CREATE TABLE access_keys (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                    token_hash TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX access_keys_customer ON access_keys(customer_id);

                CREATE TABLE webhooks (
                    seq INTEGER PRIMARY KEY,
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
                    failing_since INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX webhooks_customer ON webhooks(customer_id, seq);

                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL,
                    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                    type TEXT NOT NULL,
                    resource_type TEXT NOT NULL,
                    resource_id TEXT NOT NULL,
                    body BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    UNIQUE (customer_id, id)
                ) STRICT;
                CREATE INDEX events_customer ON events(customer_id, seq);

                CREATE TABLE deliveries (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                    event_seq INTEGER NOT NULL REFERENCES events(seq) ON DELETE CASCADE,
                    resource_key TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
                    attempt_count INTEGER NOT NULL DEFAULT 0,
                    round_start INTEGER NOT NULL DEFAULT 1,
                    round_attempts INTEGER,
                    next_attempt_at INTEGER,
                    last_attempt_at INTEGER,
                    last_status_code INTEGER,
                    last_error TEXT,
                    lease_until INTEGER,
                    lease_owner TEXT,
                    created_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
                CREATE INDEX deliveries_order ON deliveries(webhook_id, resource_key, seq) WHERE status = 'pending';
                CREATE INDEX deliveries_webhook ON deliveries(webhook_id, seq);
                CREATE INDEX deliveries_event ON deliveries(event_seq);
                CREATE INDEX deliveries_lease ON deliveries(lease_until) WHERE lease_until IS NOT NULL;

                CREATE TABLE attempts (
                    delivery_seq INTEGER NOT NULL REFERENCES deliveries(seq) ON DELETE CASCADE,
                    attempt INTEGER NOT NULL,
                    started_at INTEGER NOT NULL,
                    duration_ms INTEGER NOT NULL,
                    status_code INTEGER,
                    error TEXT,
                    response_body TEXT,
                    PRIMARY KEY (delivery_seq, attempt)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2") { db in
            for statement in SchemaV2.statements(integer: "INTEGER") { try db.execute(sql: statement) }
        }
        return migrator
    }
}
