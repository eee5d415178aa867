import Foundation
import GRDB
import Logging
import RingbackCore
import RingbackStore
import ServiceLifecycle
import Synchronization

/// The embedded store: one SQLite file in WAL mode, one writer, group commits.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    private let writer: GroupCommit
    public let wakeups = WakeSignal()
    public let commits = Broadcast()
    private let readiness = Readiness()
    private let closed = Mutex(false)
    private let lock: FileLock
    private let logger: Logger

    /// Opens (creating if needed) the database at `path` and takes the one-process lock beside it.
    public init(path: String, logger: Logger = Logger(label: "ringback.sqlite")) throws {
        self.logger = logger
        lock = try FileLock(path: path + ".lock")
        var config = Configuration()
        config.prepareDatabase { db in
            // Accepted events survive power loss: every commit reaches the disk.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA busy_timeout = 5000")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError.unavailable
        }
        writer = GroupCommit(pool: pool)
    }

    /// Brings the schema up to date, then keeps the database open until graceful shutdown, and
    /// closes it (giving up the file lock).
    public func run() async throws {
        do {
            try await migrate()
            readiness.succeed()
        } catch {
            logger.critical("cannot bring the database schema up to date", metadata: ["error": "\(error)"])
            readiness.fail(error)
            throw error
        }
        try? await gracefulShutdown()
        try await close()
    }

    public func ready() async throws {
        try await readiness.wait()
    }

    private func migrate() async throws {
        try await guarded { try SQLiteMigrations.migrator.migrate(self.pool) }
        // This process holds the file lock, so any lease in the file belongs to a process that
        // died: give its deliveries back now rather than when the leases expire.
        try await write { db in
            try db.execute(sql: "UPDATE deliveries SET lease_until = NULL, lease_owner = NULL WHERE lease_until IS NOT NULL")
        }
    }

    /// Closes the database and gives up the file lock (also done when `run()` ends).
    public func close() async throws {
        guard !closed.withLock({ closed in defer { closed = true }; return closed }) else { return }
        try pool.close()
        lock.release()
    }

    public func ping() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// A write transaction; database errors become `StoreError.unavailable`, store errors pass.
    /// A durable one (the default: anything the API confirms) is fsynced before it returns. The
    /// delivery engine's own bookkeeping (leases, attempt outcomes) is not: losing its last
    /// moments to a power cut only means an attempt is made again, and the next durable commit
    /// syncs everything before it anyway.
    /// Writes that arrive together share one transaction and one fsync (`GroupCommit`).
    func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await guarded { try await self.writer.write(durable: durable, body) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await guarded { try await self.pool.read(body) }
    }

    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        try await StoreError.guarding(log: { error in
            // GRDB's message names the SQLite error and the statement; values are bound, never shown.
            let code = (error as? DatabaseError).map { "\($0.resultCode)" } ?? "\(type(of: error))"
            self.logger.warning("database error", metadata: [
                "error.code": "\(code)", "error.message": "\((error as? DatabaseError)?.message ?? "-")",
            ])
        }, body)
    }
}

/// An exclusive `flock` on a file beside the database, held for the store's lifetime.
final class FileLock: Sendable {
    private let descriptor: Mutex<Int32>

    init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.unavailable }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StoreError.locked(String(path.dropLast(".lock".count)))
        }
        descriptor = Mutex(fd)
    }

    /// Gives the lock up (also done when the store goes away).
    func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit {
        release()
    }
}
