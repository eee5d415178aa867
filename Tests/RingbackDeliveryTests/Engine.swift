import Foundation
import Logging
import RingbackCore
import RingbackDelivery
import RingbackStore
import RingbackTestSupport
import Synchronization
import Testing

/// The delivery engine on a test clock: a real store of either backend, a real sender, a real
/// receiver on loopback, and a dispatcher whose schedules run on a `ManualClock`, so that a test
/// of retries an hour apart takes milliseconds.
struct Engine: Sendable {
    let store: any Store
    let clock: ManualClock
    let dispatcher: Dispatcher
    let receiver: Receiver
    let customer: Customer

    struct Settings: Sendable {
        var schedule = RetrySchedule.default
        var maxInFlightPerWebhook = 32
        var lease: Duration = .seconds(60)
        var jitter: Double = 0
    }

    static func run(_ backend: Backend, _ settings: Settings = Settings(),
                    _ body: @Sendable (Engine) async throws -> Void) async throws {
        let store = try await TestDatabase.store(backend)
        try await Receiver.run { receiver in
            try await TestDatabase.running(store) {
                let clock = ManualClock()
                let sender = try WebhookSender(configuration: SenderConfiguration(timeout: .seconds(5), allowPrivateTargets: true))
                var configuration = DispatcherConfiguration(
                    schedule: settings.schedule, timeout: .seconds(5), maxInFlight: 64,
                    maxInFlightPerWebhook: settings.maxInFlightPerWebhook, userAgent: "Ringback/test")
                configuration.lease = settings.lease
                let jitter = settings.jitter
                let dispatcher = Dispatcher(store: store, sender: sender, configuration: configuration,
                                            logger: Logger(label: "test.engine"), clock: clock, jitter: { jitter })
                let (customer, _) = try await store.createCustomer(name: "acme", detail: "", keyTokenHash: UUID().uuidString,
                                                                   now: clock.now)
                let senderTask = Task { try? await sender.run() }
                let dispatcherTask = Task { try? await dispatcher.run() }
                let result: Result<Void, any Error>
                do {
                    result = .success(try await body(Engine(store: store, clock: clock, dispatcher: dispatcher,
                                                            receiver: receiver, customer: customer)))
                } catch {
                    result = .failure(error)
                }
                dispatcher.stop()
                dispatcherTask.cancel()
                await dispatcherTask.value
                senderTask.cancel()
                await senderTask.value
                try result.get()
            }
        }
    }

    /// A webhook of the customer to `path` of the receiver.
    func webhook(_ path: String, types: [String] = ["*"]) async throws -> Webhook {
        try await store.createWebhook(Webhook(
            id: UUID(), customerID: customer.id, name: nil, detail: nil, url: receiver.url(path), method: .post,
            eventTypes: types, headers: [], secret: WebhookSecret.generate(), retiredSecrets: [], status: .active,
            disabledReason: nil, createdAt: clock.now, updatedAt: clock.now), limit: 100)
    }

    /// Publishes one event now.
    @discardableResult
    func publish(_ type: String = "call_updated", resource: String, step: Int = 0) async throws -> Event {
        let event = NewEvent(id: EventID.generate(milliseconds: clock.now), customerID: customer.id,
                             type: EventCatalog.eventType(named: type)!, resourceID: resource,
                             data: ["id": .string(resource), "step": JSONValue(integerLiteral: step)], createdAt: clock.now)
        return try await store.publish([event])[0].event
    }

    /// Publishes one event per resource now, in one batch.
    func publish(_ type: String = "call_updated", resources: [String]) async throws {
        _ = try await store.publish(resources.map { resource in
            NewEvent(id: EventID.generate(milliseconds: clock.now), customerID: customer.id,
                     type: EventCatalog.eventType(named: type)!, resourceID: resource,
                     data: ["id": .string(resource)], createdAt: clock.now)
        })
    }

    /// The webhook's deliveries, newest first.
    func deliveries(_ webhook: Webhook) async throws -> [Delivery] {
        try await store.listDeliveries(customerID: customer.id, webhookID: webhook.id, filter: DeliveryFilter(),
                                       PageRequest(size: 100, before: nil)).items
    }

    /// A delivery with its attempts.
    func delivery(_ webhook: Webhook, _ id: UUID) async throws -> (Delivery, [Attempt]) {
        try await store.delivery(customerID: customer.id, webhookID: webhook.id, id: id)
    }

    /// Waits (in real time, briefly) until `condition` holds: the engine works at once once the
    /// clock says so; this only waits for its tasks and the database.
    func until(_ what: @autoclosure () -> String = "condition", sourceLocation: SourceLocation = #_sourceLocation,
               _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("\(what()) did not hold within 20 s", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// Waits until this node holds nothing (no attempt running, none queued) and the delivery's
    /// state satisfies `settled`.
    func quiet() async throws {
        try await until("the dispatcher to hold nothing") { dispatcher.held == 0 }
    }
}
