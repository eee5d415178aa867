import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import RingbackCore
import RingbackTestSupport
import Synchronization
import Testing

/// The real binary with endpoints that never answer, or whose names never resolve: nobody
/// else waits for them (contract section 13).
@Suite struct IsolationTests {
    static let adminToken = "isolation-test-admin-token"

    /// `serve` with the defaults, but for loopback targets and an admin token.
    static func environment(port: Int, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "RINGBACK_ADMIN_TOKEN": adminToken, "RINGBACK_PORT": String(port),
            "RINGBACK_ALLOW_INSECURE_URLS": "1", "RINGBACK_ALLOW_PRIVATE_TARGETS": "1",
        ].merging(extra) { $1 }
    }

    /// Ten customers whose endpoints accept connections and never answer, each with hundreds of
    /// pending events, leave an eleventh customer's deliveries as fast as if they were not there.
    @Test func deadEndpointsOfTenCustomersDoNotDelayAnother() async throws {
        try await Receiver.run { dead in
            try await Receiver.run { live in
                for index in 0..<10 { dead.script("/dead\(index)", .hang) }
                let port = try ChildProcess.freePort()
                let server = try ChildProcess(["serve"], environment: Self.environment(port: port),
                                              directory: try ChildProcess.temporaryFolder())
                defer { server.kill(SIGKILL) }
                try await waitUntilHealthy(port: port, child: server)
                let base = "http://127.0.0.1:\(port)"
                for index in 0..<10 {
                    let customer = try await createCustomer(base, token: Self.adminToken, name: "dead\(index)")
                    _ = try await createWebhook(base, key: customer.key, url: dead.url("/dead\(index)"))
                    for batch in 0..<3 {
                        let accepted = await publishBatch(base, token: Self.adminToken, customerID: customer.id, type: "call_hangup",
                                                          resources: (0..<100).map { "c\(index)-\(batch)-\($0)" })
                        try #require(accepted?.count == 100)
                    }
                }
                // Every dead endpoint holds its share of attempts before the live customer starts.
                try await dead.wait(timeout: .seconds(30)) { requests in
                    (0..<10).allSatisfy { index in requests.contains { $0.path == "/dead\(index)" } }
                }
                let customer = try await createCustomer(base, token: Self.adminToken, name: "live")
                _ = try await createWebhook(base, key: customer.key, url: live.url("/live"))
                for index in 0..<20 {
                    let published = ContinuousClock.now
                    let event = try #require(await publishBatch(base, token: Self.adminToken, customerID: customer.id,
                                                                type: "message_created", resources: ["m\(index)"])?.first)
                    let id = try #require(event["id"]?.stringValue)
                    let arrived = try await live.wait(timeout: .seconds(10)) { $0.contains { $0.header("webhook-id") == id } }
                    let latency = try #require(arrived.first { $0.header("webhook-id") == id }).at - published
                    // "Within about a second": a stall behind the dead endpoints lasts their 5 s timeout.
                    #expect(latency < .milliseconds(2500), "event \(index) took \(latency)")
                }
                server.kill(SIGTERM)
                #expect(await server.waitForExit() == 0)
            }
        }
    }

    /// A lookup that never answers ends with its attempt's deadline and stalls no one else;
    /// the attempts waiting for one host share one lookup; and a host is pinned exactly as the
    /// HTTP client names it (punycode included). The server runs with its own /etc/hosts and a
    /// resolver that drops every query (a mount namespace, as root).
    @Test func aLookupThatNeverAnswersEndsAtTheDeadlineAndStallsNoOne() async throws {
        let folder = try ChildProcess.temporaryFolder()
        let hosts = folder.appendingPathComponent("hosts")
        let resolv = folder.appendingPathComponent("resolv.conf")
        try Data("127.0.0.1 localhost\n127.0.0.1 xn--bcher-kva.example\n".utf8).write(to: hosts)
        try Data("nameserver 127.0.0.53\noptions timeout:30 attempts:1\n".utf8).write(to: resolv)
        let queries = Shared(0)
        let blackhole = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Swallow { queries.update { $0 += 1 } })
                }
            }
            .bind(host: "127.0.0.53", port: 53).get()
        defer { blackhole.close(promise: nil) }
        let launcher = ["/usr/bin/unshare", "--mount", "/bin/sh", "-c",
                        "mount --bind \(hosts.path) /etc/hosts && mount --bind \(resolv.path) /etc/resolv.conf && exec \"$0\" \"$@\""]
        try await Receiver.run { receiver in
            let port = try ChildProcess.freePort()
            let server = try ChildProcess(["serve"], environment: Self.environment(port: port, [
                "RINGBACK_DELIVERY_TIMEOUT": "1s", "RINGBACK_RETRY_SCHEDULE": "1h",
            ]), directory: folder, launcher: launcher)
            defer { server.kill(SIGKILL) }
            try await waitUntilHealthy(port: port, child: server)
            let base = "http://127.0.0.1:\(port)"
            let customer = try await createCustomer(base, token: Self.adminToken, name: "dns")
            let hanging = try await createWebhook(base, key: customer.key, url: "http://hang.example:\(receiver.port)/hang",
                                                  eventTypes: #"["call_hangup"]"#)
            _ = try await createWebhook(base, key: customer.key, url: "http://xn--bcher-kva.example:\(receiver.port)/idn",
                                        eventTypes: #"["message_created"]"#)
            _ = try await createWebhook(base, key: customer.key, url: receiver.url("/literal"), eventTypes: #"["message_created"]"#)
            _ = await publishBatch(base, token: Self.adminToken, customerID: customer.id, type: "call_hangup",
                                   resources: ["a", "b", "c"])
            try await Task.yield()
            _ = await publishBatch(base, token: Self.adminToken, customerID: customer.id, type: "message_created",
                                   resources: ["m1", "m2"])
            // Others flow while the lookup hangs.
            try await receiver.wait(timeout: .seconds(5)) { requests in
                requests.filter { $0.path == "/idn" }.count == 2 && requests.filter { $0.path == "/literal" }.count == 2
            }
            // The three attempts to the hanging host end at their deadline, as timeouts of the lookup.
            let deliveries = try await waitForAttempts(base, key: customer.key, webhook: hanging, count: 3)
            for delivery in deliveries {
                #expect(delivery["last_error_code"] == .string("timeout"))
                #expect(delivery["last_error"]?.stringValue?.contains("resolving") == true, "\(delivery["last_error"] ?? .null)")
            }
            #expect(receiver.received(at: "/hang").isEmpty)
            // One lookup for the three: one query per address family, no more.
            #expect(queries.get() <= 2, "\(queries.get()) queries for one host")
            server.kill(SIGTERM)
            #expect(await server.waitForExit() == 0)
        }
    }

    /// The deliveries of a webhook once each has had `count` attempts in all.
    func waitForAttempts(_ base: String, key: String, webhook: String, count: Int) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let (_, page) = try await send(base + "/v1.0/webhooks/\(webhook)/deliveries", method: .GET, token: key, json: nil)
            if case .array(let items)? = page["result"],
               items.reduce(0, { $0 + (Int($1["attempt_count"]?.numberText ?? "0") ?? 0) }) >= count {
                return items
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the deliveries of \(webhook) did not reach \(count) attempts")
        throw CancellationError()
    }
}

/// Counts datagrams and answers none.
private final class Swallow: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let received: @Sendable () -> Void

    init(_ received: @escaping @Sendable () -> Void) {
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received()
    }
}

extension JSONValue {
    /// The literal of a number.
    var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }
}
