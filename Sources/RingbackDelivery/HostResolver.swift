import Foundation
import RingbackCore
import Synchronization

/// Resolves delivery hosts (contract sections 10 and 13). Each lookup runs on a thread of its
/// own (`getaddrinfo` blocks and cannot be cancelled), never on the event loops or the
/// cooperative pool. At most `maxLookups` hold a slot at once; a lookup that takes longer than
/// `bound` (the delivery timeout) gives its slot up and runs on, abandoned, so that names that
/// never resolve cannot keep other hosts waiting; beyond `maxAbandoned` of those, new lookups
/// fail at once. The attempts that wait for one host share one lookup, and an attempt leaves
/// the moment its deadline cancels it. Answers are kept for a while, so a busy endpoint does
/// not cost a lookup per attempt.
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

    typealias Lookup = @Sendable (String) -> Result<[Address], Failure>

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<[Address], any Error>
    }

    /// One host's lookup: who waits for it, and whether it holds a slot (or waits for one).
    private struct Pending {
        let id: UInt64
        var waiters: [Waiter]
        var holdsSlot = false
    }

    private struct State {
        var answers: [String: (result: Result<[Address], Failure>, expires: ContinuousClock.Instant)] = [:]
        var pending: [String: Pending] = [:]
        var queued: [String] = []
        var running = 0
        var abandoned = 0
        var nextID: UInt64 = 0
    }

    let maxLookups: Int
    let maxAbandoned: Int
    let bound: Duration
    private let lookup: Lookup
    private let state = Mutex(State())

    init(maxLookups: Int = 32, maxAbandoned: Int = 256, bound: Duration, lookup: @escaping Lookup = HostResolver.getaddrinfo) {
        self.maxLookups = maxLookups
        self.maxAbandoned = maxAbandoned
        self.bound = bound
        self.lookup = lookup
    }

    /// Lookups running now, holding a slot or abandoned (for tests and metrics).
    var counts: (running: Int, abandoned: Int, queued: Int) {
        state.withLock { ($0.running, $0.abandoned, $0.queued.count) }
    }

    /// The addresses of `host` (an IP literal is its own address).
    func addresses(of host: String) async throws -> [Address] {
        if let literal = Self.parseLiteral(host) { return [Address(bytes: literal, text: host)] }
        let now = ContinuousClock.now
        if let cached = state.withLock({ $0.answers[host] }), cached.expires > now { return try cached.result.get() }
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enum Step { case cancelled, overloaded, launch(UInt64), wait }
                let step = state.withLock { state -> Step in
                    if Task.isCancelled { return .cancelled }
                    if state.pending[host] != nil {
                        state.pending[host]!.waiters.append(Waiter(id: id, continuation: continuation))
                        return .wait
                    }
                    if state.abandoned >= maxAbandoned { return .overloaded }
                    var pending = Pending(id: id, waiters: [Waiter(id: id, continuation: continuation)])
                    defer { state.pending[host] = pending }
                    guard state.running < maxLookups else {
                        state.queued.append(host)
                        return .wait
                    }
                    state.running += 1
                    pending.holdsSlot = true
                    return .launch(id)
                }
                switch step {
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .overloaded: continuation.resume(throwing: Failure.notFound)
                case .launch(let lookupID): launch(host, lookupID)
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
            guard let index = state.pending[host]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.pending[host]!.waiters.remove(at: index).continuation
        }
        continuation?.resume(throwing: CancellationError())
    }

    private func launch(_ host: String, _ id: UInt64) {
        let lookup = self.lookup
        Thread.detachNewThread { [self] in
            finish(host, id, lookup(host))
        }
        // Past the bound the lookup gives its slot up; its thread runs on until the resolver answers.
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(bound.milliseconds))) { [self] in
            abandon(host, id)
        }
    }

    private func abandon(_ host: String, _ id: UInt64) {
        let next = state.withLock { state -> (String, UInt64)? in
            guard state.pending[host]?.id == id, state.pending[host]?.holdsSlot == true else { return nil }
            state.pending[host]!.holdsSlot = false
            state.abandoned += 1
            return Self.nextQueued(&state)
        }
        if let next { launch(next.0, next.1) }
    }

    private func finish(_ host: String, _ id: UInt64, _ result: Result<[Address], Failure>) {
        let (waiters, next) = state.withLock { state -> ([Waiter], (String, UInt64)?) in
            let lifetime = (try? result.get()) == nil ? Self.failureLifetime : Self.answerLifetime
            if state.answers.count >= Self.cacheLimit { state.answers.removeAll() }
            state.answers[host] = (result, .now + lifetime)
            guard let pending = state.pending[host], pending.id == id else { return ([], nil) }
            state.pending[host] = nil
            guard pending.holdsSlot else {
                state.abandoned -= 1
                return (pending.waiters, nil)
            }
            return (pending.waiters, Self.nextQueued(&state))
        }
        for waiter in waiters { waiter.continuation.resume(with: result.mapError { $0 }) }
        if let next { launch(next.0, next.1) }
    }

    /// Hands a freed slot to the next queued host that still has someone waiting, or frees it.
    private static func nextQueued(_ state: inout State) -> (String, UInt64)? {
        while let host = state.queued.first {
            state.queued.removeFirst()
            guard let pending = state.pending[host] else { continue }
            if pending.waiters.isEmpty {
                state.pending[host] = nil
                continue
            }
            state.pending[host]!.holdsSlot = true
            return (host, pending.id)
        }
        state.running -= 1
        return nil
    }

    static func parseLiteral(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// getaddrinfo, blocking.
    static func getaddrinfo(_ host: String) -> Result<[Address], Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard Glibc.getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return .failure(.notFound) }
        defer { freeaddrinfo(first) }
        var addresses: [Address] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = info.pointee.ai_addr {
                var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                if info.pointee.ai_family == AF_INET {
                    var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count))
                    addresses.append(Address(bytes: withUnsafeBytes(of: &v4) { Array($0) }, text: String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
                } else if info.pointee.ai_family == AF_INET6 {
                    var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count))
                    addresses.append(Address(bytes: withUnsafeBytes(of: &v6) { Array($0) }, text: String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses.isEmpty ? .failure(.notFound) : .success(addresses)
    }
}
