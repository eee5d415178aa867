import AsyncHTTPClient
import Foundation

/// The scenarios of issue 9's targets, each on a fresh `ringback serve` (and a fresh SQLite
/// file), measured from outside: publish requests in, deliveries counted at the receivers.
struct Scenarios: Sendable {
    struct Sizes: Sendable {
        var publish = 50_000
        var one = 100_000
        var latencyRate = 1_000
        var latencySeconds = 30
        var fanoutEvents = 10_000
        var isolationEvents = 10_000
        var backlog = 1_000_000
        var singlesClients = 64
        var singlesSeconds = 10
        var postgresEvents = 50_000
        var postgresRate = 500
        var postgresSeconds = 30
        var retentionEvents = 200_000
        var retentionRounds = 3

        static let full = Sizes()
        static let smoke = Sizes(publish: 2_000, one: 5_000, latencyRate: 200, latencySeconds: 3, fanoutEvents: 500,
                                 isolationEvents: 500, backlog: 20_000, singlesClients: 8, singlesSeconds: 2,
                                 postgresEvents: 2_000, postgresRate: 100, postgresSeconds: 3,
                                 retentionEvents: 2_000, retentionRounds: 2)
    }

    /// One figure of the table.
    struct Row: Codable, Sendable {
        let scenario: String
        let figure: String
        let value: Double
        let unit: String
        let target: String
        let ratioToWire: Double?
        let notes: String
    }

    let binary: String
    let folder: URL
    let client: HTTPClient
    let sizes: Sizes
    let postgres: String?

    /// Makes the rows of one scenario.
    struct RowMaker: Sendable {
        let scenario: String
        let wire: Double?

        func callAsFunction(_ figure: String, _ value: Double, _ unit: String, target: String, notes: String = "") -> Row {
            Row(scenario: scenario, figure: figure, value: value, unit: unit, target: target,
                ratioToWire: unit == "deliveries/s" || unit == "events/s" ? wire.map { value / $0 } : nil, notes: notes)
        }
    }

    func run(_ name: String, wire: Double?) async throws -> [Row] {
        let row = RowMaker(scenario: name, wire: wire)
        switch name {
        case "wire":
            return [row("wrk -t2 -c64 -d5s -> nginx", try wrk(), "requests/s", target: "the ceiling")]
        case "publish":
            return try await withServer("publish") { server in
                let customer = try await server.customer("bench")
                let rate = try await Publisher(server: server, customerID: customer.id)
                    .batches(sizes.publish, prefix: "p")
                return [row("\(sizes.publish) events, batches of 100, 8 in flight, no webhook", rate, "events/s", target: "-")]
            }
        case "one":
            return try await withNginx { nginx in
                try await withServer("one") { server in
                    let rate = try await throughput(server, webhooks: [nginx.url("/one")], events: sizes.one)
                    return [row("\(sizes.one) events to one endpoint (defaults), first publish to last delivery",
                                rate.deliveries, "deliveries/s", target: ">= 10,000",
                                notes: "publishing alongside at \(Int(rate.publish)) events/s"),
                            row("the same, once publishing has ended", rate.drain, "deliveries/s", target: "-",
                                notes: "\(rate.delivering) delivered while publishing")]
                }
            }
        case "latency":
            return try await RecordingReceiver.run { receiver in
                try await withServer("latency") { server in
                    let customer = try await server.customer("bench")
                    try await server.webhook(key: customer.key, url: "http://127.0.0.1:\(receiver.port)/latency")
                    let sent = try await Publisher(server: server, customerID: customer.id)
                        .paced(rate: sizes.latencyRate, for: .seconds(sizes.latencySeconds), prefix: "l")
                    try await waitUntil { receiver.count >= sent }
                    let latency = receiver.latency
                    let paced = "\(sizes.latencyRate) events/s for \(sizes.latencySeconds) s, publish to arrival"
                    return [row(paced + ", p50", latency.p50, "ms", target: "-"),
                            row(paced + ", p99", latency.p99, "ms", target: "<= 25"),
                            row(paced + ", max", latency.max, "ms", target: "-")]
                }
            }
        case "fanout":
            return try await withNginx { nginx in
                try await withServer("fanout") { server in
                    let rate = try await throughput(server, webhooks: (0..<10).map { nginx.url("/fan\($0)") },
                                                    events: sizes.fanoutEvents)
                    return [row("10 webhooks x \(sizes.fanoutEvents) events", rate.deliveries, "deliveries/s", target: ">= 12,000"),
                            row("the same, once publishing has ended", rate.drain, "deliveries/s", target: "-",
                                notes: "\(rate.delivering) delivered while publishing")]
                }
            }
        case "isolation":
            let dead = try await SilentServer.start()
            defer { Task { await dead.stop() } }
            return try await withNginx { nginx in
                try await withServer("isolation") { server in
                    let rate = try await throughput(server, webhooks: (0..<10).map { nginx.url("/ok\($0)") },
                                                    events: sizes.isolationEvents,
                                                    extra: ["http://127.0.0.1:\(dead.port)/dead"])
                    return [row("10 webhooks x \(sizes.isolationEvents) events beside one that never answers", rate.deliveries,
                                "deliveries/s", target: ">= 95% of fanout")]
                }
            }
        case "backlog":
            return try await backlog(row)
        case "retention":
            return try await retention(row)
        case "singles":
            return try await withServer("singles") { server in
                let customer = try await server.customer("bench")
                let rate = try await Publisher(server: server, customerID: customer.id)
                    .singles(clients: sizes.singlesClients, for: .seconds(sizes.singlesSeconds), prefix: "s")
                return [row("\(sizes.singlesClients) clients, one event per request, no webhook", rate, "events/s", target: ">= 5,000")]
            }
        case "postgres":
            guard let postgres else {
                return [row("two nodes (skipped: no --postgres URL)", 0, "-", target: ">= 4,000")]
            }
            return try await cluster(postgres, row)
        default:
            throw BenchError("unknown scenario \(name)")
        }
    }

