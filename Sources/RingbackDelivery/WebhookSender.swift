import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import RingbackCore
import Synchronization

/// How the sender connects.
public struct SenderConfiguration: Sendable {
    /// Whole-request limit of one attempt.
    public var timeout: Duration
    /// Skip the address guard (development and tests only).
    public var allowPrivateTargets: Bool
    /// Extra PEM CA bundle trusted for HTTPS deliveries.
    public var trustedCAPath: String?
    /// Connections to one host at once (several webhooks may share a host).
    public var connectionsPerHost: Int

    public init(timeout: Duration, allowPrivateTargets: Bool, trustedCAPath: String? = nil, connectionsPerHost: Int = 512) {
        self.timeout = timeout
        self.allowPrivateTargets = allowPrivateTargets
        self.trustedCAPath = trustedCAPath
        self.connectionsPerHost = connectionsPerHost
    }
}

/// One HTTP request of an attempt.
public struct OutgoingRequest: Sendable {
    public let url: String
    public let method: WebhookMethod
    public let headers: [(String, String)]
    public let body: [UInt8]
}

/// What the receiver answered, or why it did not.
public struct SendResult: Sendable {
    public let statusCode: Int?
    public let error: AttemptError?
    public let responseBody: String?
    public let retryAfter: Duration?
}

/// Sends attempts with AsyncHTTPClient: no redirects, explicit timeouts and pool size, and (unless
/// private targets are allowed) a pinned connection to the address the guard checked.
public final class WebhookSender: Sendable {
    static let responseBodyLimit = 4096
    /// Read at most this much of a response, to keep its connection reusable; then give up on it.
    static let responseDrainLimit = 64 * 1024

    let configuration: SenderConfiguration
    private let baseConfiguration: HTTPClient.Configuration
    private let directClient: HTTPClient
    private let guardian = AddressGuard()
    /// Clients whose DNS is pinned to one checked address, by host and address.
    private let pinned = Mutex<[AddressGuard.Target: HTTPClient]>([:])

    public init(configuration: SenderConfiguration) throws {
        self.configuration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        if let path = configuration.trustedCAPath {
            tls.additionalTrustRoots = [.file(path)]
        }
        let timeout = TimeAmount.milliseconds(configuration.timeout.milliseconds)
        var client = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: timeout, read: timeout),
            connectionPool: .init(idleTimeout: .seconds(60),
                                  concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.connectionsPerHost),
            decompression: .disabled)
        client.httpVersion = .http1Only
        baseConfiguration = client
        directClient = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: client)
    }

    /// Sends one request and classifies the outcome. Never throws: every failure is a result.
    public func send(_ request: OutgoingRequest, logger: Logger) async -> SendResult {
        let client: HTTPClient
        do {
            client = try await self.client(for: request.url)
        } catch AddressGuard.Failure.blocked {
            return SendResult(statusCode: nil, error: .blockedPrivateAddress, responseBody: nil, retryAfter: nil)
        } catch {
            return SendResult(statusCode: nil, error: .dnsFailure, responseBody: nil, retryAfter: nil)
        }
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method == .put ? .PUT : .POST
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        do {
            let deadline = NIODeadline.now() + .milliseconds(configuration.timeout.milliseconds)
            let response = try await client.execute(outgoing, deadline: deadline, logger: logger)
            let status = Int(response.status.code)
            let body = await Self.readBody(response)
            let retryAfter = response.headers.first(name: "retry-after").flatMap {
                RetryAfter.parse($0, nowSeconds: Int64(Date().timeIntervalSince1970))
            }
            let error: AttemptError? = switch status {
            case 200..<300: nil
            case 300..<400: .redirect(status)
            default: .status(status)
            }
            return SendResult(statusCode: status, error: error, responseBody: body, retryAfter: retryAfter)
        } catch {
            return SendResult(statusCode: nil, error: Self.classify(error), responseBody: nil, retryAfter: nil)
        }
    }

    /// The first 4 KiB of the body as text; the rest (up to a limit) is read and dropped.
    static func readBody(_ response: HTTPClientResponse) async -> String? {
        var kept: [UInt8] = []
        var total = 0
        do {
            for try await chunk in response.body {
                total += chunk.readableBytes
                if kept.count < responseBodyLimit {
                    kept += chunk.readableBytesView.prefix(responseBodyLimit - kept.count)
                }
                if total > responseDrainLimit { break }
            }
        } catch {
            // A body cut short still tells what arrived.
        }
        return kept.isEmpty ? nil : String(decoding: kept, as: UTF8.self)
    }

    static func classify(_ error: any Error) -> AttemptError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .tlsHandshakeTimeout,
                 .getConnectionFromPoolTimeout:
                return .timeout
            case .remoteConnectionClosed:
                return .connectionReset
            default:
                break
            }
        }
        if error is NIOSSLError || error is BoringSSLError || String(describing: type(of: error)).contains("SSL") {
            return .tls(String(describing: error).prefix(200).description)
        }
        let text = String(describing: error)
        if text.contains("ECONNREFUSED") || text.localizedCaseInsensitiveContains("connection refused") {
            return .connectionRefused
        }
        if text.contains("ECONNRESET") || text.localizedCaseInsensitiveContains("reset by peer") {
            return .connectionReset
        }
        if text.localizedCaseInsensitiveContains("timeout") || text.localizedCaseInsensitiveContains("timed out") {
            return .timeout
        }
        return .other("connection failed: " + text.prefix(200))
    }

    /// The direct client when private targets are allowed; else a client pinned to the checked address.
    private func client(for url: String) async throws -> HTTPClient {
        guard !configuration.allowPrivateTargets else { return directClient }
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else { throw AddressGuard.Failure.lookupFailed }
        let target = try await guardian.check(host: host)
        if target.address == host || "[\(target.address)]" == host { return directClient }
        let (client, retired) = pinned.withLock { clients -> (HTTPClient, [HTTPClient]) in
            if let client = clients[target] { return (client, []) }
            var retired: [HTTPClient] = []
            // Keep the cache bounded: a host whose address changed gets a new client.
            if clients.count >= 1024 {
                retired = Array(clients.values)
                clients.removeAll()
            }
            var configuration = baseConfiguration
            configuration.dnsOverride = [host: target.address]
            let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
            clients[target] = client
            return (client, retired)
        }
        if !retired.isEmpty {
            let grace = configuration.timeout * 2
            Task {
                try? await Task.sleep(for: grace)
                for client in retired { try? await client.shutdown() }
            }
        }
        return client
    }

    /// Closes every connection.
    public func shutdown() async {
        try? await directClient.shutdown()
        let clients = pinned.withLock { clients in
            defer { clients.removeAll() }
            return Array(clients.values)
        }
        for client in clients { try? await client.shutdown() }
    }
}
