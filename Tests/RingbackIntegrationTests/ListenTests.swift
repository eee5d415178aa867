import Foundation
import RingbackCore
import RingbackReceiver
import RingbackTestSupport
import Testing

/// `ringback listen` end to end: a real server, `listen` as a child process, a loopback
/// receiver that checks each request as a receiver of deliveries would.
@Suite struct ListenTests {
    static let secret = WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!

    /// Whether a request verifies with the receivers' library, both signatures.
    static func isSigned(_ request: ReceivedRequest) -> Bool {
        guard let verifier = try? WebhookVerifier(secrets: [secret.text]) else { return false }
        return (try? verifier.verify(headers: request.headers, body: request.body)) != nil
            && (try? verifier.verifyVoipbin(signature: request.header("x-voipbin-signature"), body: request.body)) != nil
    }

    @Test func eventsAreForwardedSignedInOrderAcrossAReconnectAndSIGTERMEndsIt() async throws {
        try await Receiver.run { receiver in
            let folder = try ChildProcess.temporaryFolder()
            let port = try ChildProcess.freePort()
            var server = try ChildProcess(["serve"], environment: IsolationTests.environment(port: port), directory: folder)
            defer { server.kill(SIGKILL) }
            try await waitUntilHealthy(port: port, child: server)
            let base = "http://127.0.0.1:\(port)"
            let customer = try await createCustomer(base, token: IsolationTests.adminToken, name: "dev")

            let listen = try ChildProcess(["listen", "--server", base, "--accesskey", customer.key, "--forward-to",
                                           receiver.url("/hook"), "--event-types", "call.*", "--secret", Self.secret.text])
            defer { listen.kill(SIGKILL) }
            try await eventually { listen.output.stderr.contains("connected") }
            let first = try #require(await publishBatch(base, token: IsolationTests.adminToken, customerID: customer.id,
                                                        type: "call_ringing", resources: (0..<5).map { "c\($0)" }))
            _ = await publishBatch(base, token: IsolationTests.adminToken, customerID: customer.id, type: "message_created",
                                   resources: ["m0"])
            try await receiver.wait(for: 5, at: "/hook")

            // The server goes away and comes back: listen resumes after the last event it had.
            server.kill(SIGKILL)
            _ = await server.waitForExit()
            server = try ChildProcess(["serve"], environment: IsolationTests.environment(port: port), directory: folder)
            try await waitUntilHealthy(port: port, child: server)
            let second = try #require(await publishBatch(base, token: IsolationTests.adminToken, customerID: customer.id,
                                                         type: "call_hangup", resources: (0..<5).map { "c\($0)" }))
            let received = try await receiver.wait(for: 10, at: "/hook", timeout: .seconds(30))
            #expect(received.count == 10)
            let expected = (first + second).compactMap { $0["id"]?.stringValue }
            #expect(received.map { $0.header("webhook-id") } == expected, "in order, once each, no message")
            #expect(received.allSatisfy(Self.isSigned), "signed as deliveries are")
            #expect(received.allSatisfy { $0.json?["data"]?["id"] != nil && $0.header("content-type") == "application/json" })
            try await eventually { listen.output.stdout.split(separator: "\n").count >= 10 }
            let lines = listen.output.stdout.split(separator: "\n")
            #expect(lines.count == 10, "\(listen.output.stdout)")
            #expect(lines.allSatisfy { $0.contains("-> 200 (") && $0.hasSuffix(" ms)") }, "\(lines)")
            #expect(lines.first?.contains("call_ringing \(expected[0])") == true)

            listen.kill(SIGTERM)
            #expect(await listen.waitForExit() == 0)
        }
    }

    @Test func badOptionsAndKeysSayWhyInOneLine() async throws {
        let port = try ChildProcess.freePort()
        let server = try ChildProcess(["serve"], environment: IsolationTests.environment(port: port),
                                      directory: try ChildProcess.temporaryFolder())
        defer { server.kill(SIGKILL) }
        try await waitUntilHealthy(port: port, child: server)
        let base = "http://127.0.0.1:\(port)"
        let customer = try await createCustomer(base, token: IsolationTests.adminToken, name: "dev")
        // Port 1: nothing listens there (a free port could be taken by another test meanwhile).
        let closed = "http://127.0.0.1:1"
        let hook = "http://127.0.0.1:9/hook"
        let cases: [(arguments: [String], status: Int32, says: String)] = [
            (["--server", "ftp://x", "--accesskey", customer.key, "--forward-to", hook], 64, "--server"),
            (["--server", base, "--accesskey", customer.key, "--forward-to", "localhost:3000"], 64, "--forward-to"),
            (["--server", base, "--forward-to", hook], 64, "--accesskey"),
            (["--server", base, "--accesskey", "rbk_wrong", "--forward-to", hook], 64, "access key was refused"),
            (["--server", base, "--accesskey", customer.key, "--forward-to", hook, "--secret", "hunter2"], 64, "--secret"),
            (["--server", base, "--accesskey", customer.key, "--forward-to", hook, "--event-types", "calls"], 64, "--event-types"),
            (["--server", closed, "--accesskey", customer.key, "--forward-to", hook], 69, "cannot reach"),
        ]
        for bad in cases {
            let (status, _, stderr) = try await ChildProcess.run(["listen"] + bad.arguments, environment: ["RINGBACK_ACCESSKEY": ""])
            #expect(status == bad.status, "\(bad.arguments): \(stderr)")
            let lines = stderr.split(separator: "\n").filter { !$0.hasPrefix("ringback listen: forwarding") }
            #expect(lines.count == 1, "\(bad.arguments): \(stderr)")
            #expect(stderr.contains(bad.says), "\(bad.arguments): \(stderr)")
            #expect(!stderr.contains(customer.key), "the key never shows")
        }
    }
}

/// Polls `condition` until it holds, failing after 20 s.
func eventually(_ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let deadline = ContinuousClock.now + .seconds(20)
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("the condition did not hold in time", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
