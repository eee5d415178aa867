import Foundation
import RingbackCore
import RingbackTestSupport
import Testing

/// `ringback simulate` against the real server: every event arrives, each resource's in order;
/// bad options, tokens, customers and servers end with one line and exit 64 or 69.
@Suite struct SimulateTests {
    static let adminToken = "simulate-test-admin-token"

    @Test func aSimulatedRunIsDeliveredInOrderPerResource() async throws {
        try await Receiver.run { receiver in
            let port = try ChildProcess.freePort()
            let server = try ChildProcess(["serve"], environment: IsolationTests.environment(port: port)
                .merging(["RINGBACK_ADMIN_TOKEN": Self.adminToken, "RINGBACK_VALIDATE_EVENTS": "1"]) { $1 },
                directory: try ChildProcess.temporaryFolder())
            defer { server.kill(SIGKILL) }
            try await waitUntilHealthy(port: port, child: server)
            let base = "http://127.0.0.1:\(port)"
            let customer = try await createCustomer(base, token: Self.adminToken, name: "sim")
            _ = try await createWebhook(base, key: customer.key, url: receiver.url("/sim"))

            // The dry run shows what the real run publishes: the same seed, the same events.
            let (dry, lines, _) = try await ChildProcess.run(
                ["simulate", "--dry-run", "--customer", customer.id, "--scenario", "all", "--count", "30", "--seed", "5"])
            #expect(dry == 0)
            let expected = try lines.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
            #expect(expected.count > 100)

            let (status, stdout, stderr) = try await ChildProcess.run(
                ["simulate", "--server", base, "--admin-token", Self.adminToken, "--customer", customer.id,
                 "--scenario", "all", "--count", "30", "--seed", "5"])
            #expect(status == 0, "\(stderr)")
            #expect(stdout.isEmpty)
            #expect(stderr.contains("\(expected.count) events of 30 lifecycles published"), "\(stderr)")

            let received = try await receiver.wait(for: expected.count, at: "/sim", timeout: .seconds(60))
            #expect(received.count == expected.count)
            // Per resource (type and data.id), the receiver saw the events in the order published.
            func key(_ type: String?, _ data: JSONValue?) -> String {
                (type.flatMap(EventCatalog.eventType(named:))?.resourceType ?? "?") + "/" + (data?["id"]?.stringValue ?? "?")
            }
            // Times follow the clock (the dry run ran earlier); everything else is the same.
            func timeless(_ value: JSONValue) -> JSONValue {
                switch value {
                case .string(let text) where Timestamp.isDateTime(text): .string("time")
                case .array(let items): .array(items.map(timeless))
                case .object(let members): .object(members.map { JSONMember($0.key, timeless($0.value)) })
                default: value
                }
            }
            var published: [String: [JSONValue]] = [:]
            for event in expected {
                published[key(event["type"]?.stringValue, event["data"]), default: []].append(timeless(event["data"]!))
            }
            var arrived: [String: [JSONValue]] = [:]
            for request in received {
                let body = try #require(request.json)
                arrived[key(body["type"]?.stringValue, body["data"]), default: []].append(timeless(body["data"]!))
            }
            #expect(published.count == arrived.count)
            var differing = 0
            for (resource, datas) in published where arrived[resource] != datas { differing += 1 }
            #expect(differing == 0, "\(differing) resources arrived otherwise than published")
        }
    }

    @Test func badOptionsTokensCustomersAndServersSayWhyInOneLine() async throws {
        let port = try ChildProcess.freePort()
        let server = try ChildProcess(["serve"], environment: IsolationTests.environment(port: port)
            .merging(["RINGBACK_ADMIN_TOKEN": Self.adminToken]) { $1 }, directory: try ChildProcess.temporaryFolder())
        defer { server.kill(SIGKILL) }
        try await waitUntilHealthy(port: port, child: server)
        let base = "http://127.0.0.1:\(port)"
        let customer = try await createCustomer(base, token: Self.adminToken, name: "sim")
        // Port 1: nothing listens there (a free port could be taken by another test meanwhile).
        let closed = "http://127.0.0.1:1"
        let cases: [(arguments: [String], status: Int32, says: String)] = [
            (["--server", "ftp://x", "--admin-token", Self.adminToken, "--customer", customer.id], 64, "--server"),
            (["--server", "not a url", "--admin-token", Self.adminToken, "--customer", customer.id], 64, "--server"),
            (["--server", base, "--admin-token", Self.adminToken, "--customer", "acme"], 64, "--customer"),
            (["--server", base, "--admin-token", Self.adminToken, "--customer", customer.id, "--scenario", "wedding"], 64, "--scenario"),
            (["--server", base, "--admin-token", Self.adminToken, "--customer", customer.id, "--count", "0"], 64, "--count"),
            (["--server", base, "--admin-token", "wrong-token-0123456789", "--customer", customer.id], 64, "admin token"),
            (["--server", base, "--admin-token", Self.adminToken, "--customer", UUID().uuidString], 64, "no customer"),
            (["--server", closed, "--admin-token", Self.adminToken, "--customer", customer.id], 69, "cannot reach"),
            (["--server", base, "--customer", customer.id], 64, "--admin-token"),
        ]
        for bad in cases {
            let (status, stdout, stderr) = try await ChildProcess.run(["simulate"] + bad.arguments,
                                                                      environment: ["RINGBACK_ADMIN_TOKEN": ""])
            #expect(status == bad.status, "\(bad.arguments): \(stderr)")
            #expect(stderr.split(separator: "\n").count == 1, "\(bad.arguments): \(stderr)")
            #expect(stderr.contains(bad.says), "\(bad.arguments): \(stderr)")
            #expect(stderr.contains("nothing was published") || bad.status == 64 && !stderr.contains("published"),
                    "\(bad.arguments): \(stderr)")
            #expect(stdout.isEmpty)
            #expect(!stderr.contains(Self.adminToken), "the token never shows")
        }
        let events = try await get(base + "/v1.0/events?accesskey=\(customer.key)")
        #expect(events.contains(#""result":[]"#), "nothing was published: \(events.prefix(200))")
    }
}
