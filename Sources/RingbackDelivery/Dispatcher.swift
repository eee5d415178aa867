import DequeModule
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RingbackCore
import RingbackStore
import ServiceLifecycle
import Synchronization

/// Claims due deliveries, runs their attempts concurrently within the global and per-webhook
/// bounds, and hands outcomes to the recorder. Wakes on commits, sleeps until the next due retry.
///
/// Isolation (contract section 13): the global bound counts attempts running, not claimed work
/// waiting for a webhook's slot; claims are fair between webhooks; a failing webhook gets one
/// attempt at a time; and an attempt is sent only while this node holds its lease.
///
/// Speed: each webhook's number of attempts in flight adapts to what its endpoint sustains
/// (`ConcurrencyLimit`), up to `maxInFlightPerWebhook`; each claim asks only for what the node
/// can start or queue (`ClaimQuotas`), and a freed slot takes the next queued claim at once.
public final class Dispatcher: Service, Sendable {
    /// What this node holds: attempts running, and per webhook a short queue of claimed
    /// deliveries waiting for one of its slots (at most its limit, so they start within the lease).
    private struct Slots {
        var running = 0
        var webhooks: [UUID: WebhookSlots] = [:]
        /// Each webhook's adaptive limit, kept while it is idle: its next burst starts at the
        /// speed its endpoint last sustained. Bounded: idle entries go first when it is full.
        var limits: [UUID: ConcurrencyLimit] = [:]
        var stopping = false

        /// How many attempts of webhook `id` may run at once: one while it is failing.
        func limit(_ id: UUID, now: Millis, initial: ConcurrencyLimit) -> Int {
            limit(id, webhooks[id] ?? WebhookSlots(), now: now, initial: initial)
        }

        /// The limit of webhook `id`, whose slots are `held` (taken out of `webhooks` while they
        /// change, so that their queue is changed in place, not copied).
        func limit(_ id: UUID, _ held: WebhookSlots, now: Millis, initial: ConcurrencyLimit) -> Int {
            if held.isFailing(now: now) { return 1 }
            return min((limits[id] ?? initial).limit, held.rateLimit ?? Int.max)
        }

        mutating func remember(_ id: UUID, _ limit: ConcurrencyLimit) {
            if limits[id] == nil, limits.count >= Dispatcher.rememberedLimits {
                limits = limits.filter { webhooks[$0.key] != nil }
            }
            limits[id] = limit
        }
    }

    /// How many webhooks' adaptive limits a node remembers at most.
    static let rememberedLimits = 10_000

    /// One webhook's share of this node, and what this node knows of its health.
    private struct WebhookSlots {
        var running = 0
        var queued = Deque<ClaimedDelivery>()
        var consecutiveFailures = 0
        var failingSince: Millis?
        /// The webhook's rate limit: it never needs more attempts in flight than it may send in a second.
        var rateLimit: Int?

        func isFailing(now: Millis) -> Bool {
            WebhookHealth.of(consecutiveFailures: consecutiveFailures, failingSince: failingSince, now: now) == .failing
        }
    }

    private let store: any Store
    private let sender: WebhookSender
    private let configuration: DispatcherConfiguration
    private let policy: DeliveryPolicy
    private let logger: Logger
    private let clock: any WallClock
    private let jitter: @Sendable () -> Double
    private let recorder: OutcomeRecorder
    private let metrics = DeliveryMetrics()
    private let slots = Mutex(Slots())
    private let lastGaugeUpdate = Mutex<ContinuousClock.Instant?>(nil)
    /// A webhook's limit before anything is known of its endpoint.
    private let initialLimit: ConcurrencyLimit

    public init(store: any Store, sender: WebhookSender, configuration: DispatcherConfiguration, logger: Logger,
                clock: any WallClock, jitter: @escaping @Sendable () -> Double = { Double.random(in: -1...1) }) {
        self.store = store
        self.sender = sender
        self.configuration = configuration
        self.policy = DeliveryPolicy(schedule: configuration.schedule)
        self.logger = logger
        self.clock = clock
        self.jitter = jitter
        self.initialLimit = ConcurrencyLimit(initial: 16, maximum: configuration.maxInFlightPerWebhook)
        self.recorder = OutcomeRecorder(store: store, policy: FailurePolicy(disableAfter: configuration.disableAfter,
                                                                            schedule: configuration.schedule),
                                        clock: clock, logger: logger)
    }

