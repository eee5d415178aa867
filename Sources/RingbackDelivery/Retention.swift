import Logging
import Metrics
import RingbackCore
import RingbackStore
import ServiceLifecycle

/// Deletes what the retention window has passed (contract section 18): events older than the
/// window whose deliveries are all settled, with their deliveries and attempts, in batches of
/// `batch` events, each its own short transaction, with a pause between them so that publishing
/// and delivering never wait long for the database. A pending delivery is never deleted. It
/// looks every `min(1 minute, window)`; on PostgreSQL one node purges at a time.
public final class Retention: Service, Sendable {
    let store: any Store
    let window: Duration
    let clock: any WallClock
    let logger: Logger
    let batch: Int
    private let purged: [String: Counter]

    public init(store: any Store, window: Duration, clock: any WallClock, logger: Logger, batch: Int = 500) {
        self.store = store
        self.window = window
        self.clock = clock
        self.logger = logger
        self.batch = batch
        purged = Dictionary(uniqueKeysWithValues: ["events", "deliveries", "attempts"].map {
            ($0, Counter(label: "ringback_purged_rows_total", dimensions: [("table", $0)]))
        })
    }

    /// How often it looks for what to purge.
    public var interval: Duration { min(.seconds(60), window) }

    public func run() async throws {
        try await store.ready()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = await self.purgeDue()
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// Purges batch after batch until what is due is gone; answers what went.
    public func purgeDue() async -> PurgeCount {
        let cutoff = clock.now - window.milliseconds
        var total = PurgeCount()
        while !Task.isCancelled {
            let count: PurgeCount
            do {
                count = try await store.purge(before: cutoff, limit: batch)
            } catch {
                logger.warning("cannot purge old events; will try again", metadata: ["error": "\(error)"])
                break
            }
            purged["events"]?.increment(by: count.events)
            purged["deliveries"]?.increment(by: count.deliveries)
            purged["attempts"]?.increment(by: count.attempts)
            total.events += count.events
            total.deliveries += count.deliveries
            total.attempts += count.attempts
            guard count.events == batch else { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        if total.events > 0 {
            logger.info("purged old events", metadata: ["events": "\(total.events)", "deliveries": "\(total.deliveries)"])
        }
        return total
    }
}
