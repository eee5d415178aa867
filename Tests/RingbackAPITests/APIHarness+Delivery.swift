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

    /// Polls `condition` every 20 ms until it holds, failing after `timeout` with `describe`'s account.
    func eventually(timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
                    _ describe: @autoclosure () -> String = "condition",
                    _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(describe()) did not hold within \(timeout)", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// Polls one delivery until `condition` holds, failing after `timeout`.
    @discardableResult
    func waitForDelivery(_ customer: TestCustomer, webhook: String, delivery: String, timeout: Duration = .seconds(20),
                         sourceLocation: SourceLocation = #_sourceLocation,
                         until condition: @escaping (JSONValue) -> Bool) async throws -> JSONValue {
        var last: JSONValue = .null
        try await eventually(timeout: timeout, sourceLocation: sourceLocation,
                             "delivery condition (last seen: \(String(decoding: last.serialized(), as: UTF8.self)))") {
            last = try await call(.get, "/v1.0/webhooks/\(webhook)/deliveries/\(delivery)", token: customer.token).json ?? .null
            return condition(last)
        }
        return last
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