    /// Publishes `events` (batches of 100, 8 in flight) to a customer whose webhooks are `webhooks`
    /// (plus `extra`, which do not count), and times them until every delivery succeeded: the rate
    /// from the first publish to the last delivery, and the rate of what was left once publishing ended.
    func throughput(_ server: Server, webhooks: [String], events: Int, extra: [String] = [])
        async throws -> (deliveries: Double, publish: Double, drain: Double, delivering: Int) {
        let customer = try await server.customer("bench")
        for url in webhooks + extra { try await server.webhook(key: customer.key, url: url) }
        let start = ContinuousClock.now
        let publish = try await Publisher(server: server, customerID: customer.id).batches(events, prefix: "t")
        let published = ContinuousClock.now
        let delivering = try await server.delivered()
        let total = events * webhooks.count
        let done = try await server.waitDelivered(total)
        return (Double(total) / (done - start).seconds, publish,
                Double(total - delivering) / (done - published).seconds, delivering)
    }

    /// A million deliveries piled up while the receiver is off, then drained; RSS sampled throughout.
    func backlog(_ row: RowMaker) async throws -> [Row] {
        let port = Child.freePort()
        return try await withServer("backlog") { server in
            let peak = PeakRSS(child: server.child)
            let sampling = Task { await peak.sample() }
            defer { sampling.cancel() }
            let customer = try await server.customer("bench")
            try await server.webhook(key: customer.key, url: "http://127.0.0.1:\(port)/backlog")
            let publish = try await Publisher(server: server, customerID: customer.id).batches(sizes.backlog, prefix: "b")
            let start = ContinuousClock.now
            let nginx = try Nginx.start(in: folder, port: port)
            defer { nginx.child.stop() }
            let done = try await server.waitDelivered(sizes.backlog)
            let drain = Double(sizes.backlog) / (done - start).seconds
            return [row("\(sizes.backlog) pending (receiver off while publishing at \(Int(publish))/s), drained", drain,
                        "deliveries/s", target: ">= 8,000"),
                    row("peak RSS of ringback during the backlog run", Double(peak.value) / 1_048_576, "MB", target: "<= 300")]
        }
    }

