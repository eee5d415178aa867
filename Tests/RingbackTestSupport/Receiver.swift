import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import NIOSSL
import NIOCore
import RingbackCore
import Synchronization
import Testing

/// What a receiver does with one request.
public enum Behavior: Sendable {
    case status(Int, headers: [(String, String)] = [], body: String = "")
    /// Never answers (until the test ends).
    case hang
    /// Answers `status` after `delay`.
    case delayed(Duration, Int)
    /// Answers a redirect to another path of the same receiver.
    case redirect(to: String)
    /// Answers 200 at once, then one body byte every `interval`, for as long as it is read.
    case trickle(Duration)
    /// Answers `status` with raw body bytes (any bytes: NUL, invalid UTF-8).
    case bytes(Int, [UInt8])
    /// Answers `status` once the test opens the gate.
    case held(Gate, Int)
}

/// Holds answers back until a test opens it.
public final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    public init() {}

    public func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// One request as the receiver saw it.
public struct ReceivedRequest: Sendable {
    public let method: String
    public let path: String
    public let headers: [String: String]
    public let body: [UInt8]
    public let at: ContinuousClock.Instant

    public var json: JSONValue? { try? JSONParser.parse(body) }
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A real HTTP receiver on loopback that a test scripts: per path, a list of behaviors used in
/// order (the last one repeats), and every request recorded for the test to wait on.
public final class Receiver: Sendable {
    private struct State {
        var scripts: [String: [Behavior]] = [:]
        var deciders: [String: @Sendable (ReceivedRequest, [ReceivedRequest]) -> Behavior] = [:]
        var received: [ReceivedRequest] = []
        var waiters: [(count: @Sendable ([ReceivedRequest]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    private let portBox = Mutex(0)
    private let secure: Bool
    public var port: Int { portBox.withLock { $0 } }

    init(secure: Bool) {
        self.secure = secure
    }

    /// The receiver's URL for `path`: `https://localhost:PORT` when it serves TLS.
    public func url(_ path: String) -> String {
        secure ? "https://localhost:\(port)\(path)" : "http://127.0.0.1:\(port)\(path)"
    }

    /// Scripts what `path` answers, in order; the last behavior repeats.
    public func script(_ path: String, _ behaviors: Behavior...) {
        state.withLock { $0.scripts[path] = behaviors }
    }

    /// Decides per request what `path` answers, from the request and every earlier one at that path.
    public func respond(_ path: String, _ decide: @escaping @Sendable (ReceivedRequest, [ReceivedRequest]) -> Behavior) {
        state.withLock { $0.deciders[path] = decide }
    }

    public var received: [ReceivedRequest] { state.withLock { $0.received } }

    public func received(at path: String) -> [ReceivedRequest] { received.filter { $0.path == path } }

    /// Runs a receiver for the duration of `body`.
    public static func run<T: Sendable>(tls: TLSConfiguration? = nil,
                                        _ body: @Sendable (Receiver) async throws -> T) async throws -> T {
        let receiver = Receiver(secure: tls != nil)
        let router = Router()
        for method in [HTTPRequest.Method.post, .put] {
            router.on("**", method: method) { request, _ in try await receiver.handle(request) }
        }
        let started = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, server: try tls.map { try .tls(tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in started.continuation.yield(channel.localAddress?.port ?? 0) })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // A server that fails to start ends the wait for its port too.
                defer { started.continuation.finish() }
                try await app.runService(gracefulShutdownSignals: [])
            }
            var port: Int?
            for await bound in started.stream {
                port = bound
                break
            }
            guard let port else {
                try await group.next()
                throw CancellationError()
            }
            receiver.portBox.withLock { $0 = port }
            defer { group.cancelAll() }
            let result = try await body(receiver)
            receiver.releaseWaiters()
            return result
        }
    }

    private func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let path = request.uri.path
        let record = ReceivedRequest(method: request.method.rawValue, path: path, headers: headers,
                                     body: Array(body.readableBytesView), at: .now)
        let (behavior, ready) = state.withLock { state -> (Behavior, [CheckedContinuation<Void, Never>]) in
            let earlier = state.received.filter { $0.path == path }
            state.received.append(record)
            let behavior: Behavior
            if let decide = state.deciders[path] {
                behavior = decide(record, earlier)
            } else {
                var script = state.scripts[path] ?? [.status(200)]
                behavior = script.count > 1 ? script.removeFirst() : script[0]
                state.scripts[path] = script
            }
            let all = state.received
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiters.removeAll { waiter in
                guard waiter.count(all) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return (behavior, ready)
        }
        for continuation in ready { continuation.resume() }
        switch behavior {
        case .status(let code, let extra, let text):
            var fields = HTTPFields()
            for (name, value) in extra { fields[HTTPField.Name(name)!] = value }
            return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
        case .hang:
            try? await Task.sleep(for: .seconds(3600))
            return Response(status: .serviceUnavailable)
        case .delayed(let delay, let code):
            try? await Task.sleep(for: delay)
            return Response(status: .init(code: code))
        case .redirect(let target):
            return Response(status: .found, headers: [.location: url(target)])
        case .trickle(let interval):
            return Response(status: .ok, body: ResponseBody { writer in
                while !Task.isCancelled {
                    try await writer.write(ByteBuffer(string: "x"))
                    try await Task.sleep(for: interval)
                }
                try await writer.finish(nil)
            })
        case .held(let gate, let code):
            await gate.wait()
            return Response(status: .init(code: code))
        case .bytes(let code, let bytes):
            return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// Waits until `condition` holds for the requests received so far, failing after `timeout`.
    @discardableResult
    public func wait(timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
              until condition: @escaping @Sendable ([ReceivedRequest]) -> Bool) async throws -> [ReceivedRequest] {
        let satisfied = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let now = self.state.withLock { state -> Bool in
                        if condition(state.received) { return true }
                        state.waiters.append((condition, continuation))
                        return false
                    }
                    if now { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            if !first { self.releaseWaiters() }
            group.cancelAll()
            return first
        }
        let received = self.received
        guard satisfied else {
            Issue.record("the receiver's condition did not hold within \(timeout); got \(received.count) requests: \(received.map(\.path))",
                         sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return received
    }

    /// Waits until `path` has received `count` requests.
    @discardableResult
    public func wait(for count: Int, at path: String, timeout: Duration = .seconds(20),
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> [ReceivedRequest] {
        try await wait(timeout: timeout, sourceLocation: sourceLocation) { $0.filter { $0.path == path }.count >= count }
            .filter { $0.path == path }
    }

    private func releaseWaiters() {
        let waiters = state.withLock { state in
            defer { state.waiters.removeAll() }
            return state.waiters.map(\.continuation)
        }
        for continuation in waiters { continuation.resume() }
    }
}
