import Foundation
import Hummingbird
import RingbackCore
import Testing

@Suite struct AddressGuardTests {
    /// Each target must be refused before any connection is made (none of them is contacted).
    @Test(arguments: [
        "https://127.0.0.1/hook", "https://[::1]/hook", "https://10.0.0.1/hook", "https://169.254.169.254/latest/meta-data",
        "https://localhost/hook", "https://[::ffff:127.0.0.1]/hook", "https://100.64.1.1/hook", "https://0.0.0.0/hook",
    ])
    func privateTargetsAreBlocked(_ url: String) async throws {
        var engine = APIHarness.Engine(schedule: RetrySchedule(parsing: "1h")!)
        engine.allowPrivateTargets = false
        try await APIHarness.run(engine: engine) { api in
            let customer = try await api.customer()
            let webhook = try await api.webhook(customer, url: url).string("id")
            try await api.publish(customer)
            let id = try #require(try await api.deliveries(customer, webhook: webhook).first?["id"]?.stringValue)
            let delivery = try await api.waitForDelivery(customer, webhook: webhook, delivery: id) { $0["attempt_count"] == .number("1") }
            #expect(delivery["last_error"] == .string("blocked: private address"), "\(url)")
            #expect(delivery["last_status_code"] == .null)
            #expect(delivery.attempts.first?["error"] == .string("blocked: private address"))
        }
    }
}