    /// A steady load under `--retention 5s`: rounds of events delivered, then purged; the
    /// database's size on disk after each round (SQLite reuses the freed pages: it stays flat).
    func retention(_ row: RowMaker) async throws -> [Row] {
        try await withNginx { nginx in
            try await withServer("retention", options: ["--retention", "5s"]) { server in
                let customer = try await server.customer("bench")
                try await server.webhook(key: customer.key, url: nginx.url("/retention"))
                let file = folder.appendingPathComponent("retention.sqlite").path
                var rows: [Row] = []
                for round in 1...sizes.retentionRounds {
                    _ = try await Publisher(server: server, customerID: customer.id)
                        .batches(sizes.retentionEvents, prefix: "r\(round)-")
                    _ = try await server.waitDelivered(round * sizes.retentionEvents)
                    let size = Self.megabytes(file) + Self.megabytes(file + "-wal")
                    rows.append(row("database after round \(round) of \(sizes.retentionEvents) events (before its purge)", size,
                                    "MB", target: "flat"))
                    // The window passes and the round's events go (all but the newest, which
                    // always stays).
                    let deadline = ContinuousClock.now + .seconds(600)
                    while try await server.metric("ringback_purged_rows_total", matching: #"table="events""#)
                        < Double(round * sizes.retentionEvents - 1), ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(200))
                    }
                }
                return rows
            }
        }
    }

    static func megabytes(_ path: String) -> Double {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0
        return size / 1_048_576
    }

    /// Two nodes on one PostgreSQL database: throughput, and latency at a paced rate.
    func cluster(_ url: String, _ row: RowMaker) async throws -> [Row] {
        try await resetDatabase(url)
        return try await withNginx { nginx in
            try await RecordingReceiver.run { receiver in
                let a = try Server(binary: binary, database: url, folder: folder, name: "pg-a", client: client)
                defer { a.stop() }
                let b = try Server(binary: binary, database: url, folder: folder, name: "pg-b", client: client)
                defer { b.stop() }
                let customer = try await a.customer("bench")
                try await a.webhook(key: customer.key, url: nginx.url("/pg"))
                let start = ContinuousClock.now
                async let first = Publisher(server: a, customerID: customer.id).batches(sizes.postgresEvents / 2, prefix: "a")
                async let second = Publisher(server: b, customerID: customer.id).batches(sizes.postgresEvents / 2, prefix: "b")
                _ = try await (first, second)
                let done = try await waitClusterDelivered([a, b], sizes.postgresEvents)
                let rate = Double(sizes.postgresEvents) / (done - start).seconds
                let other = try await b.customer("latency")
                try await b.webhook(key: other.key, url: "http://127.0.0.1:\(receiver.port)/pg-latency")
                let sent = try await Publisher(server: a, customerID: other.id)
                    .paced(rate: sizes.postgresRate, for: .seconds(sizes.postgresSeconds), prefix: "pl")
                try await waitUntil { receiver.count >= sent }
                return [row("two nodes, \(sizes.postgresEvents) events to one endpoint", rate, "deliveries/s", target: ">= 4,000"),
                        row("two nodes, \(sizes.postgresRate) events/s for \(sizes.postgresSeconds) s, p99", receiver.latency.p99,
                            "ms", target: "<= 50")]
            }
        }
    }

    func waitClusterDelivered(_ servers: [Server], _ count: Int) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + .seconds(1800)
        while ContinuousClock.now < deadline {
            var total = 0
            for server in servers { total += try await server.delivered() }
            if total >= count { return .now }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("the cluster did not deliver \(count)")
    }

    /// Drops every table, so that the nodes start on an empty schema.
    func resetDatabase(_ url: String) async throws {
        let psql = "/usr/bin/psql"
        _ = try Child.output(psql, [url, "-q", "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"])
    }

    func withServer<T: Sendable>(_ name: String, options: [String] = [], _ body: (Server) async throws -> T) async throws -> T {
        let server = try Server(binary: binary, database: "sqlite:" + folder.appendingPathComponent("\(name).sqlite").path,
                                folder: folder, name: name, options: options, client: client)
        defer { server.stop() }
        return try await body(server)
    }

    func withNginx<T: Sendable>(_ body: (Nginx) async throws -> T) async throws -> T {
        let nginx = try Nginx.start(in: folder)
        defer { nginx.child.stop() }
        return try await body(nginx)
    }

    func wrk() throws -> Double {
        let nginx = try Nginx.start(in: folder)
        defer { nginx.child.stop() }
        let output = try Child.output("/usr/bin/wrk", ["-t2", "-c64", "-d5s", nginx.url("/")])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
              let value = Double(line.split(separator: " ").last ?? "")
        else { throw BenchError("wrk said: \(output)") }
        return value
    }

    func waitUntil(timeout: Duration = .seconds(600), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw BenchError("timed out") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    static func table(_ rows: [Row], smoke: Bool) -> String {
        var lines = ["| scenario | what | measured | target | ratio to the wire | notes |", "|---|---|---|---|---|---|"]
        for row in rows {
            let value = row.value >= 100 ? String(Int(row.value.rounded())) : String(format: "%.1f", row.value)
            let ratio = row.ratioToWire.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
            lines.append("| \(row.scenario) | \(row.figure) | \(value) \(row.unit) | \(row.target) | \(ratio) | \(row.notes) |")
        }
        if smoke { lines.append("\n(smoke sizes: this proves the benchmark runs; the figures mean nothing)") }
        return lines.joined(separator: "\n")
    }
}

/// The peak resident memory of a child, sampled every 200 ms.
final class PeakRSS: @unchecked Sendable {
    let child: Child
    private let lock = NSLock()
    private var peak = 0

    init(child: Child) {
        self.child = child
    }

    var value: Int { lock.withLock { peak } }

    func sample() async {
        while !Task.isCancelled {
            let rss = child.rss
            lock.withLock { peak = max(peak, rss) }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}

extension Nginx {
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

}
