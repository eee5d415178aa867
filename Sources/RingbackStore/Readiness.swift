import Synchronization

/// Whether a store's schema is up to date: services that use the store wait for it to be ready
/// (the HTTP server before it accepts requests, the dispatcher before its first claim).
package final class Readiness: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Void, any Error>])
        case ready
        case failed(any Error)
    }

    private let state = Mutex(State.waiting([]))

    package init() {}

    /// The store is ready: every waiter goes on.
    package func succeed() { settle(nil) }

    /// The store will never be ready: every waiter gets `error`.
    package func fail(_ error: any Error) { settle(error) }

    private func settle(_ error: (any Error)?) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = error.map { .failed($0) } ?? .ready
            return waiters
        }
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    /// Returns once ready; throws the failure.
    package func wait() async throws {
        try await withCheckedThrowingContinuation { continuation in
            let now = state.withLock { state -> Result<Void, any Error>? in
                switch state {
                case .waiting(let waiters):
                    state = .waiting(waiters + [continuation])
                    return nil
                case .ready: return .success(())
                case .failed(let error): return .failure(error)
                }
            }
            if let now { continuation.resume(with: now) }
        }
    }
}
