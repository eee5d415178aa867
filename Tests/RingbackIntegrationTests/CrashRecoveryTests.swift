import AsyncHTTPClient
import Foundation
import NIOCore
import RingbackCore
import RingbackTestSupport
import Synchronization
import Testing

/// The real binary, killed with SIGKILL in the middle of deliveries, then started again on the
/// same SQLite file: every event it accepted reaches the receiver at least once.
@Suite struct CrashRecoveryTests {
    static let adminToken = "crash-test-admin-token-0123"

    @Test func nothingAcceptedIsLostAcrossKill9() async throws {
        try await Receiver.run { receiver in
            // Slow answers and a small per-webhook bound keep deliveries behind publishing, so
            // the kill leaves accepted events undelivered.
            receiver.respond("/hook") { _, _ in .delayed(.milliseconds(20), 200) }
            let folder = try ChildProcess.temporaryFolder()
            let port = try ChildProcess.freePort()
            let environment = [
                "RINGBACK_ADMIN_TOKEN": Self.adminToken, "RINGBACK_PORT": String(port),
                "RINGBACK_ALLOW_INSECURE_URLS": "1", "RINGBACK_ALLOW_PRIVATE_TARGETS": "1",
                "RINGBACK_RETRY_SCHEDULE": "100ms,200ms,400ms", "RINGBACK_DELIVERY_TIMEOUT": "2s",
                "RINGBACK_MAX_IN_FLIGHT_PER_WEBHOOK": "8",
            ]
            let first = try ChildProcess(["serve"], environment: environment, directory: folder)
            try await waitUntilHealthy(port: port, child: first)
            let base = "http://127.0.0.1:\(port)"
            let customer = try await post(base + "/v1.0/customers", token: Self.adminToken, json: #"{"name":"crash"}"#)
            let customerID = try #require(customer["id"]?.stringValue, "\(String(decoding: customer.serialized(), as: UTF8.self))")
            let key = try #require(customer["accesskey"]?["token"]?.stringValue)
            _ = try await post(base + "/v1.0/webhooks", token: key,
                               json: #"{"url":"\#(receiver.url("/hook"))","event_types":["*"]}"#)

            // Publish in batches from several tasks while the node is killed midway.
            let accepted = Shared<Set<String>>([])
            let killed = Shared(false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for batch in 0..<25 {
                            guard let results = await publishBatch(
                                base, token: Self.adminToken, customerID: customerID, type: "call_hangup",
                                resources: (0..<10).map { "call-\(worker)-\(batch)-\($0)" })
                            else {
                                // Refused or cut off by the kill: not accepted, so not owed.
                                if killed.get() { return }
                                continue
                            }
                            accepted.update { $0.formUnion(results.compactMap { $0["id"]?.stringValue }) }
                        }
                    }
                }
                group.addTask {
                    try await receiver.wait(timeout: .seconds(60)) { $0.count >= 150 }
                    killed.update { $0 = true }
                    first.kill(SIGKILL)
                }
                try await group.waitForAll()
            }
            #expect(await first.waitForExit() != 0, "the server was killed")
            let owed = accepted.get()
            #expect(owed.count >= 150, "enough events were accepted before the kill to prove something")
            let deliveredBeforeRestart = Set(receiver.received.compactMap { $0.header("webhook-id") })
            #expect(!owed.subtracting(deliveredBeforeRestart).isEmpty, "the kill left accepted events undelivered")

            let server = try ChildProcess(["serve"], environment: environment, directory: folder)
            defer { server.kill(SIGKILL) }
            try await waitUntilHealthy(port: port, child: server)
            let delivered = try await receiver.wait(timeout: .seconds(120)) { requests in
                owed.isSubset(of: Set(requests.compactMap { $0.header("webhook-id") }))
            }
            #expect(owed.isSubset(of: Set(delivered.compactMap { $0.header("webhook-id") })))

            // The metrics name every series of the contract once deliveries have run.
            let metrics = try await get(base + "/metrics")
            for series in ["ringback_events_published_total", "ringback_attempts_total", "ringback_deliveries_pending",
                           "ringback_attempt_duration_seconds", "ringback_delivery_latency_seconds"] {
                #expect(metrics.contains(series), "\(series) missing from /metrics")
            }
            server.kill(SIGTERM)
            #expect(await server.waitForExit() == 0)
        }
    }
}

