import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import RingbackCore
import RingbackStore
import ServiceLifecycle
import Synchronization

/// How the sender connects.
public struct SenderConfiguration: Sendable {
    /// The whole attempt: lookup, connect, TLS, request, the answer's head and its body.
    public var timeout: Duration
    /// Allow loopback, private and link-local targets (development and tests only).
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
    public let headers: HTTPHeaders
    public let body: ByteBuffer

    public init(url: String, method: WebhookMethod, headers: HTTPHeaders, body: ByteBuffer) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }
}

/// What a receiver sent back, as received: interpreted by `ReceiverAnswer`.
public struct ReceivedAnswer: Sendable {
    public let status: Int
    public let retryAfter: [String]
    /// The first bytes of the body (at most `ReceiverAnswer.bodyLimit`).
    public let body: [UInt8]
}

/// Sends attempts with AsyncHTTPClient: no redirects, one deadline for the whole attempt, and a
/// connection only to an address the resolver checked (contract sections 10 and 13).
public final class WebhookSender: Service, Sendable {
    /// Read at most this much of a response, to keep its connection reusable; then give up on it.
    static let responseDrainLimit = 64 * 1024
    /// Clients pinned to addresses kept at most; beyond it they are retired and replaced.
    static let pinnedLimit = 1024

    public let configuration: SenderConfiguration
    private let baseConfiguration: HTTPClient.Configuration
    private let directClient: HTTPClient
    private let resolver: HostResolver
    private let clients = Mutex(Clients())
    private let retiring = WakeSignal()

    private struct Clients {
        /// Clients whose name resolution is pinned to one checked address, by host and address.
        var pinned: [Target: HTTPClient] = [:]
        /// Replaced clients, shut down once attempts on them are over.
        var retired: [(client: HTTPClient, after: ContinuousClock.Instant)] = []
        var stopped = false
    }

    /// A checked address to connect to for a host, exactly as the HTTP client names it.
    struct Target: Sendable, Hashable {
        let host: String
        let address: String
    }

