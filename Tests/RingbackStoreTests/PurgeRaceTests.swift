import Foundation
import Logging
import PostgresNIO
@testable import RingbackPostgres
import RingbackCore
import RingbackStore
import RingbackTestSupport
import Synchronization
import Testing

/// Retention against a manual retry on PostgreSQL, where the two run in separate transactions at
/// once (SQLite's single writer orders them): a retry that commits while the purge is deleting its
/// event is never lost.
@Suite struct PurgeRaceTests {
    typealias Conformance = StoreConformanceTests

    @Test func aRetryCommittedDuringThePurgeKeepsItsDelivery() async throws {
        let url = try await TestDatabase.postgresURL()
        let store = try PostgresStore(url: url, logger: Logger(label: "test.purge"))
        let configuration = try #require(PostgresStore.configuration(url))
        let retrier = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test.retrier"))
        let watcher = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test.watcher"))
        let logger = Logger(label: "test.retrier")
        try await TestDatabase.running(store) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await retrier.run() }
                group.addTask { await watcher.run() }
                defer { group.cancelAll() }
                // An old event whose delivery failed for good, and a newer one (the newest always stays).
                let customer = try await Conformance.customer(store)
                let webhook = try await Conformance.webhook(store, customer)
                let old = Conformance.now - 10_000
                _ = try await store.publish([Conformance.event(customer, resource: "old", at: old)])
                let claimed = try #require(try await Conformance.claim(store, at: old).first)
                try await store.record([Conformance.outcome(claimed, .failed, status: 500, at: old)], policy: Conformance.policy, now: old)
                _ = try await store.publish([Conformance.event(customer, resource: "new", at: Conformance.now)])

                try await retrier.withConnection { connection in
                    // The retry's write, not yet committed, when the purge starts.
                    try await connection.send("BEGIN", logger: logger)
                    let retried = try await connection.rows(
                        DeliverySQL.retry(webhookID: webhook.id, id: claimed.id, now: Conformance.now), logger: logger)
                    try #require(retried.count == 1)
                    let done = Mutex(false)
                    let purge = Task {
                        defer { done.withLock { $0 = true } }
                        return try await store.purge(before: Conformance.now, limit: 100)
                    }
                    // The purge ends at once (it skips what it cannot lock), or waits for the retry's
                    // row lock (as a purge that deletes by cascade without locking first would).
                    let deadline = ContinuousClock.now + .seconds(20)
                    while !done.withLock({ $0 }), try await Self.waitingForLocks(watcher) == 0 {
                        try #require(ContinuousClock.now < deadline, "the purge neither ended nor waited")
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    try await connection.send("COMMIT", logger: logger)
                    _ = try await purge.value
                }
                let events = try await store.listEvents(customerID: customer.id, type: "call_hangup", resourceID: nil,
                                                        PageRequest(size: 10, before: nil))
                #expect(Set(events.items.map(\.resourceID)) == ["old", "new"], "the retried event stays")
                let deliveries = try await store.listDeliveries(customerID: customer.id, webhookID: webhook.id,
                                                                filter: DeliveryFilter(), PageRequest(size: 10, before: nil))
                #expect(deliveries.items.first { $0.id == claimed.id }?.status == .pending, "the retry's delivery is kept, due")
                #expect(try await store.pendingCount() >= 1)
            }
        }
    }

    /// Sessions of this database waiting for a lock.
    static func waitingForLocks(_ client: PostgresClient) async throws -> Int {
        let rows = try await client.query(
            "SELECT COUNT(*)::int8 AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
        for try await row in rows { return Int(try row.decode(Int64.self)) }
        return 0
    }
}
