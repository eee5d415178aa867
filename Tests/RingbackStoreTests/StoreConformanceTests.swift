import Foundation
import RingbackCore
import RingbackStore
import RingbackTestSupport
import Testing

/// Every store operation, written once and run against both backends.
@Suite struct StoreConformanceTests {
    static let now: Millis = 1_800_000_000_000
    static let lease: Duration = .seconds(30)

    // MARK: Fixtures

    static func customer(_ store: any Store, _ name: String = "acme") async throws -> Customer {
        try await store.createCustomer(name: name, detail: "", keyTokenHash: UUID().uuidString, now: now).0
    }

    static func webhook(_ store: any Store, _ customer: Customer, types: [String] = ["*"],
                        status: WebhookStatus = .active) async throws -> Webhook {
        try await store.createWebhook(Webhook(
            id: UUID(), customerID: customer.id, name: nil, detail: nil, url: "https://example.com/\(UUID())", method: .post,
            eventTypes: types, headers: [WebhookHeader(name: "X-A", value: "1")], secret: WebhookSecret.generate(),
            retiredSecrets: [], status: status, disabledReason: nil, createdAt: now, updatedAt: now), limit: 100)
    }

    static func event(_ customer: Customer, _ type: String = "call_hangup", resource: String = "call-1",
                      id: String? = nil, at time: Millis = now) -> NewEvent {
        NewEvent(id: id ?? EventID.generate(milliseconds: time), customerID: customer.id,
                 type: EventCatalog.eventType(named: type)!, resourceID: resource,
                 data: .object([JSONMember("id", .string(resource))]), createdAt: time)
    }

    static func claim(_ store: any Store, at time: Millis = now, limit: Int = 100, quotas: [UUID: Int] = [:],
                      owner: String = "node-a") async throws -> [ClaimedDelivery] {
        try await store.claimDue(limit: limit, quotas: ClaimQuotas(standard: 100, webhooks: quotas), lease: lease, owner: owner, now: time)
    }

    static func outcome(_ claimed: ClaimedDelivery, _ next: AttemptOutcome.Next, status: Int? = 200,
                        at time: Millis = now) -> AttemptOutcome {
        AttemptOutcome(deliverySeq: claimed.seq, webhookID: claimed.webhook.id, lease: claimed.lease, attempt: Attempt(
            number: claimed.attemptNumber, startedAt: time, durationMS: 3, statusCode: status,
            error: status == 200 ? nil : .status(status ?? 0), responseBody: "ok"), next: next)
    }

    static let disableAfter: Duration = .seconds(5 * 24 * 3600)
    static let policy = FailurePolicy(disableAfter: disableAfter, schedule: .default)

    // MARK: Customers and keys

