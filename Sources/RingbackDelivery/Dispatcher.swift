import Foundation
import Logging
import RingbackCore
import RingbackStore
import ServiceLifecycle
import Synchronization

/// Claims due deliveries, runs their attempts concurrently within the global and per-webhook
/// bounds, and hands outcomes to the recorder. Wakes on commits, sleeps until the next due retry.
public final class Dispatcher: Service, Sendable {
    /// Claimed work held by this node: attempts running, and per webhook a short queue of claimed
    /// deliveries waiting for one of its slots (bounded by the per-webhook limit, so a queued
    /// delivery starts well within its lease).
    private struct Slots {
        var claimed = 0
        var running: [UUID: Int] = [:]
        var queued: [UUID: [ClaimedDelivery]] = [:]
        var stopping = false

        func held(_ webhook: UUID) -> Int { running[webhook, default: 0] + (queued[webhook]?.count ?? 0) }
    }

    private let store: any Store
    private let sender: WebhookSender
    private let configuration: DispatcherConfiguration
    private let policy: DeliveryPolicy
    private let logger: Logger
    private let now: @Sendable () -> Millis
    private let jitter: @Sendable () -> Double
    private let recorder: OutcomeRecorder
    private let metrics = DeliveryMetrics()
    private let slots = Mutex(Slots())
    private let lastGaugeUpdate = Mutex<ContinuousClock.Instant?>(nil)

    public init(store: any Store, sender: WebhookSender, configuration: DispatcherConfiguration, logger: Logger,
                now: @escaping @Sendable () -> Millis, jitter: @escaping @Sendable () -> Double = { Double.random(in: -1...1) }) {
        self.store = store
        self.sender = sender
        self.configuration = configuration
        self.policy = DeliveryPolicy(schedule: configuration.schedule)
        self.logger = logger
        self.now = now
        self.jitter = jitter
        self.recorder = OutcomeRecorder(store: store, disableAfter: configuration.disableAfter, now: now, logger: logger)
    }