    /// Runs until graceful shutdown or cancellation; attempts in flight then finish and are recorded.
    public func run() async throws {
        try await store.ready()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { outer in
                outer.addTask { await self.recorder.run() }
                await withDiscardingTaskGroup { attempts in
                    while !isStopping {
                        await claimOnce(into: &attempts)
                    }
                }
                logger.debug("attempts finished; recording the last outcomes")
                recorder.finish()
            }
        } onGracefulShutdown: {
            self.logger.info("stopping deliveries; attempts in flight finish")
            self.stop()
        }
        logger.info("deliveries stopped")
    }

    /// Deliveries this node holds now: attempts running and claims queued behind them.
    public var held: Int {
        slots.withLock { slots in slots.webhooks.values.reduce(0) { $0 + $1.running + $1.queued.count } }
    }

    /// Stops claiming; attempts in flight finish.
    public func stop() {
        slots.withLock { $0.stopping = true }
        store.wakeups.signal()
    }

    private var isStopping: Bool {
        Task.isCancelled || slots.withLock { $0.stopping }
    }

    /// The current limits of the webhooks this node knows, for tests and metrics.
    public var concurrencyLimits: [UUID: Int] {
        let time = clock.now
        return slots.withLock { slots in
            Dictionary(uniqueKeysWithValues: Set(slots.limits.keys).union(slots.webhooks.keys).map {
                ($0, slots.limit($0, now: time, initial: initialLimit))
            })
        }
    }

    /// One round: claim what may run now and start it, or wait for a reason to look again.
    private func claimOnce(into attempts: inout DiscardingTaskGroup) async {
        let time = clock.now
        // Each webhook may hold twice its limit (running and queued to run next); a claim asks
        // for what is missing, and nothing of a webhook whose queue is full.
        let standard = 2 * initialLimit.limit
        let (free, quotas) = slots.withLock { slots in
            var own: [UUID: Int] = [:]
            for id in Set(slots.limits.keys).union(slots.webhooks.keys) {
                let held = slots.webhooks[id].map { $0.running + $0.queued.count } ?? 0
                let quota = max(0, 2 * slots.limit(id, now: time, initial: initialLimit) - held)
                if quota != standard { own[id] = quota }
            }
            return (configuration.maxInFlight - slots.running, ClaimQuotas(standard: standard, webhooks: own))
        }
        guard free > 0 else {
            await store.wakeups.wait(until: clock.now + configuration.safetyPoll.milliseconds, on: clock)
            return
        }
        let limit = min(free, configuration.claimBatch)
        let claimed: [ClaimedDelivery]
        do {
            claimed = try await metrics.timed("claim") {
                try await store.claimDue(limit: limit, quotas: quotas, lease: configuration.lease,
                                         owner: configuration.owner, now: time)
            }
            metrics.claimBatch.record(claimed.count)
        } catch {
            logger.warning("cannot claim deliveries; will try again", metadata: ["error": "\(error)"])
            // The database's trouble is in real time, whatever clock the schedules run on.
            let real = SystemClock()
            await store.wakeups.wait(until: real.now + 1000, on: real)
            return
        }
        var start: [ClaimedDelivery] = []
        var excess: [ClaimedDelivery] = []
        slots.withLock { slots in
            for delivery in claimed {
                let webhook = delivery.webhook
                var held = slots.webhooks.removeValue(forKey: webhook.id) ?? WebhookSlots()
                // The stored health is the truth of every node; this node's newer outcomes add to it.
                if held.running == 0 && held.queued.isEmpty {
                    held.consecutiveFailures = webhook.consecutiveFailures
                    held.failingSince = webhook.failingSince
                }
                held.rateLimit = webhook.rateLimit
                let limit = slots.limit(webhook.id, held, now: time, initial: initialLimit)
                if held.running < limit, slots.running < configuration.maxInFlight {
                    held.running += 1
                    slots.running += 1
                    start.append(delivery)
                } else if held.running + held.queued.count < 2 * limit {
                    held.queued.append(delivery)
                } else {
                    excess.append(delivery)
                }
                slots.webhooks[webhook.id] = held
            }
        }
        if !excess.isEmpty { try? await store.releaseClaims(excess, owner: configuration.owner) }
        for delivery in start {
            attempts.addTask {
                // One task works through its webhook's queue: a freed slot starts the next claimed
                // delivery without another round trip to the store.
                var next: ClaimedDelivery? = delivery
                while let current = next, !Task.isCancelled {
                    var made: Attempt?
                    if let held = await self.paceAndFence(current) {
                        let outcome = await self.attempt(held)
                        // An attempt cut short by cancellation is no result: its lease expires and it is made again.
                        if Task.isCancelled { break }
                        self.recorder.submit(outcome)
                        made = outcome.attempt
                    }
                    let (following, released) = self.finished(current.webhook.id, attempt: made)
                    if !released.isEmpty { try? await self.store.releaseClaims(released, owner: self.configuration.owner) }
                    next = following
                }
            }
        }
        await updateGauges()
        if claimed.count == limit && excess.isEmpty { return }
        // Idle: wait for a commit, a settled attempt, or the next due retry, whichever comes first.
        // Reckoned from the claim's own time: work that fell due since the claim is due now.
        var deadline = time + configuration.safetyPoll.milliseconds
        if let next = try? await store.nextDueAt(now: time) { deadline = min(deadline, next) }
        await store.wakeups.wait(until: deadline, on: clock)
    }

    /// The claim, if this node still holds its lease for the whole attempt; a lease that would
    /// run out during the attempt is extended first. Nil when another node took it over.
    /// The delivery, ready to send now: under a rate limit, at its reserved start (reserved in
    /// the store, so every node shares the limit), and held under a lease that outlasts the
    /// attempt (`fence`). A send that is ready too late for its slot (a busy host) reserves
    /// again rather than crowd the sends after it. Waiting uses no attempt. Nil when the lease
    /// was lost.
    private func paceAndFence(_ delivery: ClaimedDelivery) async -> ClaimedDelivery? {
        guard let spacing = delivery.webhook.sendSpacing else { return await fence(delivery) }
        while !Task.isCancelled {
            let slot: Int64
            do {
                let now = clock.now * 1000
                slot = try await metrics.timed("reserve_send") {
                    try await store.reserveSend(webhookID: delivery.webhook.id, spacing: spacing, now: now)
                }
                try await clock.sleep(until: (slot + 999) / 1000)
            } catch {
                if Task.isCancelled { return nil }
                logger.warning("cannot reserve a send under the rate limit; will try again", metadata: ["error": "\(error)"])
                try? await clock.sleep(until: clock.now + 100)
                continue
            }
            guard let held = await fence(delivery) else { return nil }
            // The attempt starts right after this check.
            if clock.now * 1000 <= slot + Webhook.sendSlack { return held }
        }
        return nil
    }

    private func fence(_ delivery: ClaimedDelivery) async -> ClaimedDelivery? {
        let time = clock.now
        let needed = configuration.timeout.milliseconds + configuration.leaseMargin.milliseconds
        if delivery.leaseUntil - time >= needed { return delivery }
        let until = time + configuration.lease.milliseconds
        let extended = (try? await metrics.timed("extend_leases") {
            try await store.extendLeases([delivery], owner: configuration.owner, until: until)
        }) ?? []
        guard extended.contains(delivery.seq) else {
            metrics.lostLeases.increment()
            logger.debug("lease lost before the attempt", metadata: ["delivery.id": "\(delivery.id)"])
            return nil
        }
        return delivery.withLease(until: until)
    }

    /// Frees the slot of a finished attempt, or hands it the webhook's next queued delivery.
    /// `attempt` is nil when no attempt was made. What the attempt says of the endpoint adjusts
    /// the webhook's limit and health.
    /// A webhook that became failing gives its queue back (`released`), so that other nodes see
    /// one probe at a time too.
    private func finished(_ webhookID: UUID, attempt: Attempt?) -> (next: ClaimedDelivery?, released: [ClaimedDelivery]) {
        let time = clock.now
        let (next, released) = slots.withLock { slots -> (ClaimedDelivery?, [ClaimedDelivery]) in
            guard var held = slots.webhooks.removeValue(forKey: webhookID) else { return (nil, []) }
            if let attempt {
                if attempt.error == nil {
                    held.consecutiveFailures = 0
                    held.failingSince = nil
                } else {
                    held.consecutiveFailures += 1
                    held.failingSince = held.failingSince ?? attempt.startedAt
                }
                var limit = slots.limits[webhookID] ?? initialLimit
                limit.record(Self.signal(attempt), inFlight: held.running, now: time)
                slots.remember(webhookID, limit)
            }
            var released: [ClaimedDelivery] = []
            let limit = slots.limit(webhookID, held, now: time, initial: initialLimit)
            // Stopping: the queue goes back at once, so other nodes (or the next start) need not
            // wait for its leases to run out. Failing: the queue shrinks to the probe's limit.
            let keep = slots.stopping ? 0 : limit
            if held.queued.count > keep {
                released = Array(held.queued[keep...])
                held.queued.removeLast(held.queued.count - keep)
            }
            if held.running <= limit, !held.queued.isEmpty {
                let next = held.queued.removeFirst()
                slots.webhooks[webhookID] = held
                return (next, released)
            }
            held.running -= 1
            slots.running -= 1
            slots.webhooks[webhookID] = held.running == 0 && held.queued.isEmpty ? nil : held
            return (nil, released)
        }
        if next == nil { store.wakeups.signal() }
        return (next, released)
    }

    /// What an attempt says about its endpoint's load.
    static func signal(_ attempt: Attempt) -> ConcurrencyLimit.Signal {
        if attempt.error?.code == .timeout || attempt.statusCode == 429 || attempt.statusCode == 503 { return .overloaded }
        if attempt.statusCode != nil { return .answered(latency: .milliseconds(attempt.durationMS)) }
        return .failed
    }

    /// Makes one attempt and decides what follows.
    func attempt(_ delivery: ClaimedDelivery) async -> AttemptOutcome {
        let startedAt = clock.now
        let webhook = delivery.webhook
        let started = ContinuousClock.now
        let result = await sender.send(request(for: delivery, at: startedAt), logger: logger)
        let elapsed = ContinuousClock.now - started
        metrics.attemptDuration.recordNanoseconds(elapsed.milliseconds * 1_000_000)
        let finishedAt = clock.now

        let answer = try? result.map { ReceiverAnswer(status: $0.status, retryAfter: $0.retryAfter, body: $0.body,
                                                      nowSeconds: finishedAt / 1000) }.get()
        let error: AttemptError? = switch result {
        case .success: answer?.error
        case .failure(let failure): failure
        }
        let next = policy.next(
            statusCode: answer?.statusCode, positionInRound: delivery.attemptNumber - delivery.roundStart + 1,
            roundAttempts: delivery.roundAttempts, retryAfter: answer?.retryAfter, jitter: jitter(), now: finishedAt)
        if next == .succeeded {
            metrics.succeeded.increment()
            metrics.deliveryLatency.recordMilliseconds(max(0, finishedAt - delivery.eventCreatedAt))
        }
        if let error {
            metrics.failed.increment()
            metrics.failures[error.code]?.increment()
        }
        logger.debug("attempt", metadata: [
            "delivery.id": "\(delivery.id)", "webhook.id": "\(webhook.id)", "attempt.number": "\(delivery.attemptNumber)",
            "attempt.status": "\(answer.map { String($0.statusCode) } ?? "-")",
            "attempt.error_code": "\(error?.code.rawValue ?? "-")",
        ])
        let attempt = Attempt(
            number: delivery.attemptNumber, startedAt: startedAt, durationMS: elapsed.milliseconds,
            statusCode: answer?.statusCode, error: error, responseBody: answer?.responseBody)
        return AttemptOutcome(deliverySeq: delivery.seq, webhookID: webhook.id, lease: delivery.lease, attempt: attempt, next: next)
    }

    /// The signed request of an attempt made at `startedAt` (contract section 8).
    func request(for delivery: ClaimedDelivery, at startedAt: Millis) -> OutgoingRequest {
        let timestamp = startedAt / 1000
        let webhook = delivery.webhook
        var headers = HTTPHeaders()
        headers.reserveCapacity(6 + webhook.headers.count)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "User-Agent", value: configuration.userAgent)
        for (name, value) in WebhookSigner.headers(secrets: webhook.signingSecrets(at: startedAt), current: webhook.secret,
                                                   id: delivery.eventID, timestamp: timestamp, body: delivery.body) {
            headers.add(name: name, value: value)
        }
        for header in webhook.headers { headers.add(name: header.name, value: header.value) }
        return OutgoingRequest(url: webhook.url, method: webhook.method, headers: headers, body: ByteBuffer(bytes: delivery.body))
    }

    /// Refreshes the gauges at most once a second.
    private func updateGauges() async {
        let due = lastGaugeUpdate.withLock { last -> Bool in
            if let last, ContinuousClock.now - last < .seconds(1) { return false }
            last = ContinuousClock.now
            return true
        }
        guard due else { return }
        let limits = concurrencyLimits.values.sorted()
        if !limits.isEmpty {
            metrics.concurrencyLimit["min"]?.record(limits[0])
            metrics.concurrencyLimit["median"]?.record(limits[limits.count / 2])
            metrics.concurrencyLimit["max"]?.record(limits[limits.count - 1])
        }
        if let count = try? await store.pendingCount() { metrics.pending.record(count) }
        if let counts = try? await store.webhookHealthCounts(now: clock.now) {
            for (health, gauge) in metrics.webhooks { gauge.record(counts[health] ?? 0) }
        }
    }
}
