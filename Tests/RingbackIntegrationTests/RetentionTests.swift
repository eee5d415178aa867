import Foundation
import RingbackCore
import RingbackTestSupport
import Testing

/// `--retention` on the real binary: a settled event goes within seconds of its window; one
/// whose delivery is still pending stays.
@Suite struct RetentionTests {
    @Test func settledEventsGoAndPendingOnesStay() async throws {
        try await Receiver.run { receiver in
            receiver.script("/down", .status(503))
            let port = try ChildProcess.freePort()
            let server = try ChildProcess(["serve", "--retention", "5s", "--retry-schedule", "1h"],
                                          environment: IsolationTests.environment(port: port),
                                          directory: try ChildProcess.temporaryFolder())
            defer { server.kill(SIGKILL) }
            try await waitUntilHealthy(port: port, child: server)
            let base = "http://127.0.0.1:\(port)"
            let settled = try await createCustomer(base, token: IsolationTests.adminToken, name: "settled")
            _ = try await createWebhook(base, key: settled.key, url: receiver.url("/up"))
            let waiting = try await createCustomer(base, token: IsolationTests.adminToken, name: "waiting")
            _ = try await createWebhook(base, key: waiting.key, url: receiver.url("/down"))
            let gone = try #require(await publishBatch(base, token: IsolationTests.adminToken, customerID: settled.id,
                                                       type: "call_hangup", resources: ["a"])?.first?["id"]?.stringValue)
            let kept = try #require(await publishBatch(base, token: IsolationTests.adminToken, customerID: waiting.id,
                                                       type: "call_hangup", resources: ["b"])?.first?["id"]?.stringValue)
            let (status, _) = try await send(base + "/v1.0/events/\(gone)", method: .GET, token: settled.key, json: nil)
            #expect(status == 200, "still there inside its window")
            try await receiver.wait(for: 1, at: "/up")
            try await receiver.wait(for: 1, at: "/down")
            try await eventually {
                try await send(base + "/v1.0/events/\(gone)", method: .GET, token: settled.key, json: nil).0 == 404
            }
            let (keptStatus, _) = try await send(base + "/v1.0/events/\(kept)", method: .GET, token: waiting.key, json: nil)
            #expect(keptStatus == 200, "a pending delivery keeps its event")
            let metrics = try await get(base + "/metrics")
            #expect(metrics.contains(#"ringback_purged_rows_total{table="events"} 1"#), "\(metrics.prefix(2000))")
        }
    }
}
