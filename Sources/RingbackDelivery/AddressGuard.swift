import Foundation
import NIOPosix
import RingbackCore
import Synchronization

/// Resolves a delivery's host and refuses blocked addresses (contract section 10).
/// The attempt then connects to the checked address: no second lookup that could rebind.
/// Verdicts are kept for a few seconds, so a busy endpoint does not cost a lookup per attempt;
/// a cached verdict is still a checked address, so rebinding gains nothing.
final class AddressGuard: Sendable {
    static let cacheLifetime: Duration = .seconds(30)
    static let cacheLimit = 10_000

    private let cache = Mutex<[String: (verdict: Result<Target, Failure>, expires: ContinuousClock.Instant)]>([:])

    /// A resolved, checked address to connect to.
    struct Target: Sendable, Hashable {
        let host: String
        /// The IP address to connect to, as text.
        let address: String
    }

    enum Failure: Error, Equatable {
        case blocked
        case lookupFailed
    }

    /// The checked target for `host`, from the cache or a new lookup.
    func check(host: String) async throws -> Target {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[host] }), cached.expires > now { return try cached.verdict.get() }
        let verdict: Result<Target, Failure>
        do {
            verdict = .success(try await resolve(host: host))
        } catch let failure as Failure {
            verdict = .failure(failure)
        }
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll() }
            cache[host] = (verdict, now + Self.cacheLifetime)
        }
        return try verdict.get()
    }

    /// Resolves `host` (or parses it when it is an IP literal) and checks every address.
    private func resolve(host: String) async throws(Failure) -> Target {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let literal = Self.parseLiteral(bare) {
            guard !AddressPolicy.isBlocked(literal) else { throw Failure.blocked }
            return Target(host: host, address: bare)
        }
        let addresses: [(bytes: [UInt8], text: String)]
        do {
            addresses = try await NIOThreadPool.singleton.runIfActive { try Self.lookup(bare) }
        } catch {
            throw .lookupFailed
        }
        guard !addresses.isEmpty else { throw Failure.lookupFailed }
        // Every address must be allowed: a name that resolves to one private address is refused.
        guard !addresses.contains(where: { AddressPolicy.isBlocked($0.bytes) }) else { throw Failure.blocked }
        return Target(host: host, address: addresses[0].text)
    }

    static func parseLiteral(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// getaddrinfo, blocking: run on the thread pool.
    static func lookup(_ host: String) throws -> [(bytes: [UInt8], text: String)] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { throw Failure.lookupFailed }
        defer { freeaddrinfo(first) }
        var addresses: [(bytes: [UInt8], text: String)] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = info.pointee.ai_addr {
                var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                if info.pointee.ai_family == AF_INET {
                    var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count))
                    addresses.append((withUnsafeBytes(of: &v4) { Array($0) }, String(cString: buffer)))
                } else if info.pointee.ai_family == AF_INET6 {
                    var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count))
                    addresses.append((withUnsafeBytes(of: &v6) { Array($0) }, String(cString: buffer)))
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}
