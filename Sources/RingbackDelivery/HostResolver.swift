import Foundation
import RingbackCore
import Synchronization

/// Resolves delivery hosts (contract sections 10 and 13): each lookup runs on a thread of its
/// own (`getaddrinfo` blocks and cannot be cancelled), at most `maxLookups` at once, never on
/// the event loops or the cooperative pool; attempts that wait for the same host share one
/// lookup; a waiting attempt leaves the moment its deadline cancels it. Answers are kept for a
/// while, so a busy endpoint does not cost a lookup per attempt.
final class HostResolver: Sendable {
    static let answerLifetime: Duration = .seconds(30)
    static let failureLifetime: Duration = .seconds(5)
    static let cacheLimit = 10_000

    enum Failure: Error, Sendable, Hashable {
        /// The name does not resolve.
        case notFound
    }

    /// One resolved address: its bytes (network order) and its text.
    struct Address: Sendable, Hashable {
        let bytes: [UInt8]
        let text: String
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<[Address], any Error>
    }

    private struct State {
        var answers: [String: (result: Result<[Address], Failure>, expires: ContinuousClock.Instant)] = [:]
        var waiting: [String: [Waiter]] = [:]
        var queued: [String] = []
        var running = 0
        var nextWaiter: UInt64 = 0
    }

    let maxLookups: Int
    private let state = Mutex(State())

    init(maxLookups: Int = 32) {
        self.maxLookups = maxLookups
    }

    /// The addresses of `host` (an IP literal is its own address).
    func addresses(of host: String) async throws -> [Address] {
        if let literal = Self.parseLiteral(host) { return [Address(bytes: literal, text: host)] }
        let now = ContinuousClock.now
        if let cached = state.withLock({ $0.answers[host] }), cached.expires > now { return try cached.result.get() }
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enum Step { case cancelled, launch, wait }
                let step = state.withLock { state -> Step in
                    if Task.isCancelled { return .cancelled }
                    let first = state.waiting[host] == nil
                    state.waiting[host, default: []].append(Waiter(id: id, continuation: continuation))
                    guard first else { return .wait }
                    guard state.running < maxLookups else {
                        state.queued.append(host)
                        return .wait
                    }
                    state.running += 1
                    return .launch
                }
                switch step {
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .launch: launch(host)
                case .wait: break
                }
            }
        } onCancel: {
            cancel(waiter: id, host: host)
        }
    }

    /// A cancelled attempt stops waiting; the lookup goes on for the others (and the cache).
    private func cancel(waiter id: UInt64, host: String) {
        let continuation = state.withLock { state -> CheckedContinuation<[Address], any Error>? in
            guard var waiters = state.waiting[host], let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            let waiter = waiters.remove(at: index)
            state.waiting[host] = waiters
            return waiter.continuation
        }
        continuation?.resume(throwing: CancellationError())
    }

    private func launch(_ host: String) {
        Thread.detachNewThread { [self] in
            let result = Self.lookup(host)
            finish(host, result)
        }
    }

    private func finish(_ host: String, _ result: Result<[Address], Failure>) {
        let (waiters, next) = state.withLock { state -> ([Waiter], String?) in
            let lifetime = (try? result.get()) == nil ? Self.failureLifetime : Self.answerLifetime
            if state.answers.count >= Self.cacheLimit { state.answers.removeAll() }
            state.answers[host] = (result, .now + lifetime)
            let waiters = state.waiting.removeValue(forKey: host) ?? []
            // Hand this thread's slot to the next queued host that still has someone waiting.
            while let next = state.queued.first {
                state.queued.removeFirst()
                if state.waiting[next]?.isEmpty == false { return (waiters, next) }
                state.waiting[next] = nil
            }
            state.running -= 1
            return (waiters, nil)
        }
        for waiter in waiters { waiter.continuation.resume(with: result.mapError { $0 }) }
        if let next { launch(next) }
    }

    static func parseLiteral(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// getaddrinfo, blocking.
    static func lookup(_ host: String) -> Result<[Address], Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return .failure(.notFound) }
        defer { freeaddrinfo(first) }
        var addresses: [Address] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = info.pointee.ai_addr {
                var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                if info.pointee.ai_family == AF_INET {
                    var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count))
                    addresses.append(Address(bytes: withUnsafeBytes(of: &v4) { Array($0) }, text: String(cString: buffer)))
                } else if info.pointee.ai_family == AF_INET6 {
                    var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count))
                    addresses.append(Address(bytes: withUnsafeBytes(of: &v6) { Array($0) }, text: String(cString: buffer)))
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses.isEmpty ? .failure(.notFound) : .success(addresses)
    }
}
