import Foundation
import RingbackCore

/// Everything Ringback keeps, in verbs of the domain. Every method is one transaction.
/// Backends: `SQLiteStore` (embedded, one process). No database type crosses this protocol.
public protocol Store: Sendable {
    /// Keeps the store's connections (and its listener for other nodes' commits) running until
    /// cancelled. It must be running while the store is used.
    func run() async throws

    /// Creates or upgrades the schema.
    func migrate() async throws

    /// Signals that fire when deliveries may have become due (commits of this store).
    var wakeups: WakeSignal { get }

    /// Whether the database answers.
    func ping() async throws

    /// Releases the database; the store is unusable afterwards.
    func close() async throws

    // MARK: Customers and access keys

    func createCustomer(name: String, detail: String, keyTokenHash: String, now: Millis) async throws -> (Customer, AccessKey)
    func listCustomers(_ page: PageRequest) async throws -> Page<Customer>
    func customer(id: UUID) async throws -> Customer
    func deleteCustomer(id: UUID) async throws -> Customer
    func createAccessKey(customerID: UUID, tokenHash: String, now: Millis) async throws -> AccessKey
    func deleteAccessKey(customerID: UUID, keyID: UUID) async throws
    /// The customer whose access key hashes to `tokenHash`, or nil.
    func customerID(forKeyHash tokenHash: String) async throws -> UUID?

    // MARK: Webhooks

    func createWebhook(_ webhook: Webhook) async throws -> Webhook
    func listWebhooks(customerID: UUID, _ page: PageRequest) async throws -> Page<Webhook>
    func webhook(customerID: UUID, id: UUID) async throws -> Webhook
    /// Applies `change` to the stored webhook inside one transaction and saves the result.
    func updateWebhook(customerID: UUID, id: UUID, _ change: @escaping @Sendable (inout Webhook) throws -> Void) async throws -> Webhook
    /// Deletes the webhook and cancels its pending deliveries.
    func deleteWebhook(customerID: UUID, id: UUID) async throws -> Webhook

    // MARK: Events

    /// Stores the events and one delivery per matching active webhook, all or nothing.
    /// An event whose id the customer already used is returned as it was, with `created == false`.
    func publish(_ events: [NewEvent]) async throws -> [PublishResult]
    func listEvents(customerID: UUID, type: String?, resourceID: String?, _ page: PageRequest) async throws -> Page<Event>
    func event(customerID: UUID, id: String) async throws -> Event

    // MARK: Deliveries: the hot path

    /// Leases up to `limit` due deliveries that are the oldest pending of their resource to their
    /// webhook, of active webhooks not in `excluding`, until `now + lease`.
    func claimDue(limit: Int, excluding: Set<UUID>, lease: Duration, owner: String, now: Millis) async throws -> [ClaimedDelivery]
    /// Gives leases back without an attempt (work claimed beyond a webhook's concurrency bound).
    func releaseClaims(_ seqs: [Int64]) async throws
    /// Records attempts and their consequences, in one transaction. A webhook failing for
    /// `disableAfter` without a success is disabled.
    func record(_ outcomes: [AttemptOutcome], disableAfter: Duration, now: Millis) async throws
    /// The earliest time after `now` at which a claim could find work, or nil when none is known.
    func nextDueAt(now: Millis) async throws -> Millis?
    /// Pending deliveries in all (for the metrics gauge).
    func pendingCount() async throws -> Int

    // MARK: Deliveries: records and operations

    func listDeliveries(customerID: UUID, webhookID: UUID, status: DeliveryStatus?, eventID: String?, _ page: PageRequest) async throws -> Page<Delivery>
    func delivery(customerID: UUID, webhookID: UUID, id: UUID) async throws -> (Delivery, [Attempt])
    /// Makes the delivery due now for one more attempt.
    func retryDelivery(customerID: UUID, webhookID: UUID, id: UUID, now: Millis) async throws
    /// Queues again, with the whole schedule, the failed deliveries created in the window.
    func recoverDeliveries(customerID: UUID, webhookID: UUID, since: Millis, until: Millis?, now: Millis) async throws -> Int
    /// Creates the test event for a webhook and its one delivery, due now.
    func createTestDelivery(customerID: UUID, webhookID: UUID, event: NewEvent) async throws -> UUID
}
