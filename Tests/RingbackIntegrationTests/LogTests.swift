import Foundation
import RingbackCore
import RingbackTestSupport
import Testing

/// Contract section 19: JSON logs, one object per line, and never a secret in them.
@Suite struct LogTests {
    @Test func jsonLogsOfAFullRunAreObjectsAndHoldNoSecret() async throws {
        try await Receiver.run { receiver in
            receiver.script("/failing", .status(500))
            let port = try ChildProcess.freePort()
            let server = try ChildProcess(["serve", "--log-format", "json", "--log-level", "trace",
                                           "--retry-schedule", "100ms,100ms"],
                                          environment: IsolationTests.environment(port: port),
                                          directory: try ChildProcess.temporaryFolder())
            defer { server.kill(SIGKILL) }
            try await waitUntilHealthy(port: port, child: server)
            let base = "http://127.0.0.1:\(port)"
            let customer = try await createCustomer(base, token: IsolationTests.adminToken, name: "logs")
            let good = try await createWebhook(base, key: customer.key, url: receiver.url("/ok"))
            let failing = try await createWebhook(base, key: customer.key, url: receiver.url("/failing"))
            var secrets: [String] = []
            for webhook in [good, failing] {
                let (_, secret) = try await send(base + "/v1.0/webhooks/\(webhook)/secret", method: .GET, token: customer.key, json: nil)
                secrets += [secret["secret"]?.stringValue].compactMap { $0 }
                let (_, rotated) = try await send(base + "/v1.0/webhooks/\(webhook)/secret/rotate", token: customer.key, json: nil)
                secrets += [rotated["secret"]?.stringValue].compactMap { $0 }
            }
            #expect(secrets.count == 4)
            let second = try await send(base + "/v1.0/customers/\(customer.id)/accesskeys", token: IsolationTests.adminToken, json: nil)
            let secondKey = try #require(second.1["token"]?.stringValue)
            _ = await publishBatch(base, token: IsolationTests.adminToken, customerID: customer.id, type: "call_hangup",
                                   resources: ["c1", "c2"])
            try await receiver.wait(for: 2, at: "/ok")
            try await receiver.wait(for: 6, at: "/failing")
            // Refused credentials are logged as refusals, not as what was tried.
            _ = try await send(base + "/v1.0/webhooks", method: .GET, token: customer.key + "x", json: nil)
            _ = try await send(base + "/v1.0/customers", method: .GET, token: IsolationTests.adminToken + "x", json: nil)
            // Section 19's metrics are there.
            let metrics = try await get(base + "/metrics")
            for series in [#"ringback_attempt_errors_total{error_code="status"}"#, #"ringback_webhooks{health="healthy"}"#,
                           "ringback_claim_batch_size", #"ringback_store_transaction_seconds_count{operation="claim"}"#,
                           #"ringback_store_transaction_seconds_count{operation="record"}"#,
                           #"ringback_store_transaction_seconds_count{operation="publish"}"#,
                           #"ringback_purged_rows_total{table="events"}"#, "ringback_event_streams_open"] {
                #expect(metrics.contains(series), "\(series) is missing")
            }
            server.kill(SIGTERM)
            #expect(await server.waitForExit() == 0)

            let logs = server.output.stderr
            let lines = logs.split(separator: "\n")
            #expect(lines.count > 10, "a trace-level run says something: \(logs.prefix(300))")
            for line in lines {
                let object = try? JSONParser.parse(Array(line.utf8))
                #expect(object?["timestamp"]?.stringValue.flatMap(Timestamp.parse) != nil, "\(line)")
                #expect(["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(object?["level"]?.stringValue ?? "?"))
                #expect(object?["message"]?.stringValue != nil, "\(line)")
            }
            for secret in secrets + [customer.key, secondKey, IsolationTests.adminToken] {
                #expect(!logs.contains(secret), "a secret, key or token is in the logs")
                #expect(!logs.contains(String(secret.suffix(24))), "a part of a secret, key or token is in the logs")
            }
        }
    }
}
