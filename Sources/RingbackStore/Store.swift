import Foundation
import RingbackCore
import ServiceLifecycle

/// Everything Ringback keeps, in verbs of the domain. Every method is one transaction.
/// Backends: `SQLiteStore` (RingbackSQLite: embedded, one process) and `PostgresStore`
/// (RingbackPostgres: a cluster). No database type crosses this protocol.
///
/// A store is a service: `run()` opens its connections, brings the schema up to date, and keeps
/// them (and the listener for other nodes' commits) until graceful shutdown. It must be running
/// while the store is used; `ready()` returns once the schema is up to date.
public protocol Store: Service {
    /// Returns once `run()` has brought the schema up to date; throws if it cannot.
    func ready() async throws

    /// Signals that fire when deliveries may have become due (commits of this store).
    var wakeups: WakeSignal { get }

    /// Signals that fire when events were committed (on PostgreSQL, by any node).
    var commits: Broadcast { get }

    /// Whether the database answers.
    func ping() async throws


    // MARK: Customers and access keys

    func createCustomer(name: String, detail: String, keyTokenHash: String, now: Millis) async throws -> (Customer, AccessKey)
    func listCustomers(_ page: PageRequest) async throws -> Page<Customer>
    func customer(id: UUID) async throws -> Customer
    func deleteCustomer(id: UUID) async throws -> Customer
    /// A key of the customer; one with `expiresAt` (a portal session) stops working then, and the
    /// customer's keys that expired already are deleted.
    func createAccessKey(customerID: UUID, tokenHash: String, now: Millis, expiresAt: Millis?) async throws -> AccessKey
    func deleteAccessKey(customerID: UUID, keyID: UUID) async throws
    /// The customer whose access key hashes to `tokenHash` and has not expired at `now`, or nil.
    func customerID(forKeyHash tokenHash: String, now: Millis) async throws -> UUID?

    // MARK: Webhooks

    /// Stores a new webhook, unless its customer has `limit` webhooks already (`StoreError.limit`).
    func createWebhook(_ webhook: Webhook, limit: Int) async throws -> Webhook
    func listWebhooks(customerID: UUID, _ page: PageRequest) async throws -> Page<Webhook>
    func webhook(customerID: UUID, id: UUID) async throws -> Webhook
    /// Applies `change` to the stored webhook inside one transaction and saves the result.
    func updateWebhook(customerID: UUID, id: UUID, _ change: @escaping @Sendable (inout Webhook) throws -> Void) async throws -> Webhook
    /// Reserves the webhook's next send under its rate limit, shared by every node: answers when
    /// (microseconds since 1970) the send may start; `spacing` apart from every other reservation.
    func reserveSend(webhookID: UUID, spacing: Int64, now: Int64) async throws -> Int64
    /// How many webhooks are healthy, failing and disabled at `now` (contract section 19).
    func webhookHealthCounts(now: Millis) async throws -> [String: Int]
    /// Deletes the webhook and cancels its pending deliveries.
    func deleteWebhook(customerID: UUID, id: UUID) async throws -> Webhook

    // MARK: Events

    /// The customer's events after `position`, in stream order (at most `limit`; contract section 15).
    func streamEvents(customerID: UUID, after position: StreamPosition, limit: Int) async throws -> StreamBatch
    /// Where the customer's event `id` is in the stream, or nil if it has no such event.
    func streamPosition(customerID: UUID, eventID: String) async throws -> StreamPosition?
    /// The position after every event of the customer stored now.
    func streamHead(customerID: UUID) async throws -> StreamPosition
    /// Deletes up to `limit` events created before `cutoff` whose deliveries are all settled,
    /// with their deliveries and attempts (contract section 18). On PostgreSQL, a node finds
    /// nothing to do while another is purging.
    func purge(before cutoff: Millis, limit: Int) async throws -> PurgeCount

    /// Stores the events and one delivery per matching active webhook, all or nothing.
    /// An event whose id the customer already used is returned as it was, with `created == false`.
    func publish(_ events: [NewEvent]) async throws -> [PublishResult]
    func listEvents(customerID: UUID, type: String?, resourceID: String?, _ page: PageRequest) async throws -> Page<Event>
    func event(customerID: UUID, id: String) async throws -> Event

    // MARK: Deliveries: the hot path

    /// Leases until `now + lease` up to `limit` due deliveries, each the oldest pending one of its
    /// resource to its webhook, of active webhooks. Fair between webhooks: at most its quota of
    /// one webhook, and one at a time of a failing webhook with none leased;
    /// every webhook's first before any webhook's second. Its cost depends on the webhooks and
    /// the work returned, not on deliveries waiting behind others of their resource.
    func claimDue(limit: Int, quotas: ClaimQuotas, lease: Duration, owner: String,
                  now: Millis) async throws -> [ClaimedDelivery]
    /// Extends the leases this node still holds (same owner, same lease) to `until`; answers the
    /// deliveries whose lease was extended. A lease another node took over is not extended.
    func extendLeases(_ claims: [ClaimedDelivery], owner: String, until: Millis) async throws -> Set<Int64>
    /// Gives leases this node holds back without an attempt.
    func releaseClaims(_ claims: [ClaimedDelivery], owner: String) async throws
    /// Records attempts and their consequences, in one transaction: delivery states, the
    /// webhooks' failure runs, disabling (410, or failing for `policy.disableAfter`).
    func record(_ outcomes: [AttemptOutcome], policy: FailurePolicy, now: Millis) async throws
    /// The earliest time after `now` at which a claim could find work, or nil when none is known.
    /// Like a claim, its cost does not grow with deliveries waiting behind others.
    func nextDueAt(now: Millis) async throws -> Millis?
    /// Pending deliveries in all (for the metrics gauge).
    func pendingCount() async throws -> Int

    // MARK: Deliveries: records and operations

    func listDeliveries(customerID: UUID, webhookID: UUID, filter: DeliveryFilter, _ page: PageRequest) async throws -> Page<Delivery>
    func delivery(customerID: UUID, webhookID: UUID, id: UUID) async throws -> (Delivery, [Attempt])
    /// The webhook's attempts in [since, until), hour by hour (contract section 17).
    func webhookStats(customerID: UUID, webhookID: UUID, since: Millis, until: Millis) async throws -> WebhookStats
    /// Makes the delivery due now for one more attempt.
    func retryDelivery(customerID: UUID, webhookID: UUID, id: UUID, now: Millis) async throws
    /// Queues again, with the whole schedule, the failed deliveries created in the window.
    func recoverDeliveries(customerID: UUID, webhookID: UUID, since: Millis, until: Millis?, now: Millis) async throws -> Int
    /// Creates the test event for a webhook and its one delivery, due now.
    func createTestDelivery(customerID: UUID, webhookID: UUID, event: NewEvent) async throws -> UUID
}

/// Which of a webhook's deliveries a list shows: every condition given must hold.
public struct DeliveryFilter: Sendable, Equatable {
    public var status: DeliveryStatus?
    public var eventID: String?
    public var eventType: String?
    /// Created at or after.
    public var since: Millis?
    /// Created before.
    public var until: Millis?

    public init(status: DeliveryStatus? = nil, eventID: String? = nil, eventType: String? = nil,
                since: Millis? = nil, until: Millis? = nil) {
        self.status = status
        self.eventID = eventID
        self.eventType = eventType
        self.since = since
        self.until = until
    }
}