    public init(configuration: SenderConfiguration) throws {
        self.configuration = configuration
        resolver = HostResolver(bound: configuration.timeout)
        var tls = TLSConfiguration.makeClientConfiguration()
        if let path = configuration.trustedCAPath {
            tls.additionalTrustRoots = [.file(path)]
        }
        let timeout = TimeAmount.milliseconds(configuration.timeout.milliseconds)
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.connectionsPerHost)
        // A refused connection or a failed handshake fails the attempt now, not at its deadline.
        pool.retryConnectionEstablishment = false
        var client = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: timeout, read: timeout), connectionPool: pool, decompression: .disabled)
        client.httpVersion = .http1Only
        client.tracing.tracer = nil
        baseConfiguration = client
        directClient = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: client)
    }

    /// Shuts retired clients down as their attempts end; closes every client on shutdown.
    public func run() async throws {
        await withGracefulShutdownHandler {
            while !clients.withLock({ $0.stopped }), !Task.isCancelled {
                let clock = SystemClock()
                await retiring.wait(until: clock.now + configuration.timeout.milliseconds, on: clock)
                let due = clients.withLock { clients -> [HTTPClient] in
                    let now = ContinuousClock.now
                    let due = clients.retired.filter { $0.after <= now }.map(\.client)
                    clients.retired.removeAll { $0.after <= now }
                    return due
                }
                for client in due { try? await client.shutdown() }
            }
        } onGracefulShutdown: {
            self.clients.withLock { $0.stopped = true }
            self.retiring.signal()
        }
        let all = clients.withLock { clients in
            defer { clients.pinned.removeAll(); clients.retired.removeAll() }
            return Array(clients.pinned.values) + clients.retired.map(\.client)
        }
        for client in all + [directClient] { try? await client.shutdown() }
    }

    /// Makes one attempt within the timeout. Never throws: every failure is an `AttemptError`.
    public func send(_ request: OutgoingRequest, logger: Logger) async -> Result<ReceivedAnswer, AttemptError> {
        let deadline = ContinuousClock.now + configuration.timeout
        let phase = PhaseBox()
        do {
            return .success(try await Self.withDeadline(deadline) {
                try await self.exchange(request, deadline: deadline, phase: phase, logger: logger)
            })
        } catch is DeadlineExceeded {
            return .failure(.timeout(phase.value.withLock { $0.description } + " (after \(DurationText.format(configuration.timeout)))"))
        } catch {
            return .failure(.transport(error))
        }
    }

    /// Where an attempt is, for the text of a timeout.
    enum Phase: CustomStringConvertible {
        case resolving, waiting, reading

        var description: String {
            switch self {
            case .resolving: "resolving the host"
            case .waiting: "waiting for the answer"
            case .reading: "reading the answer's body"
            }
        }
    }

    /// An attempt's phase, shared with the task that runs it.
    final class PhaseBox: Sendable {
        let value = Mutex(Phase.resolving)
    }

    struct DeadlineExceeded: Error {}

    /// Runs `body`, cancelling it at `deadline`; every step of an attempt ends on cancellation.
    static func withDeadline<T: Sendable>(_ deadline: ContinuousClock.Instant,
                                          _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard case let value?? = try await group.next() else { throw DeadlineExceeded() }
            return value
        }
    }

    private func exchange(_ request: OutgoingRequest, deadline: ContinuousClock.Instant, phase: PhaseBox,
                          logger: Logger) async throws -> ReceivedAnswer {
        let client = try await client(for: request.url)
        phase.value.withLock { $0 = .waiting }
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method == .put ? .PUT : .POST
        outgoing.headers = request.headers
        outgoing.body = .bytes(request.body)
        let remaining = deadline - .now
        let response = try await client.execute(
            outgoing, deadline: .now() + .milliseconds(max(0, remaining.milliseconds)), logger: logger)
        phase.value.withLock { $0 = .reading }
        var kept: [UInt8] = []
        var total = 0
        for try await chunk in response.body {
            total += chunk.readableBytes
            if kept.count < ReceiverAnswer.bodyLimit {
                kept += chunk.readableBytesView.prefix(ReceiverAnswer.bodyLimit - kept.count)
            }
            // Enough read: the connection is given up rather than drained further.
            if total > Self.responseDrainLimit { break }
        }
        return ReceivedAnswer(status: Int(response.status.code), retryAfter: response.headers["retry-after"], body: kept)
    }

    /// The host the HTTP client connects to for `url`, as it derives it (Foundation's
    /// `URL.host`, brackets of an IPv6 literal removed): the name that is resolved, checked
    /// and pinned, so that the connection can only go to the checked address.
    static func connectHost(_ url: String) -> String? {
        guard var host = URL(string: url)?.host, !host.isEmpty else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// A client that connects only to a checked address of the URL's host.
    private func client(for url: String) async throws -> HTTPClient {
        guard let host = Self.connectHost(url) else { throw AttemptError.dnsFailure }
        let addresses: [HostResolver.Address]
        do {
            addresses = try await resolver.addresses(of: host)
        } catch is HostResolver.Failure {
            throw AttemptError.dnsFailure
        }
        // Every address must be allowed: a name that resolves to one private address is refused.
        if !configuration.allowPrivateTargets, addresses.contains(where: { AddressPolicy.isBlocked($0.bytes) }) {
            throw AttemptError.blockedPrivateAddress
        }
        // An IP literal is its own address: the client connects to it without a lookup.
        if HostResolver.parseLiteral(host) != nil { return directClient }
        // A name the client would take for an address would bypass the pin: never send it.
        if (try? SocketAddress(ipAddress: host, port: 0)) != nil { throw AttemptError.blockedUnpinnedHost }
        let target = Target(host: host, address: addresses[0].text)
        return clients.withLock { clients in
            if let client = clients.pinned[target] { return client }
            if clients.pinned.count >= Self.pinnedLimit {
                let after = ContinuousClock.now + configuration.timeout * 2
                clients.retired += clients.pinned.values.map { ($0, after) }
                clients.pinned.removeAll()
            }
            var configuration = baseConfiguration
            configuration.dnsOverride = [target.host: target.address]
            let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
            clients.pinned[target] = client
            return client
        }
    }
}
