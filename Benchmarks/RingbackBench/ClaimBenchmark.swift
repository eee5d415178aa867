import ArgumentParser
import Foundation
import Logging
import RingbackCore
import RingbackPostgres
import RingbackSQLite
import RingbackStore

/// How long a claim takes with and without a backlog that waits (deliveries behind an earlier
/// one of their resource, and those of a disabled webhook): contract section 13 says the
/// backlog must not slow claims down.
struct ClaimBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claims", abstract: "Time claims with and without 100,000 waiting deliveries.")

    @Option(help: "Ready deliveries per webhook (10 webhooks).") var ready = 2_000
    @Option(help: "Waiting deliveries added for the second measurement.") var waiting = 100_000
    @Option(help: "Claims timed per measurement.") var rounds = 50
    @Option(help: "postgres://... to measure PostgreSQL too (or RINGBACK_BENCH_POSTGRES_URL).") var postgres: String?
    @Option(help: "Write the results as JSON to this file.") var json: String?

    struct Row: Codable {
        let backend: String
        let waiting: Int
        let medianMS: Double
        let p95MS: Double
    }

    func run() async throws {
        var rows: [Row] = []
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ringback-claims-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        rows += try await measure("sqlite", try SQLiteStore(path: folder.appendingPathComponent("claims.sqlite").path))
        if let url = postgres ?? ProcessInfo.processInfo.environment["RINGBACK_BENCH_POSTGRES_URL"] {
            rows += try await measure("postgres", try PostgresStore(url: url, logger: Logger(label: "bench")))
        }
        print("| backend | waiting deliveries | claim p50 (ms) | claim p95 (ms) |")
        print("|---|---|---|---|")
        for row in rows {
            print("| \(row.backend) | \(row.waiting) | \(String(format: "%.2f", row.medianMS)) | \(String(format: "%.2f", row.p95MS)) |")
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(rows).write(to: URL(fileURLWithPath: json))
        }
    }

    private func measure(_ backend: String, _ store: any Store) async throws -> [Row] {
        let task = Task { try await store.run() }
        defer { task.cancel() }
        try await store.ready()
        let now = Timestamp.milliseconds(Date())
        let (customer, _) = try await store.createCustomer(name: "bench", detail: "", keyTokenHash: UUID().uuidString, now: now)
        var webhooks: [Webhook] = []
        for index in 0..<11 {
            webhooks.append(try await store.createWebhook(Webhook(
                id: UUID(), customerID: customer.id, name: "w\(index)", detail: nil, url: "https://example.com/\(index)",
                method: .post, eventTypes: index == 10 ? ["message.*"] : ["call.*"], headers: [],
                secret: WebhookSecret.generate(), retiredSecrets: [], status: .active, disabledReason: nil,
                createdAt: now, updatedAt: now), limit: 100))
        }
        func publish(_ count: Int, type: String, resource: (Int) -> String) async throws {
            for start in stride(from: 0, to: count, by: 1000) {
                _ = try await store.publish((start..<min(count, start + 1000)).map { index in
                    NewEvent(id: EventID.generate(milliseconds: now), customerID: customer.id,
                             type: EventCatalog.eventType(named: type)!, resourceID: resource(index),
                             data: .object([JSONMember("id", .string(resource(index)))]), createdAt: now)
                })
            }
        }
        try await publish(ready, type: "call_created", resource: { "call-\($0)" })
        var rows = [Row(backend: backend, waiting: 0, timings: try await time(store, now: now))]
        // Half behind one resource's head (on each of the ten webhooks), half for a disabled webhook.
        try await publish(waiting / 20, type: "call_updated", resource: { _ in "call-0" })
        try await publish(waiting / 2, type: "message_created", resource: { "message-\($0)" })
        _ = try await store.updateWebhook(customerID: customer.id, id: webhooks[10].id) { $0.status = .disabled }
        rows.append(Row(backend: backend, waiting: waiting, timings: try await time(store, now: now)))
        return rows
    }

    /// Claims (and gives back) `rounds` times; the time of each claim.
    private func time(_ store: any Store, now: Millis) async throws -> [Duration] {
        var timings: [Duration] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            let claimed = try await store.claimDue(limit: 256, quotas: ClaimQuotas(standard: 32), lease: .seconds(60),
                                                   owner: "bench", now: now + 1)
            timings.append(ContinuousClock.now - start)
            try await store.releaseClaims(claimed, owner: "bench")
        }
        return timings
    }
}

extension ClaimBenchmark.Row {
    init(backend: String, waiting: Int, timings: [Duration]) {
        let sorted = timings.map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1000 }.sorted()
        self.init(backend: backend, waiting: waiting, medianMS: sorted[sorted.count / 2],
                  p95MS: sorted[min(sorted.count - 1, sorted.count * 95 / 100)])
    }
}
