import Foundation
import Hummingbird
import HummingbirdTesting
import RingbackAPI
import Logging
import RingbackCore
import RingbackDelivery
import RingbackSQLite
import RingbackStore
import RingbackTestSupport
import Testing

/// A real Ringback API on loopback over a fresh SQLite file, and a client for it.
struct APIHarness: Sendable {
    static let adminToken = "test-admin-token-0123456789"

    let client: any TestClientProtocol
    let store: any Store

    /// The delivery engine's settings for a test: short schedules, loopback targets allowed.
    struct Engine: Sendable {
        var schedule = RetrySchedule(parsing: "100ms,200ms")!
        var timeout: Duration = .seconds(5)
        var maxInFlight = 64
        var maxInFlightPerWebhook = 8
        var allowPrivateTargets = true
        var trustedCAPath: String?
        var disableAfter: Duration = .seconds(5 * 24 * 3600)
    }

    /// A new database file in a fresh temporary folder.
    static func temporaryDatabasePath() -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ringback-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("ringback.sqlite").path
    }

    /// Runs `body` against a live server on a fresh database of `backend` (SQLite at `path` when
    /// given); the store is closed afterwards.
    @discardableResult
    static func run<T: Sendable>(
        backend: Backend = .sqlite, path: String? = nil, allowInsecureURLs: Bool = false, engine: Engine? = nil,
        configure: (inout APIConfiguration) -> Void = { _ in },
        _ body: @Sendable (APIHarness) async throws -> T
    ) async throws -> T {
        let store: any Store = if let path { try SQLiteStore(path: path) } else { try await TestDatabase.store(backend) }
        let storeTask = Task { try? await store.run() }
        var dispatcher: Dispatcher?
        var engineTask: Task<Void, Never>?
        var senderTask: Task<Void, Never>?
        let result: Result<T, any Error>
        do {
            try await store.ready()
            if let engine {
                let sender = try WebhookSender(configuration: SenderConfiguration(
                    timeout: engine.timeout, allowPrivateTargets: engine.allowPrivateTargets, trustedCAPath: engine.trustedCAPath))
                senderTask = Task { try? await sender.run() }
                var configuration = DispatcherConfiguration(
                    schedule: engine.schedule, timeout: engine.timeout, maxInFlight: engine.maxInFlight,
                    maxInFlightPerWebhook: engine.maxInFlightPerWebhook, userAgent: "Ringback/test")
                configuration.disableAfter = engine.disableAfter
                let running = Dispatcher(store: store, sender: sender, configuration: configuration,
                                         logger: Logger(label: "test"), clock: SystemClock())
                dispatcher = running
                engineTask = Task { try? await running.run() }
            }
            var configuration = APIConfiguration(
                adminTokenHash: CredentialHash.of(adminToken), allowInsecureURLs: allowInsecureURLs, clock: SystemClock())
            configure(&configuration)
            let api = API(store: store, configuration: configuration)
            let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            result = .success(try await app.test(.live) { client in try await body(APIHarness(client: client, store: store)) })
        } catch {
            result = .failure(error)
        }
        // Attempts still in flight (a hanging receiver) are cancelled rather than waited for.
        dispatcher?.stop()
        engineTask?.cancel()
        await engineTask?.value
        senderTask?.cancel()
        await senderTask?.value
        storeTask.cancel()
        await storeTask.value
        return try result.get()
    }

    /// One request; `json` is sent as `application/json` unless `contentType` says otherwise.
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
              contentType: String? = "application/json") async throws -> Reply {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil, let contentType { headers[.contentType] = contentType }
        let response = try await client.executeRequest(
            uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return Reply(status: response.status, headers: response.headers, raw: String(buffer: response.body))
    }

    func admin(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil) async throws -> Reply {
        try await call(method, uri, token: Self.adminToken, json: json)
    }

    /// A new customer and its access key.
    func customer(_ name: String = "acme") async throws -> TestCustomer {
        let reply = try await admin(.post, "/v1.0/customers", json: #"{"name":"\#(name)"}"#)
        try #require(reply.status == .created, "\(reply.raw)")
        return TestCustomer(id: try reply.string("id"), token: try reply.string("accesskey", "token"))
    }

    /// A new webhook of `customer`, returned as the API showed it.
    func webhook(_ customer: TestCustomer, url: String = "https://example.com/hook",
                 eventTypes: String = #"["call_hangup"]"#, extra: String = "") async throws -> Reply {
        let reply = try await call(.post, "/v1.0/webhooks", token: customer.token,
                                   json: #"{"url":"\#(url)","event_types":\#(eventTypes)\#(extra)}"#)
        try #require(reply.status == .created, "\(reply.raw)")
        return reply
    }
}

struct TestCustomer: Sendable {
    let id: String
    let token: String
}

/// A response with its body parsed as JSON where it is JSON.
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let raw: String

    var json: JSONValue? { try? JSONParser.parse(Array(raw.utf8)) }

    /// The value at a path of object keys.
    func value(_ path: String...) -> JSONValue? {
        path.reduce(json) { value, key in value?[key] }
    }

    func string(_ path: String...) throws -> String {
        let value = path.reduce(json) { value, key in value?[key] }
        return try #require(value?.stringValue, "no string at \(path) in \(raw)")
    }

    var results: [JSONValue] {
        if case .array(let items)? = json?["result"] { return items }
        return []
    }

    /// Asserts an `application/problem+json` answer with this status, naming these fields.
    func expectProblem(_ status: HTTPResponse.Status, fields: [String] = [],
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(self.status == status, "\(raw)", sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        #expect(json?["status"] == .number(String(status.code)), "\(raw)", sourceLocation: sourceLocation)
        #expect(json?["type"] == .string("about:blank"), sourceLocation: sourceLocation)
        #expect(json?["title"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(json?["detail"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        let named: [String] = {
            guard case .array(let errors)? = json?["errors"] else { return [] }
            return errors.compactMap { $0["field"]?.stringValue }
        }()
        for field in fields {
            #expect(named.contains(field), "\(field) not in \(raw)", sourceLocation: sourceLocation)
        }
    }
}
