import RingbackStore

/// The schema's versions (`Schema`, shared with SQLite) as PostgreSQL migrations.
enum PostgresMigrations {
    /// Held while migrating, so that nodes starting together migrate one at a time.
    static let advisoryLock: Int64 = 0x7269_6e67_6261_636b  // "ringback"

    static let all: [(version: Int64, sql: [String])] = Schema.versions(.postgres).map { ($0.version, $0.statements) }
}