    @Test(arguments: Backend.allCases)
    func customersAndAccessKeys(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let (customer, key) = try await store.createCustomer(name: "acme", detail: "d", keyTokenHash: "hash-1", now: Self.now)
            #expect(try await store.customer(id: customer.id) == customer)
            #expect(key.customerID == customer.id)
            #expect(try await store.customerID(forKeyHash: "hash-1", now: Self.now) == customer.id)
            #expect(try await store.customerID(forKeyHash: "hash-x", now: Self.now) == nil)
            let second = try await store.createAccessKey(customerID: customer.id, tokenHash: "hash-2", now: Self.now, expiresAt: nil)
            #expect(try await store.customerID(forKeyHash: "hash-2", now: Self.now) == customer.id)
            try await store.deleteAccessKey(customerID: customer.id, keyID: second.id)
            #expect(try await store.customerID(forKeyHash: "hash-2", now: Self.now) == nil)
            await #expect(throws: StoreError.notFound) { try await store.deleteAccessKey(customerID: customer.id, keyID: second.id) }
            await #expect(throws: StoreError.notFound) { try await store.createAccessKey(customerID: UUID(), tokenHash: "h", now: Self.now, expiresAt: nil) }

            // A portal session works until it expires; the customer's expired ones go when it gets another.
            let session = try await store.createAccessKey(customerID: customer.id, tokenHash: "session-1", now: Self.now, expiresAt: Self.now + 1000)
            #expect(session.expiresAt == Self.now + 1000)
            #expect(try await store.customerID(forKeyHash: "session-1", now: Self.now + 999) == customer.id)
            #expect(try await store.customerID(forKeyHash: "session-1", now: Self.now + 1000) == nil)
            _ = try await store.createAccessKey(customerID: customer.id, tokenHash: "session-2", now: Self.now + 1000, expiresAt: Self.now + 5000)
            await #expect(throws: StoreError.notFound) { try await store.deleteAccessKey(customerID: customer.id, keyID: session.id) }
            #expect(try await store.customerID(forKeyHash: "session-2", now: Self.now + 1000) == customer.id)
            #expect(try await store.customerID(forKeyHash: "hash-1", now: Self.now + 1000) == customer.id)

            for index in 0..<4 { _ = try await Self.customer(store, "c\(index)") }
            let first = try await store.listCustomers(PageRequest(size: 3, before: nil))
            #expect(first.items.map(\.name) == ["c3", "c2", "c1"])
            let rest = try await store.listCustomers(PageRequest(size: 3, before: first.next))
            #expect(rest.items.map(\.name) == ["c0", "acme"])
            #expect(rest.next == nil)

            #expect(try await store.deleteCustomer(id: customer.id) == customer)
            #expect(try await store.customerID(forKeyHash: "hash-1", now: Self.now) == nil)
            #expect(try await store.customerID(forKeyHash: "session-2", now: Self.now + 1000) == nil)
            await #expect(throws: StoreError.notFound) { try await store.customer(id: customer.id) }
        }
    }

    // MARK: Webhooks

    @Test(arguments: Backend.allCases)
    func webhooksBelongToTheirCustomer(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let owner = try await Self.customer(store)
            let other = try await Self.customer(store, "other")
            let webhook = try await Self.webhook(store, owner)
            #expect(try await store.webhook(customerID: owner.id, id: webhook.id) == webhook)
            await #expect(throws: StoreError.notFound) { try await store.webhook(customerID: other.id, id: webhook.id) }
            await #expect(throws: StoreError.notFound) { try await store.deleteWebhook(customerID: other.id, id: webhook.id) }
            await #expect(throws: StoreError.notFound) {
                try await store.updateWebhook(customerID: other.id, id: webhook.id) { $0.name = "stolen" }
            }
            #expect(try await store.listWebhooks(customerID: other.id, PageRequest(size: 10, before: nil)).items.isEmpty)

            let disabled = try await store.updateWebhook(customerID: owner.id, id: webhook.id) { webhook in
                webhook.status = .disabled
                webhook.disabledReason = "by hand"
                webhook.name = "renamed"
            }
            #expect(disabled.name == "renamed" && disabled.disabledReason == "by hand")
            let enabled = try await store.updateWebhook(customerID: owner.id, id: webhook.id) { $0.status = .active }
            #expect(enabled.disabledReason == nil)
            #expect(try await store.webhook(customerID: owner.id, id: webhook.id) == enabled)

            for _ in 0..<3 { _ = try await Self.webhook(store, owner) }
            let page = try await store.listWebhooks(customerID: owner.id, PageRequest(size: 2, before: nil))
            let next = try await store.listWebhooks(customerID: owner.id, PageRequest(size: 2, before: page.next))
            #expect(page.items.count == 2 && next.items.count == 2 && next.next == nil)
            #expect(Set((page.items + next.items).map(\.id)).count == 4)
            #expect(try await store.deleteWebhook(customerID: owner.id, id: webhook.id).id == webhook.id)
        }
    }

    // MARK: Publishing

    @Test(arguments: Backend.allCases)
    func publishingCreatesOneDeliveryPerMatchingActiveWebhook(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let calls = try await Self.webhook(store, customer, types: ["call.*"])
            let hangups = try await Self.webhook(store, customer, types: ["call_hangup"])
            _ = try await Self.webhook(store, customer, types: ["message.*"])
            _ = try await Self.webhook(store, customer, types: ["*"], status: .disabled)
            let results = try await store.publish([Self.event(customer), Self.event(customer, "call_ringing")])
            #expect(results.map(\.deliveryCount) == [2, 1])
            #expect(results.allSatisfy { $0.created })
            let claimed = try await Self.claim(store)
            #expect(Set(claimed.map(\.webhook.id)) == [calls.id, hangups.id])
            #expect(claimed.count == 2, "call_ringing waits behind call_hangup of the same resource for the calls webhook")
            #expect(claimed.allSatisfy { $0.body == results[0].event.body && $0.attemptNumber == 1 })
            #expect(try await store.pendingCount() == 3)
        }
    }

    @Test(arguments: Backend.allCases)
    func publishingIsIdempotentPerCustomerAndAtomic(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let other = try await Self.customer(store, "other")
            _ = try await Self.webhook(store, customer)
            let first = try await store.publish([Self.event(customer, id: "evt-1")])
            let again = try await store.publish([Self.event(customer, resource: "changed", id: "evt-1")])
            #expect(first[0].created && !again[0].created)
            #expect(again[0].event == first[0].event)
            #expect(again[0].deliveryCount == 0)
            #expect(try await store.publish([Self.event(other, id: "evt-1")])[0].created)

            let stranger = Customer(id: UUID(), name: "nobody", detail: "", createdAt: Self.now)
            await #expect(throws: StoreError.unknownCustomer(index: 1)) {
                try await store.publish([Self.event(customer, id: "evt-2"), Self.event(stranger, id: "evt-3")])
            }
            await #expect(throws: StoreError.notFound) { try await store.event(customerID: customer.id, id: "evt-2") }
            #expect(try await store.pendingCount() == 1)
            #expect(try await store.event(customerID: customer.id, id: "evt-1").data == .object([JSONMember("id", .string("call-1"))]))
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentDuplicatePublishesCreateOneEvent(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            _ = try await Self.webhook(store, customer)
            let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<12 { group.addTask { try await store.publish([Self.event(customer, id: "same")])[0].created } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(created == 1)
            #expect(try await store.pendingCount() == 1)
        }
    }

    /// Concurrent writes (on SQLite: one group commit for many) each get their own answer: a
    /// failing one fails alone and leaves nothing behind; the others are all stored.
    @Test(arguments: Backend.allCases)
    func concurrentPublishesEachGetTheirOwnAnswer(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            _ = try await Self.webhook(store, customer)
            let stranger = Customer(id: UUID(), name: "nobody", detail: "", createdAt: Self.now)
            let answers = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let owner = index % 10 == 3 ? stranger : customer
                        do {
                            _ = try await store.publish([Self.event(customer, resource: "r\(index)"),
                                                         Self.event(owner, resource: "s\(index)")])
                            return (index, true)
                        } catch let error as StoreError {
                            #expect(error == .unknownCustomer(index: 1))
                            return (index, false)
                        }
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(answers.count == 100)
            #expect(answers.filter { !$0.value }.keys.sorted() == (0..<100).filter { $0 % 10 == 3 })
            #expect(try await store.pendingCount() == 90 * 2, "a refused batch stores none of its events")
        }
    }

    @Test(arguments: Backend.allCases)
    func eventsAreListedNewestFirstWithFilters(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            _ = try await store.publish([
                Self.event(customer, "call_created", resource: "c1", id: "e1"),
                Self.event(customer, "call_hangup", resource: "c1", id: "e2"),
                Self.event(customer, "message_created", resource: "m1", id: "e3"),
            ])
            let all = try await store.listEvents(customerID: customer.id, type: nil, resourceID: nil, PageRequest(size: 10, before: nil))
            #expect(all.items.map(\.id) == ["e3", "e2", "e1"])
            let c1 = try await store.listEvents(customerID: customer.id, type: nil, resourceID: "c1", PageRequest(size: 1, before: nil))
            #expect(c1.items.map(\.id) == ["e2"])
            let c1Next = try await store.listEvents(customerID: customer.id, type: nil, resourceID: "c1", PageRequest(size: 1, before: c1.next))
            #expect(c1Next.items.map(\.id) == ["e1"])
            let hangups = try await store.listEvents(customerID: customer.id, type: "call_hangup", resourceID: nil, PageRequest(size: 10, before: nil))
            #expect(hangups.items.map(\.id) == ["e2"])
        }
    }

    // MARK: Claiming

    @Test(arguments: Backend.allCases)
    func claimsFollowPublishOrderPerResourceAndLeases(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            _ = try await Self.webhook(store, customer)
            _ = try await store.publish([
                Self.event(customer, "call_created", resource: "A"),
                Self.event(customer, "call_ringing", resource: "A"),
                Self.event(customer, "call_created", resource: "B"),
            ])
            let first = try await Self.claim(store)
            #expect(first.count == 2, "A's second event waits for A's first")
            // Leased work is not claimed again, and A's second is still blocked while A's first is in flight.
            #expect(try await Self.claim(store, owner: "node-b").isEmpty)
            // Until the lease expires: its holder is presumed dead, and another node takes the work over.
            let takenOver = try await Self.claim(store, at: Self.now + Self.lease.milliseconds + 1, owner: "node-b")
            #expect(Set(takenOver.map(\.id)) == Set(first.map(\.id)))
            // Settling A's first releases A's second.
            let headA = try #require(takenOver.first { $0.body == first.first { _ in true }!.body } ?? takenOver.first)
            try await store.record([Self.outcome(headA, .succeeded)], policy: Self.policy, now: Self.now)
            let next = try await Self.claim(store, at: Self.now + 2 * Self.lease.milliseconds + 2)
            #expect(next.count == 2, "A's second and B's (lease expired again)")
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentClaimersNeverShareWorkOrAResource(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            _ = try await Self.webhook(store, customer)
            _ = try await Self.webhook(store, customer)
            var events: [NewEvent] = []
            for resource in 0..<40 {
                for type in ["call_created", "call_ringing", "call_hangup"] {
                    events.append(Self.event(customer, type, resource: "r\(resource)"))
                }
            }
            _ = try await store.publish(events)
            // Rounds of six concurrent claimers, until a round finds nothing: a claimer may skip
            // rows another one holds for a moment, never take them.
            var claims: [ClaimedDelivery] = []
            while true {
                let round = try await withThrowingTaskGroup(of: [ClaimedDelivery].self) { group in
                    for node in 0..<6 { group.addTask { try await Self.claim(store, limit: 30, owner: "node-\(node)") } }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                if round.isEmpty { break }
                claims += round
            }
            #expect(claims.count == 80, "every head of every resource of both webhooks, once")
            #expect(Set(claims.map(\.id)).count == claims.count)
            let pairs = claims.map { claim in
                "\(claim.webhook.id)/\((try? JSONParser.parse(claim.body))?["data"]?["id"]?.stringValue ?? "?")"
            }
            #expect(Set(pairs).count == claims.count, "no resource of a webhook is claimed twice")
            // One resource per webhook at most once in flight: every claimed body is an event of type call_created.
            #expect(claims.allSatisfy { String(decoding: $0.body, as: UTF8.self).contains("call_created") })
        }
    }

    @Test(arguments: Backend.allCases)
    func excludedAndDisabledWebhooksAreNotClaimedAndReleasedClaimsReturn(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let busy = try await Self.webhook(store, customer)
            let other = try await Self.webhook(store, customer)
            _ = try await store.publish([Self.event(customer)])
            let claimed = try await Self.claim(store, quotas: [busy.id: 0])
            #expect(claimed.map(\.webhook.id) == [other.id])
            try await store.releaseClaims(claimed, owner: "node-a")
            _ = try await store.updateWebhook(customerID: customer.id, id: busy.id) { $0.status = .disabled }
            let again = try await Self.claim(store)
            #expect(again.map(\.webhook.id) == [other.id], "released work is claimable; a disabled webhook's is not")
            _ = try await store.updateWebhook(customerID: customer.id, id: busy.id) { $0.status = .active }
            #expect(try await Self.claim(store).map(\.webhook.id) == [busy.id])
        }
    }

    @Test(arguments: Backend.allCases)
    func claimsAreFairBetweenWebhooksAndIgnoreTheBacklogThatWaits(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let big = try await Self.webhook(store, customer, types: ["call.*"])
            let small = try await Self.webhook(store, customer, types: ["message.*"])
            // The big webhook has 300 due deliveries, older than the small one's 3; and 200 more
            // that wait behind one resource's head.
            var events = (0..<300).map { Self.event(customer, resource: "c\($0)", at: Self.now - 1000) }
            events += (0..<200).map { _ in Self.event(customer, "call_updated", resource: "busy", at: Self.now - 1000) }
            _ = try await store.publish(events)
            _ = try await store.publish((0..<3).map { Self.event(customer, "message_created", resource: "m\($0)") })
            let first = try await store.claimDue(limit: 10, quotas: ClaimQuotas(standard: 100), lease: Self.lease, owner: "a", now: Self.now)
            #expect(first.count == 10)
            #expect(first.filter { $0.webhook.id == small.id }.count == 3, "every webhook's first before any webhook's second")
            let capped = try await Self.claim(store, quotas: [big.id: 5])
            #expect(capped.count == 5 && capped.allSatisfy { $0.webhook.id == big.id }, "a webhook's own quota caps its share")
            // Only the head of the busy resource is claimable, however deep its backlog.
            var all = first + capped
            while true {
                let more = try await Self.claim(store, limit: 100)
                if more.isEmpty { break }
                all += more
            }
            #expect(all.filter { $0.webhook.id == big.id }.count == 301)
            #expect(Set(all.map(\.seq)).count == all.count)
        }
    }

    @Test(arguments: Backend.allCases)
    func aFailingWebhookGetsOneProbeAtATime(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let webhook = try await Self.webhook(store, customer)
            _ = try await store.publish((0..<8).map { Self.event(customer, resource: "r\($0)") })
            let claimed = try await Self.claim(store, limit: 5)
            try await store.record(claimed.map { Self.outcome($0, .retry(at: Self.now + 1), status: 500) },
                                   policy: Self.policy, now: Self.now)
            #expect(try await store.webhook(customerID: customer.id, id: webhook.id).health(at: Self.now) == .failing)
            let probe = try await Self.claim(store, at: Self.now + 10)
            #expect(probe.count == 1, "one probe")
            #expect(try await Self.claim(store, at: Self.now + 10, owner: "node-b").isEmpty, "none while the probe is leased")
            try await store.record([Self.outcome(probe[0], .succeeded, at: Self.now + 10)], policy: Self.policy, now: Self.now + 10)
            #expect(try await Self.claim(store, at: Self.now + 20).count == 7, "healthy again: everything due")
        }
    }

    @Test(arguments: Backend.allCases)
    func leasesAreExtendedAndReleasedOnlyByTheirHolder(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            _ = try await Self.webhook(store, customer)
            _ = try await store.publish([Self.event(customer, resource: "a"), Self.event(customer, resource: "b")])
            let mine = try await Self.claim(store, owner: "node-a")
            #expect(mine.count == 2 && mine.allSatisfy { $0.leaseUntil == Self.now + Self.lease.milliseconds })
            let until = Self.now + 2 * Self.lease.milliseconds
            #expect(try await store.extendLeases(mine, owner: "node-b", until: until).isEmpty, "not node-b's lease")
            #expect(try await store.extendLeases([mine[0]], owner: "node-a", until: until) == [mine[0].seq])
            // After its lease ran out, node-b takes the second over: node-a can neither extend nor release it.
            let expired = Self.now + Self.lease.milliseconds + 1
            let taken = try await Self.claim(store, at: expired, owner: "node-b")
            #expect(taken.map(\.seq) == [mine[1].seq])
            #expect(try await store.extendLeases([mine[1]], owner: "node-a", until: until).isEmpty)
            try await store.releaseClaims([mine[1]], owner: "node-a")
            #expect(try await Self.claim(store, at: expired, owner: "node-c").isEmpty, "node-b still holds it")
            try await store.releaseClaims(taken, owner: "node-b")
            #expect(try await Self.claim(store, at: expired, owner: "node-c").map(\.seq) == [mine[1].seq])
        }
    }

    /// Outcomes for the same webhooks recorded at once by several nodes, in opposite orders:
    /// webhooks are taken in one order, so no transaction deadlocks and every outcome counts.
    @Test(arguments: Backend.allCases)
    func concurrentRecordsOfTheSameWebhooksDoNotDeadlock(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let webhooks = [try await Self.webhook(store, customer), try await Self.webhook(store, customer)]
            _ = try await store.publish((0..<40).map { Self.event(customer, resource: "r\($0)") })
            let claimed = try await Self.claim(store)
            #expect(claimed.count == 80)
            let batches = stride(from: 0, to: 80, by: 4).map { index -> [AttemptOutcome] in
                let batch = claimed[index..<index + 4].map { Self.outcome($0, .retry(at: Self.now + 1), status: 500) }
                return index % 8 == 0 ? batch : batch.reversed()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for batch in batches { group.addTask { try await store.record(batch, policy: Self.policy, now: Self.now) } }
                try await group.waitForAll()
            }
            for webhook in webhooks {
                #expect(try await store.webhook(customerID: customer.id, id: webhook.id).consecutiveFailures == 40)
            }
        }
    }

    // MARK: Recording

    @Test(arguments: Backend.allCases)
    func recordingSettlesSchedulesAndIgnoresStaleOutcomes(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let webhook = try await Self.webhook(store, customer)
            _ = try await store.publish([Self.event(customer)])
            let first = try #require(try await Self.claim(store).first)
            let retryAt = Self.now + 5000
            try await store.record([Self.outcome(first, .retry(at: retryAt), status: 500)], policy: Self.policy, now: Self.now)
            // The same outcome again (a duplicate after a lease takeover) changes nothing.
            try await store.record([Self.outcome(first, .succeeded)], policy: Self.policy, now: Self.now)
            #expect(try await Self.claim(store).isEmpty, "not due before its retry time")
            #expect(try await store.nextDueAt(now: Self.now) == retryAt)
            let second = try #require(try await Self.claim(store, at: retryAt).first)
            #expect(second.attemptNumber == 2)
            try await store.record([Self.outcome(second, .succeeded, at: retryAt)], policy: Self.policy, now: retryAt)

            let list = try await store.listDeliveries(customerID: customer.id, webhookID: webhook.id, filter: DeliveryFilter(),
                                                      PageRequest(size: 10, before: nil))
            let delivery = try #require(list.items.first)
            #expect(delivery.status == .succeeded && delivery.attemptCount == 2 && delivery.lastStatusCode == 200)
            let (detail, attempts) = try await store.delivery(customerID: customer.id, webhookID: webhook.id, id: delivery.id)
            #expect(detail == delivery)
            #expect(attempts.map(\.number) == [1, 2])
            #expect(attempts.map(\.statusCode) == [500, 200])
            #expect(attempts[0].error == .status(500) && attempts[0].error?.code == .status && attempts[1].responseBody == "ok")
            #expect(try await store.pendingCount() == 0)
            #expect(try await store.nextDueAt(now: retryAt) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func goneAndLongFailureDisableTheWebhook(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let gone = try await Self.webhook(store, customer, types: ["call_hangup"])
            let dying = try await Self.webhook(store, customer, types: ["call.*"])
            _ = try await store.publish([Self.event(customer)])
            let claimed = try await Self.claim(store)
            let toGone = try #require(claimed.first { $0.webhook.id == gone.id })
            let toDying = try #require(claimed.first { $0.webhook.id == dying.id })
            try await store.record([
                Self.outcome(toGone, .gone, status: 410),
                Self.outcome(toDying, .retry(at: Self.now + 1000), status: 500),
            ], policy: Self.policy, now: Self.now)
            #expect(try await store.webhook(customerID: customer.id, id: gone.id).status == .disabled)
            #expect(try await store.webhook(customerID: customer.id, id: gone.id).disabledReason == FailurePolicy.goneReason)
            #expect(try await store.webhook(customerID: customer.id, id: dying.id).status == .active)
            // Failing every 20 hours for five days: disabled.
            let later = Self.now + Self.disableAfter.milliseconds + 1
            for time in Array(stride(from: Self.now + 20 * 3_600_000, through: Self.now + 100 * 3_600_000, by: 20 * 3_600_000)) + [later] {
                #expect(try await store.webhook(customerID: customer.id, id: dying.id).status == .active)
                let again = try #require(try await Self.claim(store, at: time).first)
                try await store.record([Self.outcome(again, .retry(at: time + 1000), status: 500, at: time)],
                                       policy: Self.policy, now: time)
            }
            let disabled = try await store.webhook(customerID: customer.id, id: dying.id)
            #expect(disabled.status == .disabled)
            #expect(disabled.disabledReason?.contains("failed") == true)
            #expect(disabled.updatedAt == later, "disabling is an update")
            // Its pending delivery waits; re-enabling makes it claimable again.
            #expect(try await Self.claim(store, at: later + 2000).isEmpty)
            _ = try await store.updateWebhook(customerID: customer.id, id: dying.id) { $0.status = .active }
            #expect(try await Self.claim(store, at: later + 2000).count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func aLoneFailureAfterAQuietPeriodDoesNotDisableAtOnceAndHealthFollowsTheRun(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let webhook = try await Self.webhook(store, customer)
            func fail(at time: Millis, resource: String) async throws {
                _ = try await store.publish([Self.event(customer, resource: resource, at: time)])
                let claimed = try #require(try await Self.claim(store, at: time).first)
                try await store.record([Self.outcome(claimed, .failed, status: 500, at: time)], policy: Self.policy, now: time)
            }
            try await fail(at: Self.now, resource: "a")
            var stored = try await store.webhook(customerID: customer.id, id: webhook.id)
            #expect(stored.consecutiveFailures == 1 && stored.failingSince == Self.now)
            #expect(stored.health(at: Self.now) == .healthy, "one failure is not a failing endpoint")
            #expect(stored.health(at: Self.now + 60_000) == .failing, "failing for a minute is")
            // Six quiet days, then one failure: the run goes on, but the webhook gets another try.
            let later = Self.now + 6 * 24 * 3_600_000
            try await fail(at: later, resource: "b")
            stored = try await store.webhook(customerID: customer.id, id: webhook.id)
            #expect(stored.status == .active)
            #expect(stored.consecutiveFailures == 2 && stored.failingSince == Self.now)
            // Its next failure: every attempt for six days failed, so it is disabled.
            try await fail(at: later + 5_000, resource: "c")
            stored = try await store.webhook(customerID: customer.id, id: webhook.id)
            #expect(stored.status == .disabled && stored.disabledReason == Self.policy.staleReason)
            #expect(stored.updatedAt == later + 5_000)
        }
    }

    @Test(arguments: Backend.allCases)
    func fiveFailuresMakeAWebhookFailingAndASuccessEndsTheRun(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let webhook = try await Self.webhook(store, customer)
            _ = try await store.publish((0..<6).map { Self.event(customer, resource: "r\($0)") })
            let claimed = try await Self.claim(store)
            try await store.record(claimed.prefix(4).map { Self.outcome($0, .failed, status: 500) }, policy: Self.policy, now: Self.now)
            #expect(try await store.webhook(customerID: customer.id, id: webhook.id).health(at: Self.now) == .healthy)
            try await store.record([Self.outcome(claimed[4], .failed, status: 500)], policy: Self.policy, now: Self.now)
            let failing = try await store.webhook(customerID: customer.id, id: webhook.id)
            #expect(failing.consecutiveFailures == 5 && failing.health(at: Self.now) == .failing, "five failures in a row")
            try await store.record([Self.outcome(claimed[5], .succeeded)], policy: Self.policy, now: Self.now)
            let healed = try await store.webhook(customerID: customer.id, id: webhook.id)
            #expect(healed.consecutiveFailures == 0 && healed.failingSince == nil && healed.health(at: Self.now) == .healthy)
        }
    }

    /// An outcome whose claim another node took over changes nothing: that node's counts.
    @Test(arguments: Backend.allCases)
    func anOutcomeIsRecordedOnlyUnderItsOwnLease(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let webhook = try await Self.webhook(store, customer)
            _ = try await store.publish([Self.event(customer, "call_created"), Self.event(customer, "call_hangup")])
            let slow = try #require(try await Self.claim(store, owner: "node-a").first)
            let later = Self.now + Self.lease.milliseconds + 1
            let taken = try #require(try await Self.claim(store, at: later, owner: "node-b").first)
            #expect(taken.seq == slow.seq)
            // node-a's late success must not settle the delivery (and so release the next one).
            try await store.record([Self.outcome(slow, .succeeded)], policy: Self.policy, now: later)
            #expect(try await Self.claim(store, at: later, owner: "node-c").isEmpty, "the next event still waits")
            try await store.record([Self.outcome(taken, .succeeded, at: later)], policy: Self.policy, now: later)
            let list = try await store.listDeliveries(customerID: customer.id, webhookID: webhook.id, filter: DeliveryFilter(status: .succeeded),
                                                       PageRequest(size: 10, before: nil))
            #expect(list.items.count == 1)
            #expect(try await Self.claim(store, at: later, owner: "node-c").count == 1)
        }
    }

    // MARK: Operations

    /// Contract section 17: attempts hour by hour, with success and duration percentiles.
    @Test(arguments: Backend.allCases)
    func statsCountAWebhooksAttemptsHourByHour(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let other = try await Self.customer(store, "other")
            let webhook = try await Self.webhook(store, customer)
            let since = Self.now - 3 * 3_600_000
            func attempt(_ claimed: ClaimedDelivery, at time: Millis, ms: Int64, status: Int, _ next: AttemptOutcome.Next) -> AttemptOutcome {
                AttemptOutcome(deliverySeq: claimed.seq, webhookID: claimed.webhook.id, lease: claimed.lease, attempt: Attempt(
                    number: claimed.attemptNumber, startedAt: time, durationMS: ms, statusCode: status,
                    error: status == 200 ? nil : .status(status), responseBody: ""), next: next)
            }
            // Hour 0: a 500 in 40 ms, then a success in 3 ms. Hour 2: a success in 700 ms.
            let first = since + 600_000
            _ = try await store.publish([Self.event(customer, resource: "a", at: first)])
            let a1 = try #require(try await Self.claim(store, at: first).first)
            try await store.record([attempt(a1, at: first, ms: 40, status: 500, .retry(at: first + 600_000))], policy: Self.policy, now: first)
            let a2 = try #require(try await Self.claim(store, at: first + 600_000).first)
            try await store.record([attempt(a2, at: first + 600_000, ms: 3, status: 200, .succeeded)], policy: Self.policy, now: first)
            let third = since + 2 * 3_600_000 + 600_000
            _ = try await store.publish([Self.event(customer, resource: "b", at: third)])
            let b1 = try #require(try await Self.claim(store, at: third).first)
            try await store.record([attempt(b1, at: third, ms: 700, status: 200, .succeeded)], policy: Self.policy, now: third)

            let stats = try await store.webhookStats(customerID: customer.id, webhookID: webhook.id, since: since,
                                                     until: since + 3 * 3_600_000)
            #expect(stats.attempts == 3 && stats.succeeded == 2 && stats.failed == 1)
            #expect(stats.buckets.map(\.attempts) == [2, 0, 1])
            #expect(stats.buckets.map(\.failed) == [1, 0, 0])
            #expect(stats.buckets.map(\.start) == [since, since + 3_600_000, since + 7_200_000])
            #expect(stats.p50 == 50 && stats.p99 == 1000, "durations 3, 40, 700 ms fall in the 5, 50 and 1000 ms buckets")
            let later = try await store.webhookStats(customerID: customer.id, webhookID: webhook.id, since: since + 3_600_000,
                                                     until: since + 3 * 3_600_000)
            #expect(later.attempts == 1 && later.buckets.count == 2)
            await #expect(throws: StoreError.notFound) {
                _ = try await store.webhookStats(customerID: other.id, webhookID: webhook.id, since: since, until: Self.now)
            }
        }
    }

    /// Contract section 18: settled events older than the cutoff go, with their deliveries and
    /// attempts, in batches; pending deliveries and newer events stay.
    @Test(arguments: Backend.allCases)
    func purgeDeletesOldSettledEventsAndNothingPending(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let other = try await Self.customer(store, "other")
            _ = try await Self.webhook(store, customer)
            let old = Self.now - 10_000
            // Five old events: three delivered, one failed for good, one still pending.
            _ = try await store.publish((0..<5).map { Self.event(customer, resource: "old-\($0)", at: old) })
            _ = try await store.publish([Self.event(other, resource: "no-webhook", at: old)])
            let claimed = try await Self.claim(store, at: old)
            #expect(claimed.count == 5)
            try await store.record(claimed.prefix(3).map { Self.outcome($0, .succeeded, at: old) }, policy: Self.policy, now: old)
            try await store.record([Self.outcome(claimed[3], .failed, status: 500, at: old)], policy: Self.policy, now: old)
            // A new event, delivered.
            _ = try await store.publish([Self.event(customer, resource: "new", at: Self.now)])
            let fresh = try #require(try await Self.claim(store, at: Self.now).first)
            try await store.record([Self.outcome(fresh, .succeeded)], policy: Self.policy, now: Self.now)

            let first = try await store.purge(before: Self.now - 5_000, limit: 3)
            #expect(first == PurgeCount(events: 3, deliveries: 3, attempts: 3), "a batch of three, oldest first")
            let second = try await store.purge(before: Self.now - 5_000, limit: 3)
            // The failed one, the other customer's, and the delivery_failed event its failure made.
            #expect(second == PurgeCount(events: 3, deliveries: 1, attempts: 1))
            #expect(try await store.purge(before: Self.now - 5_000, limit: 3) == PurgeCount())
            let left = try await store.listEvents(customerID: customer.id, type: nil, resourceID: nil, PageRequest(size: 10, before: nil))
            #expect(Set(left.items.map(\.resourceID)) == ["old-4", "new"], "the pending one and the new one stay")
            #expect(try await store.listEvents(customerID: other.id, type: nil, resourceID: nil, PageRequest(size: 10, before: nil))
                .items.isEmpty)
            #expect(try await store.pendingCount() == 1)
            // However old, the newest event stays: SQLite would give its seq to the next one.
            _ = try await store.purge(before: Self.now + 60_000, limit: 100)
            let kept = try await store.listEvents(customerID: customer.id, type: nil, resourceID: nil, PageRequest(size: 10, before: nil))
            #expect(Set(kept.items.map(\.resourceID)) == ["old-4", "new"])
        }
    }

    @Test(arguments: Backend.allCases)
    func retryRecoverTestAndDelete(_ backend: Backend) async throws {
        try await TestDatabase.withStore(backend) { store in
            let customer = try await Self.customer(store)
            let webhook = try await Self.webhook(store, customer)
            _ = try await store.publish([Self.event(customer, resource: "a"), Self.event(customer, resource: "b")])
            for claimed in try await Self.claim(store) {
                try await store.record([Self.outcome(claimed, .failed, status: 500)], policy: Self.policy, now: Self.now)
            }
            let failed = try await store.listDeliveries(customerID: customer.id, webhookID: webhook.id, filter: DeliveryFilter(status: .failed),
                                                         PageRequest(size: 10, before: nil)).items
            #expect(failed.count == 2)

            try await store.retryDelivery(customerID: customer.id, webhookID: webhook.id, id: failed[0].id, now: Self.now + 10)
            let retried = try #require(try await Self.claim(store, at: Self.now + 10).first)
            #expect(retried.id == failed[0].id && retried.attemptNumber == 2 && retried.roundStart == 2 && retried.roundAttempts == 1)
            try await store.releaseClaims([retried], owner: "node-a")

            let count = try await store.recoverDeliveries(customerID: customer.id, webhookID: webhook.id, since: Self.now - 1,
                                                          until: Self.now + 1, now: Self.now + 20)
            #expect(count == 1, "the other is pending already")
            let recovered = try await Self.claim(store, at: Self.now + 20).first { $0.id == failed[1].id }
            #expect(recovered?.roundStart == 2 && recovered?.roundAttempts == nil)
            #expect(try await store.recoverDeliveries(customerID: customer.id, webhookID: webhook.id, since: Self.now + 1,
                                                      until: nil, now: Self.now) == 0)

            let test = NewEvent(id: EventID.generate(milliseconds: Self.now), customerID: customer.id, type: EventCatalog.testEvent,
                                resourceID: webhook.id.text, data: .object([JSONMember("id", .string(webhook.id.text))]),
                                createdAt: Self.now)
            let testID = try await store.createTestDelivery(customerID: customer.id, webhookID: webhook.id, event: test)
            #expect(try await Self.claim(store, at: Self.now + 100).contains { $0.id == testID })

            let other = try await Self.customer(store, "other")
            await #expect(throws: StoreError.notFound) {
                try await store.retryDelivery(customerID: other.id, webhookID: webhook.id, id: failed[0].id, now: Self.now)
            }
            await #expect(throws: StoreError.notFound) {
                try await store.delivery(customerID: other.id, webhookID: webhook.id, id: failed[0].id)
            }
            _ = try await store.deleteWebhook(customerID: customer.id, id: webhook.id)
            #expect(try await store.pendingCount() == 0, "deleting a webhook cancels its deliveries")
        }
    }
}
