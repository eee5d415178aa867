import AsyncHTTPClient
import Foundation
import NIOCore
import RingbackCore
import Synchronization
import Testing

/// A client of `/v1.0/events/stream` that collects what arrives.
public final class StreamReader: Sendable {
    public struct State: Sendable {
        public var events: [ServerSentEvent] = []
        public var comments = 0
        public var ended = false
        public var status = 0
    }

    public let state = Mutex(State())
    let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    public var events: [ServerSentEvent] { state.withLock { $0.events } }

    /// Opens the stream on the server at `port` on loopback (`query` holds the credentials).
    public static func open(port: Int, query: String, headers: [(String, String)] = []) -> StreamReader {
        let reader = StreamReader()
        reader.task.withLock {
            $0 = Task {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1.0/events/stream?\(query)")
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                var parser = ServerSentEventParser()
                do {
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
                    reader.state.withLock { $0.status = Int(response.status.code) }
                    for try await buffer in response.body {
                        let text = String(buffer: buffer)
                        let comments = text.split(separator: "\n").filter { $0.hasPrefix(":") }.count
                        let events = try parser.feed(buffer.readableBytesView)
                        reader.state.withLock {
                            $0.events += events
                            $0.comments += comments
                        }
                    }
                } catch {}
                reader.state.withLock { $0.ended = true }
            }
        }
        return reader
    }

    public func close() {
        task.withLock { $0?.cancel() }
    }

    /// Waits until `condition` holds, failing after 30 s.
    public func wait(sourceLocation: SourceLocation = #_sourceLocation, _ condition: (State) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition(state.withLock { $0 }) {
            guard ContinuousClock.now < deadline else {
                Issue.record("the stream did not get there: \(state.withLock { ($0.events.count, $0.comments, $0.ended) })",
                             sourceLocation: sourceLocation)
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

