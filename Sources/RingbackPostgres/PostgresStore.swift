import Foundation
import Logging
import NIOCore
import PostgresNIO
import RingbackCore
import RingbackStore
import ServiceLifecycle
import Synchronization

/// The shared store for several nodes: PostgreSQL through PostgresNIO. Work is split with row
/// leases (`FOR UPDATE SKIP LOCKED`); commits of deliveries are announced with NOTIFY so that
/// every node wakes at once.
public final class PostgresStore: Store {
    static let channel = "ringback_deliveries"

    let client: PostgresClient
    let logger: Logger
    public let wakeups = WakeSignal()
    public let commits = Broadcast()
    private let readiness = Readiness()

    /// - Parameter url: `postgres://USER:PASS@HOST:PORT/DB`, with `?sslmode=disable|prefer|require`
    ///   (default `prefer`).
    public init(url: String, logger: Logger) throws {
        guard let configuration = Self.configuration(url) else { throw StoreError.unavailable }
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    /// The client configuration for a URL, or nil when the URL is not one.
    public static func configuration(_ url: String) -> PostgresClient.Configuration? {
        guard let components = URLComponents(string: url),
              ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty,
              let user = components.user, !user.isEmpty
        else { return nil }
        let database = String(components.path.drop { $0 == "/" })
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        default: return nil
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = 20
        // A node that stops inside a transaction (paused, cut off) must not hold its row locks, and
        // so every other node's recording, for ever: the server ends such a session after 10 s.
        // Ringback's own transactions never wait between statements.
        configuration.options.additionalStartupParameters = [
            ("application_name", "ringback"), ("idle_in_transaction_session_timeout", "10s"),
        ]
        return configuration
    }

    /// Runs the connection pool, brings the schema up to date, listens for other nodes' commits,
    /// and keeps all of it until graceful shutdown.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            do {
                try await migrate()
                readiness.succeed()
            } catch {
                logger.critical("cannot bring the database schema up to date", metadata: Self.describe(error))
                readiness.fail(error)
                throw error
            }
            group.addTask { await self.listen() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    public func ready() async throws {
        try await readiness.wait()
    }

    /// Wakes this node's dispatcher on every other node's commit; reconnects on its own.
    /// What may be logged of a database error: its code and the server's message, never the
    /// query's bound values (a webhook's secret is one of them).
    static func describe(_ error: any Error) -> Logger.Metadata {
        guard let error = error as? PSQLError else { return ["error.type": "\(type(of: error))"] }
        var metadata: Logger.Metadata = ["error.code": "\(error.code)"]
        if let state = error.serverInfo?[.sqlState] { metadata["error.sql_state"] = "\(state)" }
        if let message = error.serverInfo?[.message] { metadata["error.message"] = "\(message)" }
        return metadata
    }

    private func listen() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        failures = 0
                        // Anything committed while not listening may be due now.
                        self.wakeups.signal()
                        self.commits.signal()
                        for try await _ in notifications {
                            self.wakeups.signal()
                            self.commits.signal()
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.warning("lost the notification listener; reconnecting", metadata: Self.describe(error))
                try? await Task.sleep(for: .milliseconds(min(5000, 100 << min(failures, 6))))
            }
        }
    }

    public func ping() async throws {
        _ = try await rows("SELECT 1 AS one" as SQLStatement)
    }

    /// Applies the migrations not applied yet, each in its own transaction under an advisory
    /// lock, so that nodes starting together migrate one at a time.
    private func migrate() async throws {
        try await guarded {
            try await self.client.withConnection { connection in
                // Under the lock too: two concurrent CREATE TABLE IF NOT EXISTS can both try to create it.
                try await connection.transaction(logger: self.logger) { connection in
                    try await connection.send("SELECT pg_advisory_xact_lock(\(PostgresMigrations.advisoryLock))", logger: self.logger)
                    try await connection.send("""
                        CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)
                        """, logger: self.logger)
                }
                for migration in PostgresMigrations.all {
                    try await connection.transaction(logger: self.logger) { connection in
                        try await connection.send("SELECT pg_advisory_xact_lock(\(PostgresMigrations.advisoryLock))", logger: self.logger)
                        let applied = try await connection.rows("""
                            SELECT version FROM schema_migrations WHERE version = \(migration.version)
                            """ as PostgresQuery, logger: self.logger)
                        guard applied.isEmpty else { return }
                        for statement in migration.sql {
                            try await connection.send(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                        }
                        try await connection.send("""
                            INSERT INTO schema_migrations (version, applied_at)
                            VALUES (\(migration.version), (extract(epoch FROM now()) * 1000)::bigint)
                            """, logger: self.logger)
                    }
                }
            }
        }
    }

    // MARK: Helpers

    /// How long a call waits for a pooled connection before the database counts as unreachable.
    static let leaseTimeout: Duration = .seconds(5)

    /// Runs `body` on a pooled connection, or throws `StoreError.unavailable` when none comes in
    /// time (the pool keeps waiting while the server is unreachable). Once `body` has started it
    /// runs to the end: a transaction is never cut by the timeout.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let gate = LeaseGate()
        let client = self.client
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    guard gate.enter() else { throw StoreError.unavailable }
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: Self.leaseTimeout)
                return nil
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
                if gate.expire() {
                    group.cancelAll()
                    throw StoreError.unavailable
                }
            }
            throw StoreError.unavailable
        }
    }

    /// Runs `body` in one transaction; database errors become `StoreError.unavailable`.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded {
            try await self.withConnection { connection in
                try await connection.transaction(logger: self.logger, body)
            }
        }
    }

    /// Every row of one statement outside a transaction.
    func rows(_ statement: SQLStatement) async throws -> [PostgresRandomAccessRow] {
        let logger = self.logger
        let query = statement.postgresQuery
        return try await guarded { try await self.withConnection { try await $0.rows(query, logger: logger) } }
    }

    private func guarded<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await StoreError.guarding(log: { error in self.logger.warning("database error", metadata: Self.describe(error)) }, body)
    }
}

