import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RingbackCore

/// A `ringback serve` under test, and a client for its API.
final class Server: @unchecked Sendable {
    static let adminToken = "bench-admin-token-0123456789"

    let child: Child
    let port: Int
    let client: HTTPClient
    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts the binary on `database` with the given extra options (flags), waiting until it answers.
    init(binary: String, database: String, folder: URL, name: String, options: [String] = [], client: HTTPClient) throws {
        port = Child.freePort()
        self.client = client
        child = try Child(binary, ["serve", "--port", String(port), "--database", database, "--allow-insecure-urls",
                                   "--allow-private-targets"] + options,
                          environment: ["RINGBACK_ADMIN_TOKEN": Self.adminToken],
                          log: folder.appendingPathComponent("ringback-\(name).log"))
        try waitForPort(port)
    }

    func stop() { child.stop() }

    /// One API call; answers the status and the parsed body.
    @discardableResult
    func call(_ method: HTTPMethod, _ path: String, token: String = adminToken, body: [UInt8]? = nil) async throws -> (Int, JSONValue) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), (try? JSONParser.parse(Array(bytes.readableBytesView))) ?? .null)
    }

    /// One API call whose answer is only counted, not read (as a publisher would: the
    /// benchmark's own parsing would take CPU from the server it measures).
    func status(_ method: HTTPMethod, _ path: String, token: String = adminToken, body: [UInt8]) async throws -> Int {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(120))
        for try await _ in response.body {}
        return Int(response.status.code)
    }

    /// A new customer: its id and access key.
    func customer(_ name: String) async throws -> (id: String, key: String) {
        let (status, reply) = try await call(.POST, "/v1.0/customers", body: Array(#"{"name":"\#(name)"}"#.utf8))
        guard status == 201, let id = reply["id"]?.stringValue, let key = reply["accesskey"]?["token"]?.stringValue else {
            throw BenchError("cannot create a customer: \(status)")
        }
        return (id, key)
    }

    /// A new webhook of the customer to `url`, subscribed to everything.
    @discardableResult
    func webhook(key: String, url: String) async throws -> String {
        let (status, reply) = try await call(.POST, "/v1.0/webhooks", token: key,
                                             body: Array(#"{"url":"\#(url)","event_types":["*"]}"#.utf8))
        guard status == 201, let id = reply["id"]?.stringValue else { throw BenchError("cannot create a webhook: \(status)") }
        return id
    }

    /// A Prometheus series' value (summed over its label sets).
    func metric(_ name: String, matching labels: String = "") async throws -> Double {
        let response = try await client.execute(HTTPClientRequest(url: base + "/metrics"), timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        var total = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name) && !line.hasPrefix("#") {
            let key = line.split(separator: " ").first ?? ""
            guard key == name || key.hasPrefix(name + "{"), labels.isEmpty || key.contains(labels) else { continue }
            total += Double(line.split(separator: " ").last ?? "0") ?? 0
        }
        return total
    }

    /// Successful attempts so far.
    func delivered() async throws -> Int {
        Int(try await metric("ringback_attempts_total", matching: #"result="succeeded""#))
    }

    /// Waits until `count` attempts have succeeded in all; answers when that happened.
    func waitDelivered(_ count: Int, timeout: Duration = .seconds(1800)) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await delivered() >= count { return .now }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("only \(try await delivered()) of \(count) deliveries within \(timeout)")
    }
}
