import Foundation
import RingbackCore
import RingbackTestSupport
import Testing

/// `GET /v1.0/webhooks/{id}/stats` (contract section 17).
@Suite struct StatsTests {
    @Test(arguments: Backend.allCases)
    func aDayOfAttemptsHourByHour(_ backend: Backend) async throws {
        try await Receiver.run { receiver in
            receiver.script("/flaky", .status(500), .status(200))
            try await APIHarness.run(backend: backend, allowInsecureURLs: true, engine: .init()) { api in
                let customer = try await api.customer()
                let other = try await api.customer("other")
                let id = try await api.webhook(customer, url: receiver.url("/flaky"), eventTypes: #"["*"]"#).string("id")
                _ = try await api.publish(customer)
                try await receiver.wait(for: 2, at: "/flaky")
                try await api.eventually("both attempts are recorded") {
                    try await api.call(.get, "/v1.0/webhooks/\(id)/stats", token: customer.token).value("attempts") == .number("2")
                }
                let stats = try await api.call(.get, "/v1.0/webhooks/\(id)/stats", token: customer.token)
                #expect(stats.status == .ok)
                #expect(stats.value("succeeded") == .number("1") && stats.value("failed") == .number("1"))
                #expect(stats.value("success_rate") == .number("0.5"))
                #expect(stats.value("duration_ms", "p50") != nil && stats.value("duration_ms", "p99") != .null)
                guard case .array(let buckets)? = stats.value("buckets") else { Issue.record("no buckets"); return }
                #expect(buckets.count == 24, "the last 24 hours, empty ones included")
                #expect(buckets.last?["attempts"] == .number("2"))
                let since = Timestamp.format(milliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000)
                let hour = try await api.call(.get, "/v1.0/webhooks/\(id)/stats?since=\(since)", token: customer.token)
                #expect(hour.value("attempts") == .number("2"))
                for bad in ["yesterday", "2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z"] {
                    try await api.call(.get, "/v1.0/webhooks/\(id)/stats?since=\(bad)", token: customer.token)
                        .expectProblem(.badRequest, fields: ["since"])
                }
                try await api.call(.get, "/v1.0/webhooks/\(id)/stats", token: other.token).expectProblem(.notFound)
            }
        }
    }
}
