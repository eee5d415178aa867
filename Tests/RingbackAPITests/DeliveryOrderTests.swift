import Foundation
import Hummingbird
import RingbackCore
import RingbackTestSupport
import Testing

@Suite struct DeliveryOrderTests {
    @Test func oneResourceIsDeliveredInOrderUnderFailuresWhileAnotherIsNotHeldBack() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "1500ms,1500ms,1500ms")!)) { api in
                // The first event of call-A fails twice; call-A's later events must wait for it.
                receiver.respond("/ordered") { request, earlier in
                    guard request.json?["type"] == .string("call_created") else { return .status(200) }
                    let tries = earlier.filter { $0.json?["type"] == .string("call_created") }.count
                    return tries < 2 ? .status(500) : .status(200)
                }
                let customer = try await api.customer()
                _ = try await api.webhook(customer, url: receiver.url("/ordered"), eventTypes: #"["*"]"#)
                var expectedA: [String] = []
                expectedA.append(try await api.publish(customer, type: "call_created", resource: "call-A").string("id"))
                try await receiver.wait(for: 1, at: "/ordered")
                expectedA.append(try await api.publish(customer, type: "call_ringing", resource: "call-A").string("id"))
                expectedA.append(try await api.publish(customer, type: "call_hangup", resource: "call-A").string("id"))
                let other = try await api.publish(customer, type: "message_created", resource: "msg-B").string("id")

                let callA = expectedA
                let requests = try await receiver.wait { requests in
                    requests.filter { $0.header("webhook-id").map(callA.contains) == true }.count >= 5
                }
                let ids = requests.compactMap { $0.header("webhook-id") }
                // call-A: the first event three times (two failures, one success), then the rest in order.
                #expect(ids.filter(expectedA.contains) == [expectedA[0], expectedA[0], expectedA[0], expectedA[1], expectedA[2]])
                // msg-B went through while call-A's first event was still failing.
                let otherIndex = try #require(ids.firstIndex(of: other))
                let lastRetryOfFirst = try #require(ids.lastIndex(of: expectedA[0]))
                #expect(otherIndex < lastRetryOfFirst, "\(ids)")
            }
        }
    }

    @Test func aHangingEndpointDoesNotDelayAnother() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "1h")!, timeout: .seconds(30), maxInFlight: 16, maxInFlightPerWebhook: 4)) { api in
                receiver.script("/hang", .hang)
                let customer = try await api.customer()
                let slow = try await api.customer("slow")
                _ = try await api.webhook(slow, url: receiver.url("/hang"), eventTypes: #"["*"]"#)
                _ = try await api.webhook(customer, url: receiver.url("/fast"), eventTypes: #"["*"]"#)
                // Far more hanging work than the per-webhook bound, then the other endpoint's events.
                for index in 0..<40 {
                    try await api.publish(slow, resource: "slow-\(index)")
                }
                try await receiver.wait(for: 4, at: "/hang")
                for index in 0..<20 {
                    try await api.publish(customer, resource: "fast-\(index)")
                }
                try await receiver.wait(for: 20, at: "/fast", timeout: .seconds(10))
                // The hanging endpoint holds its own share only.
                #expect(receiver.received(at: "/hang").count == 4)
            }
        }
    }
}
