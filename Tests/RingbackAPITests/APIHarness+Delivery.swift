import Foundation
import Hummingbird
import RingbackCore
import Testing

extension APIHarness {
    /// Publishes one event as the operator and answers the reply.
    @discardableResult
    func publish(_ customer: TestCustomer, type: String = "call_hangup", resource: String = "call-1",
                 id: String? = nil, extra: String = "") async throws -> Reply {
        let idField = id.map { #","id":"\#($0)""# } ?? ""
        return try await admin(.post, "/v1.0/events", json: """
            {"customer_id":"\(customer.id)","type":"\(type)","data":{"id":"\(resource)"\(extra)}\(idField)}
            """)
    }

    /// The deliveries of a webhook (first page of 100).
    func deliveries(_ customer: TestCustomer, webhook: String, query: String = "") async throws -> [JSONValue] {
        try await call(.get, "/v1.0/webhooks/\(webhook)/deliveries?page_size=100\(query)", token: customer.token).results
    }

    /// Polls one delivery until `condition` holds, failing after `timeout`.
    @discardableResult
    func waitForDelivery(_ customer: TestCustomer, webhook: String, delivery: String, timeout: Duration = .seconds(20),
                         sourceLocation: SourceLocation = #_sourceLocation,
                         until condition: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        var last: JSONValue = .null
        while ContinuousClock.now < deadline {
            let reply = try await call(.get, "/v1.0/webhooks/\(webhook)/deliveries/\(delivery)", token: customer.token)
            last = reply.json ?? .null
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("delivery condition did not hold within \(timeout): \(String(decoding: last.serialized(), as: UTF8.self))",
                     sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// The only delivery of a webhook, waited for until it settles as `status`.
    func settledDelivery(_ customer: TestCustomer, webhook: String, status: String,
                         sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let list = try await deliveries(customer, webhook: webhook)
        let id = try #require(list.first?["id"]?.stringValue, sourceLocation: sourceLocation)
        return try await waitForDelivery(customer, webhook: webhook, delivery: id, sourceLocation: sourceLocation) {
            $0["status"] == .string(status)
        }
    }
}

extension JSONValue {
    var attempts: [JSONValue] {
        if case .array(let items)? = self["attempts"] { return items }
        return []
    }
}
