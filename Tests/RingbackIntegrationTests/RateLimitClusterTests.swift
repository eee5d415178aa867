import Foundation
import RingbackCore
import RingbackTestSupport
import Testing

/// A rate limit holds across the nodes of a PostgreSQL cluster: they reserve sends from one row.
@Suite struct RateLimitClusterTests {
    @Test func twoNodesTogetherStayUnderTheLimit() async throws {
        let database = try await TestDatabase.postgresURL()
        try await Receiver.run { receiver in
            let ports = try (0..<2).map { _ in try ChildProcess.freePort() }
            let nodes = try ports.map { port in
                try ChildProcess(["serve"], environment: ClusterTests.environment(database: database, port: port),
                                 directory: try ChildProcess.temporaryFolder())
            }
            defer { nodes.forEach { $0.kill(SIGKILL) } }
            for (port, node) in zip(ports, nodes) { try await waitUntilHealthy(port: port, child: node) }
            let bases = ports.map { "http://127.0.0.1:\($0)" }
            let customer = try await createCustomer(bases[0], token: ClusterTests.adminToken, name: "paced")
            let (status, _) = try await send(bases[1] + "/v1.0/webhooks", token: customer.key,
                                             json: #"{"url":"\#(receiver.url("/paced"))","event_types":["*"],"rate_limit":20}"#)
            #expect(status == 201)
            for (node, base) in bases.enumerated() {
                _ = try #require(await publishBatch(base, token: ClusterTests.adminToken, customerID: customer.id,
                                                    type: "call_hangup", resources: (0..<30).map { "n\(node)-\($0)" }))
            }
            let received = try await receiver.wait(for: 60, at: "/paced", timeout: .seconds(60))
            #expect(mostArrivals(received.map(\.at)) <= 20, "\(mostArrivals(received.map(\.at)))")
            #expect(received.map(\.at).max()! - received.map(\.at).min()! >= .milliseconds(2_700))
        }
    }
}
