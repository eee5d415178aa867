import Foundation
import RingbackCore
import RingbackTestSupport
import Testing

/// The live stream on real nodes: an event published through one node of a PostgreSQL cluster
/// reaches streams on the other, in order; a stopping server ends its streams and exits.
@Suite struct StreamClusterTests {
    @Test func eventsPublishedOnOneNodeStreamOnTheOther() async throws {
        let database = try await TestDatabase.postgresURL()
        let (nodes, ports, bases) = try await ClusterTests.startNodes(2, database: database)
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        let customer = try await createCustomer(bases[0], token: ClusterTests.adminToken, name: "streams")

        let stream = StreamReader.open(port: ports[1], query: "accesskey=\(customer.key)")
        defer { stream.close() }
        try await stream.wait { $0.comments > 0 }
        // Both nodes publish at once; each node's events keep their order in the stream.
        var published: [[String]] = [[], []]
        try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            for node in 0..<2 {
                group.addTask {
                    var ids: [String] = []
                    for batch in 0..<10 {
                        let results = try #require(await publishBatch(
                            bases[node], token: ClusterTests.adminToken, customerID: customer.id, type: "call_updated",
                            resources: (0..<5).map { "n\(node)-b\(batch)-r\($0)" }))
                        ids += results.compactMap { $0["id"]?.stringValue }
                    }
                    return (node, ids)
                }
            }
            for try await (node, ids) in group { published[node] = ids }
        }
        try await stream.wait { $0.events.count >= 100 }
        let received = stream.events.compactMap(\.id)
        #expect(received.count == 100, "no duplicate")
        #expect(Set(received) == Set(published[0] + published[1]), "nothing missing")
        for ids in published {
            let order = received.filter(Set(ids).contains)
            #expect(order == ids, "a node's events in the order they were published")
        }
        // Resuming on the first node after any event gives exactly what followed it there.
        let cut = received[37]
        let resumed = StreamReader.open(port: ports[0], query: "accesskey=\(customer.key)&last_event_id=\(cut)")
        defer { resumed.close() }
        try await resumed.wait { $0.events.count >= 62 }
        #expect(resumed.events.compactMap(\.id) == Array(received[38...]))
    }

    @Test func aStoppingServerEndsItsStreamsAndExitsCleanly() async throws {
        let port = try ChildProcess.freePort()
        let server = try ChildProcess(["serve"], environment: IsolationTests.environment(port: port),
                                      directory: try ChildProcess.temporaryFolder())
        defer { server.kill(SIGKILL) }
        try await waitUntilHealthy(port: port, child: server)
        let customer = try await createCustomer("http://127.0.0.1:\(port)", token: IsolationTests.adminToken, name: "s")
        let stream = StreamReader.open(port: port, query: "accesskey=\(customer.key)")
        defer { stream.close() }
        try await stream.wait { $0.comments > 0 }
        server.kill(SIGTERM)
        #expect(await server.waitForExit(timeout: .seconds(15)) == 0)
        try await stream.wait { $0.ended }
    }
}
