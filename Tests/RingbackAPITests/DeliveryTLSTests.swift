import Foundation
import Hummingbird
import RingbackCore
import RingbackTestSupport
import Testing

@Suite struct DeliveryTLSTests {
    @Test func trustCAAddsACertificateAuthorityForHTTPSDeliveries() async throws {
        let certificates = try await TestCertificates.make()
        try await Receiver.run(tls: try certificates.serverConfiguration()) { receiver in
            var engine = APIHarness.Engine(schedule: RetrySchedule(parsing: "1h")!)
            engine.trustedCAPath = certificates.caPath
            try await APIHarness.run(engine: engine) { api in
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/secure")).string("id")
                try await api.publish(customer)
                try await receiver.wait(for: 1, at: "/secure")
                let delivery = try await api.settledDelivery(customer, webhook: webhook, status: "succeeded")
                #expect(delivery["last_status_code"] == .number("200"))
            }
        }
    }

    @Test func anUntrustedCertificateIsATLSError() async throws {
        let certificates = try await TestCertificates.make()
        try await Receiver.run(tls: try certificates.serverConfiguration()) { receiver in
            try await APIHarness.run(engine: .init(schedule: RetrySchedule(parsing: "1h")!)) { api in
                let customer = try await api.customer()
                let webhook = try await api.webhook(customer, url: receiver.url("/secure")).string("id")
                try await api.publish(customer)
                let id = try #require(try await api.deliveries(customer, webhook: webhook).first?["id"]?.stringValue)
                let delivery = try await api.waitForDelivery(customer, webhook: webhook, delivery: id) { $0["attempt_count"] == .number("1") }
                #expect(delivery["last_error"]?.stringValue?.hasPrefix("tls error") == true, "\(delivery["last_error"] ?? .null)")
                #expect(receiver.received(at: "/secure").isEmpty)
            }
        }
    }
}
