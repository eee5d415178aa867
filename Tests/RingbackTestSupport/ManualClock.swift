import RingbackCore
import Synchronization

/// A clock that moves only when a test advances it: the delivery engine's schedules run in
/// no real time. Sleepers wake when the clock passes their deadline (or their task is cancelled).
public final class ManualClock: WallClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Millis
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Millis
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(now: Millis = 1_800_000_000_000) {
        state = Mutex(State(now: now))
    }

    public var now: Millis { state.withLock { $0.now } }

    public func sleep(until deadline: Millis) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `milliseconds`, waking every sleeper whose deadline it passes.
    public func advance(by milliseconds: Millis) {
        let due = state.withLock { state -> [Sleeper] in
            state.now += milliseconds
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves the clock to `time` (never back).
    public func advance(to time: Millis) {
        advance(by: max(0, time - now))
    }
}
