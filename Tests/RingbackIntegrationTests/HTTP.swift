import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RingbackCore
import Synchronization

/// POSTs JSON and answers the parsed reply, requiring `expect` as status.
func post(_ url: String, token: String, json: String, expect: Int? = nil) async throws -> JSONValue {
    try await send(url, token: token, json: json, expect: expect).1
}

/// POSTs JSON; answers the status and the parsed reply.
func send(_ url: String, method: HTTPMethod = .POST, token: String, json: String?, expect: Int? = nil) async throws -> (Int, JSONValue) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    if let json {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 16 << 20)
    if let expect, Int(response.status.code) != expect { throw CancellationError() }
    return (Int(response.status.code), (try? JSONParser.parse(Array(body.readableBytesView))) ?? .null)
}

func get(_ url: String) async throws -> String {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
    return String(buffer: try await response.body.collect(upTo: 16 << 20))
}

/// A value shared between tasks.
final class Shared<T: Sendable>: Sendable {
    private let value: Mutex<T>
    init(_ value: T) { self.value = Mutex(value) }
    func get() -> T { value.withLock { $0 } }
    func update(_ change: (inout T) -> Void) { value.withLock { change(&$0) } }
}

/// Publishes one batch as the operator, one event of `type` per resource id; answers the events
/// it accepted, or nil when the node refused it or died during the request (nothing owed then).
func publishBatch(_ base: String, token: String, customerID: String, type: String, resources: [String],
                  extra: String = "") async -> [JSONValue]? {
    let events = resources.map { #"{"customer_id":"\#(customerID)","type":"\#(type)","data":{"id":"\#($0)"\#(extra)}}"# }
    guard let reply = try? await post(base + "/v1.0/events", token: token,
                                      json: #"{"events":[\#(events.joined(separator: ","))]}"#, expect: 202),
          case .array(let results)? = reply["result"]
    else { return nil }
    return results
}

/// A new customer through the API: its id and access key.
func createCustomer(_ base: String, token: String, name: String) async throws -> (id: String, key: String) {
    let customer = try await post(base + "/v1.0/customers", token: token, json: #"{"name":"\#(name)"}"#)
    guard let id = customer["id"]?.stringValue, let key = customer["accesskey"]?["token"]?.stringValue else {
        throw CancellationError()
    }
    return (id, key)
}

/// A new webhook of a customer through the API: its id.
func createWebhook(_ base: String, key: String, url: String, eventTypes: String = #"["*"]"#) async throws -> String {
    let webhook = try await post(base + "/v1.0/webhooks", token: key, json: #"{"url":"\#(url)","event_types":\#(eventTypes)}"#)
    guard let id = webhook["id"]?.stringValue else { throw CancellationError() }
    return id
}