extension PostgresConnection {
    /// A connection the server has closed (it ended the session, or went away).
    struct Closed: Error {}

    /// Sends one statement. PostgresNIO (1.33) never answers a query written to a connection
    /// that is already closed: the write fails without failing the query, which would wait for
    /// ever. So a closed connection is refused here, at once.
    @discardableResult
    func send(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !isClosed else { throw Closed() }
        return try await self.query(query, logger: logger)
    }

    /// Runs `body` between BEGIN and COMMIT (ROLLBACK when it throws). PostgresNIO's own
    /// `withTransaction` is this, but through `query`, which waits for ever on a connection the
    /// server closed; every statement here goes through `send`.
    func transaction<T: Sendable>(logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await send("BEGIN", logger: logger)
        let value: T
        do {
            value = try await body(self)
        } catch {
            _ = try? await send("ROLLBACK", logger: logger)
            throw error
        }
        try await send("COMMIT", logger: logger)
        return value
    }

    /// Every row of one statement on this connection.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await send(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }
}

/// Decides, once, whether a call got its connection in time or gave up waiting.
final class LeaseGate: Sendable {
    private enum State { case waiting, entered, expired }
    private let state = Mutex(State.waiting)

    /// The connection came: true unless the call already gave up.
    func enter() -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = .entered
            return true
        }
    }

    /// The wait is over: true when the connection had not come (the call gives up).
    func expire() -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = .expired
            return true
        }
    }
}

extension PostgresRandomAccessRow: StoredRow {
    package func text(_ column: String) -> String { (try? self[column].decode(String.self)) ?? "" }
    package func optionalText(_ column: String) -> String? { try? self[column].decode(String?.self) }
    package func integer(_ column: String) -> Int64 { (try? self[column].decode(Int64.self)) ?? 0 }
    package func optionalInteger(_ column: String) -> Int64? { try? self[column].decode(Int64?.self) }
    package func bytes(_ column: String) -> [UInt8] {
        (try? self[column].decode(ByteBuffer.self)).map { Array($0.readableBytesView) } ?? []
    }
}
