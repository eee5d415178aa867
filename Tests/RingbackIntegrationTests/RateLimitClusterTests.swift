import Foundation
import RingbackCore
import RingbackTestSupport
import Testing

/// A rate limit holds across the nodes of a PostgreSQL cluster: they reserve sends from one row.
@Suite struct RateLimitClusterTests {
    @Test func twoNodesTogetherStayUnderTheLimit() async throws {
        let database = try await TestDatabase.postgresURL()
        try await Receiver.run { receiver in
            let (nodes, _, bases) = try await ClusterTests.startNodes(2, database: database)
            defer { nodes.forEach { $0.kill(SIGKILL) } }
            let customer = try await createCustomer(bases[0], token: ClusterTests.adminToken, name: "paced")
            let (status, webhook) = try await send(bases[1] + "/v1.0/webhooks", token: customer.key,
                                                   json: #"{"url":"\#(receiver.url("/paced"))","event_types":["*"],"rate_limit":20}"#)
            #expect(status == 201)
            let id = try #require(webhook["id"]?.stringValue)
            for (node, base) in bases.enumerated() {
                _ = try #require(await publishBatch(base, token: ClusterTests.adminToken, customerID: customer.id,
                                                    type: "call_hangup", resources: (0..<30).map { "n\(node)-\($0)" }))
            }
            try await receiver.wait(for: 60, at: "/paced", timeout: .seconds(60))
            // The attempts' start times, as the nodes recorded them.
            var starts: [Int64] = []
            try await eventually {
                let (_, page) = try await send(bases[0] + "/v1.0/webhooks/\(id)/deliveries?page_size=100&status=succeeded",
                                               method: .GET, token: customer.key, json: nil)
                guard case .array(let items)? = page["result"] else { return false }
                starts = items.compactMap { $0["last_attempt_at"]?.stringValue.flatMap(Timestamp.parse) }
                return starts.count == 60
            }
            #expect(mostWithin(starts) <= 20, "\(mostWithin(starts))")
            #expect(starts.max()! - starts.min()! >= 2_950)
        }
    }
}
