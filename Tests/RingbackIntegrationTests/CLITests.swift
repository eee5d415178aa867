import AsyncHTTPClient
import Foundation
import RingbackCore
import Testing

@Suite struct CLITests {
    static let badOptions: [(arguments: [String], environment: [String: String], named: String)] = [
        (["serve", "--port", "eighty"], [:], "--port"),
        (["serve", "--port", "70000"], [:], "--port"),
        (["serve"], ["RINGBACK_PORT": "-1"], "RINGBACK_PORT"),
        (["serve", "--delivery-timeout", "5x"], [:], "--delivery-timeout"),
        (["serve"], ["RINGBACK_DELIVERY_TIMEOUT": "soon"], "RINGBACK_DELIVERY_TIMEOUT"),
        (["serve", "--retry-schedule", "5s,,5m"], [:], "--retry-schedule"),
        (["serve", "--database", "mysql://localhost/db"], [:], "--database"),
        (["serve"], ["RINGBACK_DATABASE_URL": "sqlite:"], "RINGBACK_DATABASE_URL"),
        (["serve", "--admin-token", "short"], [:], "--admin-token"),
        (["serve"], ["RINGBACK_ALLOW_INSECURE_URLS": "perhaps"], "--allow-insecure-urls"),
        (["serve", "--trust-ca", "/nonexistent/ca.pem"], [:], "--trust-ca"),
        (["serve", "--max-in-flight", "0"], [:], "--max-in-flight"),
        (["serve", "--delivery-timeout", "5s", "--delivery-lease", "1s"], [:], "--delivery-lease"),
        (["serve", "--database", "postgres://no-user-here"], [:], "--database"),
        (["migrate", "--database", "oracle:x"], [:], "--database"),
        (["serve", "--log-format", "yaml"], [:], "--log-format"),
        (["serve"], ["RINGBACK_LOG_FORMAT": "xml"], "--log-format"),
        (["serve", "--portal-session-ttl", "10s"], [:], "--portal-session-ttl"),
        (["serve"], ["RINGBACK_PORTAL_SESSION_TTL": "forever"], "RINGBACK_PORTAL_SESSION_TTL"),
        (["serve", "--public-url", "ftp://hooks.example.com"], [:], "--public-url"),
        (["serve", "--public-url", "https://hooks.example.com/?a=1"], [:], "--public-url"),
        (["serve", "--public-url", "https://hooks.example.com/ringback"], [:], "--public-url"),
    ]

    @Test(arguments: badOptions.indices)
    func aBadOptionValueExits64WithOneLine(_ index: Int) async throws {
        let bad = Self.badOptions[index]
        let folder = try ChildProcess.temporaryFolder()
        let (status, _, stderr) = try await ChildProcess.run(bad.arguments, environment: bad.environment, directory: folder)
        #expect(status == 64, "\(bad.arguments) \(bad.environment): \(stderr)")
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(stderr)")
        #expect(stderr.contains(bad.named), "\(stderr)")
    }

    /// The catalog, the OpenAPI document and the portal are compiled in: a copy of the binary
    /// alone in an empty folder serves them all.
    @Test func aCopiedBinaryNeedsNothingBesideIt() async throws {
        let folder = try ChildProcess.temporaryFolder()
        let copy = folder.appendingPathComponent("ringback")
        try FileManager.default.copyItem(at: ChildProcess.binary, to: copy)
        let port = try ChildProcess.freePort()
        let server = try ChildProcess(["serve"], environment: IsolationTests.environment(port: port), directory: folder, binary: copy)
        defer { server.kill(SIGKILL) }
        try await waitUntilHealthy(port: port, child: server)
        let base = "http://127.0.0.1:\(port)"
        #expect(try await get(base + "/portal").contains("portal.js"))
        #expect(try await get(base + "/v1.0/openapi.json").contains("\"openapi\""))
        let types = try await send(base + "/v1.0/webhook-event-types/call_hangup", method: .GET, token: IsolationTests.adminToken, json: nil)
        #expect(types.0 == 200 && types.1["example"] != nil, "\(types)")
    }

    @Test func flagsWinOverTheEnvironment() async throws {
        let folder = try ChildProcess.temporaryFolder()
        // A bad environment value is overridden by a good flag, so the flag's value is what is checked.
        let (status, _, stderr) = try await ChildProcess.run(
            ["migrate", "--database", "sqlite:\(folder.path)/db.sqlite"],
            environment: ["RINGBACK_DATABASE_URL": "nonsense"], directory: folder)
        #expect(status == 0, "\(stderr)")
    }

    @Test func customersCreatePrintsJSONAloneOnStdout() async throws {
        let folder = try ChildProcess.temporaryFolder()
        let database = "sqlite:\(folder.path)/db.sqlite"
        let (migrated, _, _) = try await ChildProcess.run(["migrate", "--database", database], directory: folder)
        #expect(migrated == 0)
        let (status, stdout, stderr) = try await ChildProcess.run(
            ["customers", "create", "--name", "acme", "--detail", "first customer"],
            environment: ["RINGBACK_DATABASE_URL": database], directory: folder)
        #expect(status == 0, "\(stderr)")
        let json = try JSONParser.parse(Array(stdout.utf8))
        #expect(json["name"] == .string("acme"))
        #expect(json["detail"] == .string("first customer"))
        #expect(json["accesskey"]?["token"]?.stringValue?.hasPrefix("rbk_") == true)
        #expect(json["id"]?.stringValue.flatMap(UUID.init(uuidString:)) != nil)
        #expect(!stderr.contains(json["accesskey"]?["token"]?.stringValue ?? "?"))
    }

    @Test func serveUsesRingbackSqliteInTheWorkingDirectoryByDefault() async throws {
        let folder = try ChildProcess.temporaryFolder()
        let port = try ChildProcess.freePort()
        let child = try ChildProcess(["serve", "--port", String(port)], directory: folder)
        defer { child.kill() }
        try await waitUntilHealthy(port: port, child: child)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ringback.sqlite").path))

        // A second serve on the same file refuses to start, saying why.
        let (status, _, stderr) = try await ChildProcess.run(["serve", "--port", String(try ChildProcess.freePort())], directory: folder)
        #expect(status != 0 && status != nil)
        #expect(stderr.contains("another ringback process"), "\(stderr)")

        child.kill(SIGTERM)
        #expect(await child.waitForExit() == 0, "SIGTERM is a clean shutdown")
        let (_, stderrOfFirst) = child.output
        #expect(stderrOfFirst.contains("WARNING"), "a generated admin token comes with a warning")
    }
}

/// Polls `/healthz` until it answers 200, failing after `timeout`, or at once when `child`
/// (the server expected on that port) has exited.
func waitUntilHealthy(port: Int, child: ChildProcess? = nil, timeout: Duration = .seconds(30)) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let child, !child.process.isRunning {
            Issue.record("ringback for port \(port) exited: \(child.output.stderr.suffix(500))")
            throw CancellationError()
        }
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz")
        if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("ringback on port \(port) did not become healthy")
    throw CancellationError()
}
