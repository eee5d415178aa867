import GRDB
import RingbackStore

/// The schema's versions (`Schema`, shared with PostgreSQL) as GRDB migrations.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (version, statements) in Schema.versions(.sqlite) {
            migrator.registerMigration("v\(version)") { db in
                for statement in statements { try db.execute(sql: statement) }
            }
        }
        return migrator
    }
}
