import Foundation
import Logging
import PostgresNIO
import RingbackPostgres
import RingbackSQLite
import RingbackStore
import Testing

/// The two store backends, for suites that run once per backend.
public enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    public var testDescription: String { rawValue }
}

/// Fresh databases for tests: a new SQLite file, or a new database on the PostgreSQL server
/// that `scripts/test` starts (`RINGBACK_TEST_POSTGRES_URL`). Without that server the
/// PostgreSQL tests fail, loudly: they never skip.
public enum TestDatabase {
    public static let serverVariable = "RINGBACK_TEST_POSTGRES_URL"

    /// A new SQLite path in a fresh temporary folder.
    public static func sqlitePath() -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ringback-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("ringback.sqlite").path
    }

    /// The URL of a new, empty PostgreSQL database.
    public static func postgresURL(sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        guard let server = ProcessInfo.processInfo.environment[serverVariable],
              var components = URLComponents(string: server),
              let configuration = PostgresStore.configuration(server)
        else {
            Issue.record("\(serverVariable) is not set: run the suite with scripts/test, which starts PostgreSQL",
                         sourceLocation: sourceLocation)
            throw CancellationError()
        }
        let name = "rb_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test.postgres"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            group.cancelAll()
        }
        components.path = "/" + name
        return components.string!
    }

    /// A URL for the backend: `sqlite:PATH` or `postgres://...`.
    public static func url(_ backend: Backend) async throws -> String {
        switch backend {
        case .sqlite: "sqlite:" + sqlitePath()
        case .postgres: try await postgresURL()
        }
    }

    /// A new store of the backend on a fresh database (not running yet).
    public static func store(_ backend: Backend) async throws -> any Store {
        switch backend {
        case .sqlite: try SQLiteStore(path: sqlitePath())
        case .postgres: try PostgresStore(url: try await postgresURL(), logger: Logger(label: "test.store"))
        }
    }

    /// A fresh, migrated, running store of the backend for the duration of `body`.
    public static func withStore<T: Sendable>(_ backend: Backend, _ body: @Sendable (any Store) async throws -> T) async throws -> T {
        let store = try await store(backend)
        return try await running(store) { try await body(store) }
    }

    /// Runs `body` while `store` runs, once its schema is up to date; stops the store afterwards
    /// (tests compose by hand what `ringback serve` composes in a ServiceGroup).
    public static func running<T: Sendable>(_ store: any Store, _ body: @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await store.run() }
        let result: Result<T, any Error>
        do {
            try await store.ready()
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        task.cancel()
        _ = await task.result
        return try result.get()
    }
}
