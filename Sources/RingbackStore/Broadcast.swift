import RingbackCore
import Synchronization

/// Wakes every waiter: stores tell live streams that events were committed (on this node, or,
/// on PostgreSQL, on any node), and a stream's writer tells its reader that there is room.
/// Unlike `WakeSignal` it has any number of waiters, and a waiter says which signals it has seen
/// (a generation), so none is missed between a look and the wait that follows it.
public final class Broadcast: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Commits signalled so far; read it before reading what was committed.
    public var generation: UInt64 { state.withLock { $0.generation } }

    public func signal() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation differs from `seen`, after `timeout`, or on cancellation.
    public func wait(after seen: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForSignal(after: seen) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal(after seen: UInt64) async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// Where an event is in a customer's stream: streams read in (txid, seq) order, after a position.
public struct StreamPosition: Sendable, Hashable, Comparable {
    public let txid: Int64
    public let seq: Int64

    public init(txid: Int64, seq: Int64) {
        self.txid = txid
        self.seq = seq
    }

    /// Before every event.
    public static let start = StreamPosition(txid: Int64.min, seq: Int64.min)

    public static func < (a: StreamPosition, b: StreamPosition) -> Bool { (a.txid, a.seq) < (b.txid, b.seq) }
}

/// Events a stream reads in one go: those readable now, in order, each with its position, and
/// whether a later one was seen that cannot be read yet (PostgreSQL: an older transaction is
/// still open), so that the stream looks again soon rather than at the next commit.
public struct StreamBatch: Sendable {
    public let events: [(event: Event, position: StreamPosition)]
    public let blocked: Bool

    public init(events: [(event: Event, position: StreamPosition)], blocked: Bool) {
        self.events = events
        self.blocked = blocked
    }
}

/// What one purge deleted.
public struct PurgeCount: Sendable, Hashable {
    public var events = 0
    public var deliveries = 0
    public var attempts = 0

    public init(events: Int = 0, deliveries: Int = 0, attempts: Int = 0) {
        self.events = events
        self.deliveries = deliveries
        self.attempts = attempts
    }
}
