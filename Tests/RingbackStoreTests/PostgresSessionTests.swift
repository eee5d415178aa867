import Foundation
import Logging
import PostgresNIO
@testable import RingbackPostgres
import RingbackStore
import RingbackTestSupport
import Testing

/// A session the server ends (an administrator, `idle_in_transaction_session_timeout`, a
/// failover) fails the next statement at once: PostgresNIO alone would wait for ever.
@Suite struct PostgresSessionTests {
    @Test func aStatementOnASessionTheServerEndedFailsAtOnce() async throws {
        let configuration = try #require(PostgresStore.configuration(try await TestDatabase.postgresURL()))
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test.session"))
        let killer = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test.killer"))
        let logger = Logger(label: "test.session")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            group.addTask { await killer.run() }
            defer { group.cancelAll() }
            try await client.withConnection { connection in
                try await connection.send("BEGIN", logger: logger)
                let row = try await connection.rows("SELECT pg_backend_pid() AS pid" as PostgresQuery, logger: logger).first
                let pid = try #require(try row?["pid"].decode(Int32.self))
                try await killer.query(PostgresQuery(unsafeSQL: "SELECT pg_terminate_backend(\(pid))"))
                // Wait (yielding) until the connection has seen its end, then use it.
                let deadline = ContinuousClock.now + .seconds(10)
                while !connection.isClosed, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                await #expect(throws: PostgresConnection.Closed.self) { try await connection.send("SELECT 1", logger: logger) }
            }
            // The pool replaces the connection.
            try await client.query("SELECT 1")
        }
    }
}
