import Foundation
import Synchronization

/// Remembers the `webhook-id`s already handled, so that a delivery that comes twice (retries
/// make that possible) is handled once. Implement it over your database to survive restarts.
public protocol WebhookIDStore: Sendable {
    /// Records `id`; true if it was not there (handle the delivery), false if it was (drop it).
    func insertIfAbsent(_ id: String) async throws -> Bool
}

/// Remembers the most recent `capacity` ids in memory (a restart forgets them).
public final class InMemoryWebhookIDStore: WebhookIDStore {
    private struct State {
        var seen: Set<String> = []
        var order: [String] = []
        var next = 0
    }

    private let state = Mutex(State())
    public let capacity: Int

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    public func insertIfAbsent(_ id: String) async throws -> Bool {
        state.withLock { state in
            guard !state.seen.contains(id) else { return false }
            state.seen.insert(id)
            if state.order.count < capacity {
                state.order.append(id)
            } else {
                // The oldest id makes room (a ring over the insertion order).
                state.seen.remove(state.order[state.next])
                state.order[state.next] = id
                state.next = (state.next + 1) % capacity
            }
            return true
        }
    }
}
