import Foundation
import RingbackCore
import RingbackDelivery
import RingbackStore
import RingbackTestSupport
import Testing

/// The dispatcher on a test clock, on both backends: schedules, jitter, Retry-After, order,
/// disabling after five days, and leases, without waiting for any of it in real time.
@Suite struct DispatcherTests {
    static let policy = FailurePolicy(schedule: .default)

    @Test(arguments: Backend.allCases)
    func retriesFollowTheScheduleOnTheClock(_ backend: Backend) async throws {
        var settings = Engine.Settings()
        settings.schedule = RetrySchedule(parsing: "5s,5m")!
        try await Engine.run(backend, settings) { engine in
            engine.receiver.script("/hook", .status(500), .status(500), .status(200))
            let webhook = try await engine.webhook("/hook")
            let start = engine.clock.now
            try await engine.publish(resource: "r")
            try await engine.receiver.wait(for: 1, at: "/hook")
            let id = try #require(try await engine.deliveries(webhook).first?.id)
            try await engine.until("the first failure recorded") { try await engine.delivery(webhook, id).0.attemptCount == 1 }
            #expect(try await engine.delivery(webhook, id).0.nextAttemptAt == start + 5_000)
            // Not a moment early: a step short of the retry, then the step.
            engine.clock.advance(by: 4_999)
            engine.clock.advance(by: 1)
            try await engine.receiver.wait(for: 2, at: "/hook")
            try await engine.until("the second failure recorded") { try await engine.delivery(webhook, id).0.attemptCount == 2 }
            engine.clock.advance(by: 300_000)
            try await engine.until("success") { try await engine.delivery(webhook, id).0.status == .succeeded }
            let attempts = try await engine.delivery(webhook, id).1
            #expect(attempts.map(\.startedAt) == [start, start + 5_000, start + 305_000])
            #expect(attempts.map(\.statusCode) == [500, 500, 200])
        }
    }

    @Test(arguments: [(Backend.sqlite, -1.0), (.sqlite, 1.0), (.postgres, -1.0), (.postgres, 1.0)])
    func jitterMovesARetryByAtMostTwentyPercent(_ backend: Backend, _ jitter: Double) async throws {
        var settings = Engine.Settings()
        settings.schedule = RetrySchedule(parsing: "10s")!
        settings.jitter = jitter
        try await Engine.run(backend, settings) { engine in
            engine.receiver.script("/hook", .status(500))
            let webhook = try await engine.webhook("/hook")
            let start = engine.clock.now
            try await engine.publish(resource: "r")
            let id = try await Self.firstAttempt(engine, webhook)
            #expect(try await engine.delivery(webhook, id).0.nextAttemptAt == start + (jitter > 0 ? 12_000 : 8_000))
        }
    }

    @Test(arguments: [(Backend.sqlite, "120", 120_000), (.sqlite, "100000", 300_000), (.sqlite, "1", 5_000),
                      (.postgres, "120", 120_000), (.postgres, "100000", 300_000)] as [(Backend, String, Millis)])
    func retryAfterIsHonouredUpToTheLongestStep(_ backend: Backend, _ retryAfter: String, _ delay: Millis) async throws {
        var settings = Engine.Settings()
        settings.schedule = RetrySchedule(parsing: "5s,5m")!
        try await Engine.run(backend, settings) { engine in
            engine.receiver.script("/hook", .status(503, headers: [("Retry-After", retryAfter)]))
            let webhook = try await engine.webhook("/hook")
            let start = engine.clock.now
            try await engine.publish(resource: "r")
            let id = try await Self.firstAttempt(engine, webhook)
            #expect(try await engine.delivery(webhook, id).0.nextAttemptAt == start + delay)
        }
    }

    @Test(arguments: Backend.allCases)
    func orderPerResourceHoldsAcrossRetriesAndOtherResourcesGoOn(_ backend: Backend) async throws {
        var settings = Engine.Settings()
        settings.schedule = RetrySchedule(parsing: "5s")!
        try await Engine.run(backend, settings) { engine in
            // The first event of resource "a" fails once; everything else succeeds.
            engine.receiver.respond("/hook") { request, earlier in
                let first = request.json?["data"]?["id"] == .string("a") && request.json?["data"]?["step"] == .number("0")
                return first && !earlier.contains { $0.json?["data"]?["id"] == .string("a") } ? .status(500) : .status(200)
            }
            _ = try await engine.webhook("/hook")
            for step in 0..<3 { try await engine.publish(resource: "a", step: step) }
            try await engine.publish(resource: "b")
            try await engine.receiver.wait(for: 2, at: "/hook")
            try await engine.quiet()
            // "b" went; "a" waits for its first event's retry, five seconds away.
            #expect(Self.steps(engine.receiver.received, "a") == [0])
            #expect(Self.steps(engine.receiver.received, "b") == [0])
            engine.clock.advance(by: 5_000)
            try await engine.receiver.wait(for: 5, at: "/hook")
            #expect(Self.steps(engine.receiver.received, "a") == [0, 0, 1, 2])
        }
    }