    /// Runs until graceful shutdown or cancellation; attempts in flight then finish and are recorded.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { outer in
                outer.addTask { await self.recorder.run() }
                await withDiscardingTaskGroup { attempts in
                    while !isStopping {
                        await claimOnce(into: &attempts)
                    }
                }
                recorder.finish()
            }
        } onGracefulShutdown: {
            self.stop()
        }
        await sender.shutdown()
    }

    /// Stops claiming; attempts in flight finish.
    public func stop() {
        slots.withLock { $0.stopping = true }
        store.wakeups.signal()
    }

    private var isStopping: Bool {
        Task.isCancelled || slots.withLock { $0.stopping }
    }

    /// One round: claim what may run now and start it, or wait for a reason to look again.
    private func claimOnce(into attempts: inout DiscardingTaskGroup) async {
        let perWebhook = configuration.maxInFlightPerWebhook
        let (free, saturated) = slots.withLock { slots in
            (configuration.maxInFlight - slots.claimed,
             Set(slots.running.keys.filter { slots.held($0) >= 2 * perWebhook }))
        }
        guard free > 0 else {
            await store.wakeups.wait(until: .now + configuration.safetyPoll)
            return
        }
        let limit = min(free, configuration.claimBatch)
        let claimed: [ClaimedDelivery]
        do {
            claimed = try await store.claimDue(limit: limit, excluding: saturated, lease: configuration.lease,
                                               owner: configuration.owner, now: now())
        } catch {
            logger.warning("cannot claim deliveries; will try again", metadata: ["error": "\(error)"])
            await store.wakeups.wait(until: .now + .seconds(1))
            return
        }
        var start: [ClaimedDelivery] = []
        var excess: [Int64] = []
        slots.withLock { slots in
            for delivery in claimed {
                let webhook = delivery.webhook.id
                if slots.running[webhook, default: 0] < perWebhook {
                    slots.running[webhook, default: 0] += 1
                    slots.claimed += 1
                    start.append(delivery)
                } else if slots.held(webhook) < 2 * perWebhook {
                    slots.queued[webhook, default: []].append(delivery)
                    slots.claimed += 1
                } else {
                    excess.append(delivery.seq)
                }
            }
        }
        if !excess.isEmpty { try? await store.releaseClaims(excess) }
        for delivery in start {
            attempts.addTask {
                // One task works through its webhook's queue: a freed slot starts the next claimed
                // delivery without another round trip to the store.
                var next: ClaimedDelivery? = delivery
                while let current = next, !Task.isCancelled {
                    let outcome = await self.attempt(current)
                    // An attempt cut short by cancellation is no result: its lease expires and it is made again.
                    if Task.isCancelled { break }
                    self.recorder.submit(outcome)
                    next = self.finished(current.webhook.id)
                }
            }
        }
        await updatePendingGauge()
        if claimed.count == limit && excess.isEmpty { return }
        // Idle: wait for a commit, a settled attempt, or the next due retry, whichever comes first.
        let current = now()
        var wait = configuration.safetyPoll
        if let next = try? await store.nextDueAt(now: current) {
            wait = min(wait, .milliseconds(max(0, next - current)))
        }
        await store.wakeups.wait(until: .now + wait)
    }

    /// Frees the slot of a finished attempt, or hands it the webhook's next queued delivery.
    private func finished(_ webhookID: UUID) -> ClaimedDelivery? {
        let next = slots.withLock { slots -> ClaimedDelivery? in
            slots.claimed -= 1
            if var queue = slots.queued[webhookID], !queue.isEmpty {
                let next = queue.removeFirst()
                slots.queued[webhookID] = queue.isEmpty ? nil : queue
                return next
            }
            let remaining = slots.running[webhookID, default: 1] - 1
            slots.running[webhookID] = remaining > 0 ? remaining : nil
            return nil
        }
        if next == nil { store.wakeups.signal() }
        return next
    }

    /// Makes one attempt and decides what follows.
    func attempt(_ delivery: ClaimedDelivery) async -> AttemptOutcome {
        let startedAt = now()
        let timestamp = startedAt / 1000
        let webhook = delivery.webhook
        var headers: [(String, String)] = [
            ("Content-Type", "application/json"),
            ("User-Agent", configuration.userAgent),
            ("webhook-id", delivery.eventID),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", WebhookSigner.standardHeader(
                secrets: webhook.signingSecrets(at: startedAt), id: delivery.eventID, timestamp: timestamp, body: delivery.body)),
            ("X-VoIPBIN-Signature", WebhookSigner.voipbinHeader(secret: webhook.secret, body: delivery.body)),
        ]
        headers += webhook.headers.map { ($0.name, $0.value) }
        let clock = ContinuousClock.now
        let result = await sender.send(
            OutgoingRequest(url: webhook.url, method: webhook.method, headers: headers, body: delivery.body),
            logger: logger)
        let elapsed = ContinuousClock.now - clock
        metrics.attemptDuration.recordNanoseconds(elapsed.milliseconds * 1_000_000)

        let verdict = policy.verdict(
            statusCode: result.statusCode, positionInRound: delivery.attemptNumber - delivery.roundStart + 1,
            roundAttempts: delivery.roundAttempts, retryAfter: result.retryAfter, jitter: jitter())
        let next: AttemptOutcome.Next
        switch verdict {
        case .succeeded:
            next = .succeeded
            metrics.succeeded.increment()
            metrics.deliveryLatency.recordMilliseconds(max(0, now() - delivery.eventCreatedAt))
        case .retry(let delay):
            next = .retry(at: now() + delay.milliseconds)
            metrics.failed.increment()
        case .failed:
            next = .failed
            metrics.failed.increment()
        case .gone:
            next = .disableWebhook(reason: "disabled by Ringback: the endpoint answered 410 Gone")
            metrics.failed.increment()
        }
        logger.debug("attempt", metadata: [
            "delivery.id": "\(delivery.id)", "webhook.id": "\(webhook.id)", "attempt.number": "\(delivery.attemptNumber)",
            "attempt.status": "\(result.statusCode.map(String.init) ?? "-")",
            "attempt.error": "\(result.error?.description ?? "-")",
        ])
        let attempt = Attempt(
            number: delivery.attemptNumber, startedAt: startedAt, durationMS: elapsed.milliseconds,
            statusCode: result.statusCode, error: result.error?.description, responseBody: result.responseBody)
        return AttemptOutcome(deliverySeq: delivery.seq, webhookID: webhook.id, attempt: attempt, next: next)
    }

    /// Refreshes the pending gauge at most once a second.
    private func updatePendingGauge() async {
        let due = lastGaugeUpdate.withLock { last -> Bool in
            if let last, ContinuousClock.now - last < .seconds(1) { return false }
            last = ContinuousClock.now
            return true
        }
        guard due, let count = try? await store.pendingCount() else { return }
        metrics.pending.record(count)
    }
}
