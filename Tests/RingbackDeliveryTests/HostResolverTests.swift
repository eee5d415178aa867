import Foundation
@testable import RingbackDelivery
import Synchronization
import Testing

/// Lookups are shared per host, bounded, and never keep other hosts waiting (section 13).
@Suite struct HostResolverTests {
    /// Waits (yielding) until `condition` holds, failing after ten seconds.
    func until(sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("the condition did not hold within 10 s", sourceLocation: sourceLocation)
                throw CancellationError()
            }
            await Task.yield()
        }
    }

    /// A lookup that blocks its thread until the test lets it answer, and counts its calls.
    final class ScriptedLookup: Sendable {
        private let calls = Mutex<[String]>([])
        private let gates = Mutex<[String: DispatchSemaphore]>([:])

        /// Hosts whose lookups block until `release`.
        init(blocking hosts: [String]) {
            gates.withLock { gates in for host in hosts { gates[host] = DispatchSemaphore(value: 0) } }
        }

        var lookups: [String] { calls.withLock { $0 } }

        func release(_ host: String) { gates.withLock { $0[host] }?.signal() }

        var function: HostResolver.Lookup {
            { host in
                self.calls.withLock { $0.append(host) }
                self.gates.withLock { $0[host] }?.wait()
                return .success([HostResolver.Address(bytes: [127, 0, 0, 1], text: "127.0.0.1")])
            }
        }
    }

    @Test func attemptsWaitingForOneHostShareOneLookup() async throws {
        let script = ScriptedLookup(blocking: ["slow.example"])
        let resolver = HostResolver(bound: .seconds(30), lookup: script.function)
        try await withThrowingTaskGroup(of: [HostResolver.Address].self) { group in
            for _ in 0..<10 { group.addTask { try await resolver.addresses(of: "slow.example") } }
            // Every waiter has joined before the one lookup answers.
            try await until { !script.lookups.isEmpty }
            script.release("slow.example")
            for try await addresses in group { #expect(addresses.map(\.text) == ["127.0.0.1"]) }
        }
        #expect(script.lookups == ["slow.example"])
        _ = try await resolver.addresses(of: "slow.example")
        #expect(script.lookups.count == 1, "answered from the cache")
    }

    @Test func aCancelledAttemptStopsWaitingAtOnce() async throws {
        let script = ScriptedLookup(blocking: ["hang.example"])
        let resolver = HostResolver(bound: .seconds(30), lookup: script.function)
        let waiting = Task { try await resolver.addresses(of: "hang.example") }
        try await until { !script.lookups.isEmpty }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        script.release("hang.example")
    }

    @Test func aLookupPastItsBoundGivesItsSlotToOthers() async throws {
        let script = ScriptedLookup(blocking: ["hang.example"])
        let resolver = HostResolver(maxLookups: 1, bound: .milliseconds(50), lookup: script.function)
        let hanging = Task { try await resolver.addresses(of: "hang.example") }
        try await until { !script.lookups.isEmpty }
        // The only slot is taken; the next host queues, and gets the slot once the bound passes.
        #expect(try await resolver.addresses(of: "fine.example").map(\.text) == ["127.0.0.1"])
        #expect(resolver.counts.abandoned == 1)
        hanging.cancel()
        _ = try? await hanging.value
        script.release("hang.example")
    }

    @Test func tooManyAbandonedLookupsFailNewOnesAtOnce() async throws {
        let hosts = ["a.example", "b.example"]
        let script = ScriptedLookup(blocking: hosts)
        let resolver = HostResolver(maxLookups: 2, maxAbandoned: 2, bound: .milliseconds(20), lookup: script.function)
        let waiting = hosts.map { host in Task { try await resolver.addresses(of: host) } }
        try await until { resolver.counts.abandoned == 2 }
        await #expect(throws: HostResolver.Failure.notFound) { try await resolver.addresses(of: "c.example") }
        for task in waiting { task.cancel() }
        for host in hosts { script.release(host) }
    }

    @Test func theDeadlineEndsAnAttemptThatWouldNotEnd() async throws {
        let start = ContinuousClock.now
        await #expect(throws: WebhookSender.DeadlineExceeded.self) {
            try await WebhookSender.withDeadline(.now + .milliseconds(50)) {
                try await Task.sleep(for: .seconds(3600))
                return 0
            }
        }
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(try await WebhookSender.withDeadline(.now + .seconds(60)) { 7 } == 7)
    }
}
