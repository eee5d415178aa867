import Foundation
import GRDB
import Logging
import PostgresNIO
import RingbackCore
import RingbackPostgres
import RingbackSQLite
import RingbackStore
import RingbackTestSupport
import Testing

/// One scripted history run on both backends leaves the same rows, column for column: the
/// backends cannot drift apart unnoticed.
@Suite struct BackendParityTests {
    static let tables = ["customers", "access_keys", "webhooks", "events", "deliveries", "attempts"]
    static let now: Millis = 1_800_000_000_000

    @Test func bothBackendsStoreTheSameHistory() async throws {
        let sqlitePath = TestDatabase.sqlitePath()
        let postgresURL = try await TestDatabase.postgresURL()
        let sqlite = try SQLiteStore(path: sqlitePath)
        try await TestDatabase.running(sqlite) { try await Self.history(sqlite) }
        let postgres = try PostgresStore(url: postgresURL, logger: Logger(label: "test.parity"))
        try await TestDatabase.running(postgres) { try await Self.history(postgres) }
        let sqliteRows = try Self.dump(sqlitePath: sqlitePath)
        let postgresRows = try await Self.dump(postgresURL: postgresURL)
        #expect(sqliteRows.keys.sorted() == postgresRows.keys.sorted())
        for table in Self.tables {
            let (left, right) = (sqliteRows[table] ?? [], postgresRows[table] ?? [])
            #expect(left.count == right.count, "\(table): \(left.count) rows on SQLite, \(right.count) on PostgreSQL")
            for (index, (a, b)) in zip(left, right).enumerated() where a != b {
                let columns = Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }
                Issue.record("\(table) row \(index) differs in \(columns): SQLite \(columns.map { a[$0] ?? "-" }), PostgreSQL \(columns.map { b[$0] ?? "-" })")
            }
        }
        #expect(sqliteRows["deliveries"]?.count == 5 && sqliteRows["attempts"]?.count == 3, "the history is long enough to prove something")
    }

    /// A history touching every statement: publishing (duplicates, busy lanes), claims, every
    /// kind of outcome, disabling and enabling, retry, recover, tests, rotation, deletion.
    @Sendable static func history(_ store: any Store) async throws {
        let (customer, _) = try await store.createCustomer(name: "acme", detail: "d", keyTokenHash: "hash-1", now: now)
        let gone = try await store.createWebhook(webhook(customer, 1, types: ["call_hangup"]), limit: 10)
        let busy = try await store.createWebhook(webhook(customer, 2, types: ["call.*"]), limit: 10)
        let spare = try await store.createWebhook(webhook(customer, 3, types: ["message.*"]), limit: 10)
        func event(_ id: String, _ type: String, _ resource: String, at time: Millis = now) -> NewEvent {
            NewEvent(id: id, customerID: customer.id, type: EventCatalog.eventType(named: type)!, resourceID: resource,
                     data: .object([JSONMember("id", .string(resource))]), createdAt: time)
        }
        _ = try await store.publish([event("e1", "call_hangup", "c1"), event("e2", "call_updated", "c1"),
                                     event("e1", "call_hangup", "c1"), event("e3", "message_created", "m1")])
        _ = try await store.publish([event("e4", "call_updated", "c1", at: now + 1)])
        let policy = FailurePolicy(schedule: .default)
        var claimed = try await store.claimDue(limit: 10, quotas: ClaimQuotas(standard: 10), lease: .seconds(30), owner: "a", now: now + 5)
        func outcome(_ claim: ClaimedDelivery, _ next: AttemptOutcome.Next, _ status: Int?, _ error: AttemptError?) -> AttemptOutcome {
            AttemptOutcome(deliverySeq: claim.seq, webhookID: claim.webhook.id, lease: claim.lease, attempt: Attempt(
                number: claim.attemptNumber, startedAt: now + 5, durationMS: 7, statusCode: status, error: error,
                responseBody: status.map { "body \($0)" }), next: next)
        }
        let outcomes = claimed.sorted { $0.seq < $1.seq }.map { claim -> AttemptOutcome in
            switch claim.webhook.id {
            case gone.id: outcome(claim, .gone, 410, .status(410))
            case busy.id: outcome(claim, .retry(at: now + 100), nil, .timeout())
            default: outcome(claim, .succeeded, 200, nil)
            }
        }
        try await store.record(outcomes, policy: policy, now: now + 10)
        claimed = try await store.claimDue(limit: 10, quotas: ClaimQuotas(standard: 10), lease: .seconds(30), owner: "b", now: now + 100)
        try await store.record(claimed.map { outcome($0, .failed, 500, .status(500)) }, policy: policy, now: now + 110)
        let failed = try await store.listDeliveries(customerID: customer.id, webhookID: busy.id, filter: DeliveryFilter(status: .failed),
                                                    PageRequest(size: 10, before: nil)).items
        if let first = failed.first {
            try await store.retryDelivery(customerID: customer.id, webhookID: busy.id, id: first.id, now: now + 200)
        }
        _ = try await store.recoverDeliveries(customerID: customer.id, webhookID: busy.id, since: now - 1, until: nil, now: now + 300)
        _ = try await store.updateWebhook(customerID: customer.id, id: gone.id) { $0.status = .active; $0.updatedAt = now + 400 }
        _ = try await store.updateWebhook(customerID: customer.id, id: spare.id) { $0.status = .disabled; $0.updatedAt = now + 400 }
        let test = NewEvent(id: "t1", customerID: customer.id, type: EventCatalog.testEvent, resourceID: gone.id.text,
                            data: .object([JSONMember("id", .string(gone.id.text))]), createdAt: now + 500)
        _ = try await store.createTestDelivery(customerID: customer.id, webhookID: gone.id, event: test)
        _ = try await store.deleteWebhook(customerID: customer.id, id: spare.id)
    }

    static func webhook(_ customer: Customer, _ number: Int, types: [String]) -> Webhook {
        Webhook(id: UUID(uuidString: "00000000-0000-4000-8000-00000000000\(number)")!, customerID: customer.id, name: "w\(number)",
                detail: nil, url: "https://example.com/\(number)", method: .post, eventTypes: types,
                headers: [WebhookHeader(name: "X-N", value: "\(number)")],
                secret: WebhookSecret("whsec_" + Data(repeating: UInt8(number), count: 32).base64EncodedString())!,
                retiredSecrets: [], status: .active, disabledReason: nil, createdAt: now, updatedAt: now)
    }

    // MARK: Dumps

    /// Rows of a table as column -> value text. Ids either backend makes up (UUIDs, row numbers)
    /// are replaced by the order in which they first appear, so both dumps speak alike.
    typealias Dump = [String: [[String: String]]]

    static func normalise(_ raw: [String: [[String: String]]]) -> Dump {
        var aliases: [String: String] = [:]
        func alias(_ value: String, _ kind: String) -> String {
            if let known = aliases[kind + value] { return known }
            let name = "\(kind)#\(aliases.count)"
            aliases[kind + value] = name
            return name
        }
        var dump: Dump = [:]
        for table in tables {
            dump[table] = (raw[table] ?? []).map { row in
                var normal: [String: String] = [:]
                for column in row.keys.sorted() {
                    let value = row[column]!
                    if table == "events", ["id", "body"].contains(column),
                       let type = row["type"], EventCatalog.subscribable(named: type)?.isOperational == true {
                        // Ringback's own events get new ids (and bodies naming them) on each backend.
                        normal[column] = column == "id" ? alias(value, "operational") : "operational body"
                    } else if table == "events" && column == "txid" {
                        // PostgreSQL's transaction ids order its streams; SQLite needs none (0).
                        normal[column] = "txid"
                    } else if column == "seq" || column.hasSuffix("_seq") {
                        normal[column] = alias(value, (column == "seq" ? table : column) + ".seq")
                    } else if UUID(uuidString: value) != nil {
                        normal[column] = alias(value, "uuid")
                    } else if let slash = value.lastIndex(of: "/"), UUID(uuidString: String(value[value.index(after: slash)...])) != nil {
                        normal[column] = value[...slash] + alias(String(value[value.index(after: slash)...]), "uuid")
                    } else {
                        normal[column] = value
                    }
                }
                return normal
            }
        }
        return dump
    }

    static func order(_ table: String) -> String { table == "attempts" ? "delivery_seq, attempt" : "seq" }

    static func dump(sqlitePath: String) throws -> Dump {
        let queue = try DatabaseQueue(path: sqlitePath)
        var raw: [String: [[String: String]]] = [:]
        try queue.read { db in
            for table in tables {
                raw[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order(table))").map { row in
                    Dictionary(uniqueKeysWithValues: row.columnNames.map { column in
                        let value: String = switch row[column] as DatabaseValue {
                        case let value where value.isNull: "NULL"
                        case let value where value.storage.value is Data: (Data.fromDatabaseValue(row[column]) ?? Data()).base64EncodedString()
                        case let value: String(describing: value.storage.value!)
                        }
                        return (column, value)
                    })
                }
            }
        }
        return normalise(raw)
    }

    static func dump(postgresURL: String) async throws -> Dump {
        let client = PostgresClient(configuration: try #require(PostgresStore.configuration(postgresURL)),
                                    backgroundLogger: Logger(label: "test.parity"))
        return try await withThrowingTaskGroup(of: Dump?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            var raw: [String: [[String: String]]] = [:]
            for table in tables {
                var rows: [[String: String]] = []
                for try await row in try await client.query(PostgresQuery(unsafeSQL: "SELECT * FROM \(table) ORDER BY \(order(table))")) {
                    var values: [String: String] = [:]
                    for cell in row {
                        values[cell.columnName] = switch cell.dataType {
                        case _ where cell.bytes == nil: "NULL"
                        case .bytea: Data((try? cell.decode(ByteBuffer.self)).map { Array($0.readableBytesView) } ?? []).base64EncodedString()
                        case .int8, .int4, .int2: String((try? cell.decode(Int64.self)) ?? 0)
                        default: (try? cell.decode(String.self)) ?? "?"
                        }
                    }
                    rows.append(values)
                }
                raw[table] = rows
            }
            group.cancelAll()
            return normalise(raw)
        }
    }
}
