import RingbackCore
import Synchronization

/// Wakes the dispatcher when work may be due: a commit of deliveries, a settled delivery.
/// Signals that arrive while nobody waits are remembered (one pending wake-up).
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or the next call to `wait`.
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at a signal, at `deadline` on `clock`, or on cancellation, whichever comes first.
    public func wait(until deadline: Millis, on clock: any WallClock) async {
        if state.withLock({ state in
            let was = state.pending
            state.pending = false
            return was
        }) { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await clock.sleep(until: deadline)
                self.signal()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.pending {
                            state.pending = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                self.signal()
            }
            group.cancelAll()
        }
        // A timer that fired after the real signal leaves a stale wake-up: drop it.
        state.withLock { $0.pending = false }
    }
}
