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
