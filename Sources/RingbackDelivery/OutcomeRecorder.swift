import Logging
import Metrics
import RingbackCore
import RingbackStore
import Synchronization

/// Collects attempt outcomes and writes them in batches: under load one transaction records many.
final class OutcomeRecorder: Sendable {
    private struct State {
        var pending: [AttemptOutcome] = []
        var finished = false
    }

    private let state = Mutex(State())
    private let signal = WakeSignal()
    private let store: any Store
    private let policy: FailurePolicy
    private let clock: any WallClock
    private let logger: Logger
    private let recordTime = Timer(label: "ringback_store_transaction_seconds", dimensions: [("operation", "record")],
                                   preferredDisplayUnit: .seconds)

    init(store: any Store, policy: FailurePolicy, clock: any WallClock, logger: Logger) {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.logger = logger
    }

    func submit(_ outcome: AttemptOutcome) {
        state.withLock { $0.pending.append(outcome) }
        signal.signal()
    }

    /// No more outcomes will come: `run` returns once the last ones are written.
    func finish() {
        state.withLock { $0.finished = true }
        signal.signal()
    }

    func run() async {
        while true {
            let (batch, finished) = state.withLock { state in
                defer { state.pending.removeAll(keepingCapacity: true) }
                return (state.pending, state.finished)
            }
            if batch.isEmpty {
                if finished { return }
                await signal.wait(until: clock.now + 60_000, on: clock)
                continue
            }
            await write(batch, finishing: finished)
        }
    }

    /// Writes a batch, retrying while the database is unavailable. If it never comes back before
    /// shutdown, the leases expire and the deliveries are attempted again: at least once holds.
    private func write(_ batch: [AttemptOutcome], finishing: Bool) async {
        var failures = 0
        while true {
            do {
                let started = ContinuousClock.now
                try await store.record(batch, policy: policy, now: clock.now)
                recordTime.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
                return
            } catch {
                failures += 1
                logger.warning("cannot record attempt outcomes; retrying",
                               metadata: ["outcomes": "\(batch.count)", "error": "\(error)"])
                if (finishing || Task.isCancelled) && failures >= 3 { return }
                try? await Task.sleep(for: .milliseconds(min(5000, 100 << min(failures, 6))))
            }
        }
    }
}