    @Test(arguments: Backend.allCases)
    func aWebhookWhoseAttemptsAllFailForFiveDaysIsDisabled(_ backend: Backend) async throws {
        var settings = Engine.Settings()
        settings.schedule = RetrySchedule(parsing: "10h")!
        try await Engine.run(backend, settings) { engine in
            engine.receiver.script("/down", .status(500))
            let webhook = try await engine.webhook("/down")
            let start = engine.clock.now
            var sent = 0
            // An event every 20 hours, each failing twice (now and ten hours later).
            while engine.clock.now - start < 5 * 24 * 3_600_000 {
                let status = try await engine.store.webhook(customerID: engine.customer.id, id: webhook.id).status
                #expect(status == .active, "disabled after \(engine.clock.now - start) ms")
                let event = try await engine.publish(resource: "r\(sent)")
                sent += 1
                try await engine.until("the first attempt of \(event.id) recorded") {
                    try await engine.deliveries(webhook).first { $0.eventID == event.id }?.attemptCount == 1
                }
                engine.clock.advance(by: 10 * 3_600_000)
                try await engine.until("the second attempt of \(event.id) recorded") {
                    try await engine.deliveries(webhook).first { $0.eventID == event.id }?.status == .failed
                }
                engine.clock.advance(by: 10 * 3_600_000)
            }
            try await engine.publish(resource: "last")
            try await engine.until("the webhook disabled") {
                try await engine.store.webhook(customerID: engine.customer.id, id: webhook.id).status == .disabled
            }
            let disabled = try await engine.store.webhook(customerID: engine.customer.id, id: webhook.id)
            #expect(disabled.disabledReason == Self.policy.staleReason)
        }
    }

    /// A claim queued behind a slow attempt whose lease ran out, and that another node took over
    /// and settled, is never sent: the lease is checked (and would be extended) first.
    @Test(arguments: Backend.allCases)
    func aQueuedClaimThatLostItsLeaseIsNotSent(_ backend: Backend) async throws {
        var settings = Engine.Settings()
        settings.maxInFlightPerWebhook = 1
        try await Engine.run(backend, settings) { engine in
            let gate = Gate()
            engine.receiver.script("/slow", .held(gate, 200))
            let webhook = try await engine.webhook("/slow")
            try await engine.publish(resource: "r1")
            try await engine.publish(resource: "r2")
            try await engine.receiver.wait(for: 1, at: "/slow")
            // The next claim (the safety poll, two seconds on) queues r2 behind r1.
            engine.clock.advance(by: 2_000)
            try await engine.until("r2 queued") { engine.dispatcher.held == 2 }
            // Both leases run out; another node takes both over and settles them.
            engine.clock.advance(by: 61_000)
            let taken = try await engine.store.claimDue(limit: 10, quotas: ClaimQuotas(standard: 10), lease: .seconds(60),
                                                        owner: "node-b", now: engine.clock.now)
            #expect(taken.count == 2)
            try await engine.store.record(taken.map { claim in
                AttemptOutcome(deliverySeq: claim.seq, webhookID: webhook.id, lease: claim.lease, attempt: Attempt(
                    number: claim.attemptNumber, startedAt: engine.clock.now, durationMS: 1, statusCode: 200, error: nil,
                    responseBody: nil), next: .succeeded)
            }, policy: Self.policy, now: engine.clock.now)
            // The slow answer comes: this node records nothing it no longer holds, and sends no r2.
            gate.open()
            try await engine.quiet()
            #expect(Self.steps(engine.receiver.received, "r2").isEmpty, "r2 was sent without its lease")
            let deliveries = try await engine.deliveries(webhook)
            #expect(deliveries.allSatisfy { $0.status == .succeeded && $0.attemptCount == 1 })
        }
    }

    /// The first attempt's delivery, once its failure is recorded.
    @Test(arguments: Backend.allCases)
    func eachWebhooksLimitAdaptsToItsEndpoint(_ backend: Backend) async throws {
        var settings = Engine.Settings()
        settings.maxInFlightPerWebhook = 64
        try await Engine.run(backend, settings) { engine in
            // Answers held back: the endpoint gets the initial limit in flight and no more, with
            // as many claimed behind them, ready to go.
            let gate = Gate()
            defer { gate.open() }
            engine.receiver.respond("/fast") { _, _ in .held(gate, 200) }
            let fast = try await engine.webhook("/fast")
            try await engine.publish(resources: (0..<200).map { "f\($0)" })
            try await engine.until("16 attempts running and 16 queued (held: \(engine.dispatcher.held), limits: \(engine.dispatcher.concurrencyLimits))") {
                engine.dispatcher.held == 32
            }
            try await engine.receiver.wait(for: 16, at: "/fast")
            #expect(engine.receiver.received(at: "/fast").count == 16)
            #expect(engine.dispatcher.concurrencyLimits[fast.id] == 16)
            // Answers that come back while the limit is used raise it.
            gate.open()
            try await engine.receiver.wait(for: 200, at: "/fast")
            try await engine.quiet()
            let raised = try #require(engine.dispatcher.concurrencyLimits[fast.id])
            #expect(raised > 16 && raised <= 64, "\(raised)")

            // A 503 says the endpoint is overloaded: its limit halves, and only its own.
            engine.receiver.script("/busy", .status(503))
            let busy = try await engine.webhook("/busy")
            try await engine.publish(resource: "b")
            _ = try await engine.receiver.wait(for: 1, at: "/busy")
            try await engine.until("the busy endpoint's limit halved") { engine.dispatcher.concurrencyLimits[busy.id] == 8 }
            #expect(engine.dispatcher.concurrencyLimits[fast.id] == raised)
        }
    }

    static func firstAttempt(_ engine: Engine, _ webhook: Webhook) async throws -> UUID {
        try await engine.receiver.wait(for: 1, at: "/hook")
        let id = try #require(try await engine.deliveries(webhook).first?.id)
        try await engine.until("the first attempt recorded") { try await engine.delivery(webhook, id).0.attemptCount == 1 }
        return id
    }

    /// The `step` of each request for resource `id`, in arrival order.
    static func steps(_ requests: [ReceivedRequest], _ id: String) -> [Int] {
        requests.compactMap { request in
            guard request.json?["data"]?["id"] == .string(id) else { return nil }
            if case .number(let step)? = request.json?["data"]?["step"] { return Int(step) }
            return nil
        }
    }
}
