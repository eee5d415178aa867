import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RingbackCore
import Synchronization

/// Publishes events the way the platform would: batches of `batch` with `concurrency` requests in
/// flight, or paced at a rate, or one event per request from many clients. Every event's `data`
/// carries `sent_us`, the time its request left, so a receiver can tell publish-to-arrival.
struct Publisher: Sendable {
    let server: Server
    let customerID: String
    let payload: String

    /// `bytes` of padding make a realistic ~1 KB event.
    init(server: Server, customerID: String, eventBytes: Int = 1000) {
        self.server = server
        self.customerID = customerID
        payload = String(repeating: "x", count: max(0, eventBytes - 200))
    }

    static func nowMicros() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
    }

    func event(_ index: Int, prefix: String) -> String {
        #"{"customer_id":"\#(customerID)","type":"call_updated","data":{"id":"\#(prefix)-\#(index)","sent_us":\#(Self.nowMicros()),"pad":"\#(payload)"}}"#
    }

    func batchBody(_ range: Range<Int>, prefix: String) -> [UInt8] {
        Array((#"{"events":["# + range.map { event($0, prefix: prefix) }.joined(separator: ",") + "]}").utf8)
    }

    /// `count` events in batches, `concurrency` requests in flight; answers the events/s.
    func batches(_ count: Int, batch: Int = 100, concurrency: Int = 8, prefix: String) async throws -> Double {
        let start = ContinuousClock.now
        let next = Box(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let first = next.value.withLock { value -> Int in
                            defer { value += batch }
                            return value
                        }
                        guard first < count else { return }
                        let status = try await server.status(.POST, "/v1.0/events",
                                                                body: batchBody(first..<min(count, first + batch), prefix: prefix))
                        guard status == 202 else { throw BenchError("publish answered \(status)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(count) / (ContinuousClock.now - start).seconds
    }

    /// Events at `rate` per second for `duration`, in batches of `rate / 100` every 10 ms.
    func paced(rate: Int, for duration: Duration, prefix: String) async throws -> Int {
        let tick = Duration.milliseconds(10)
        let perTick = max(1, rate / 100)
        let ticks = Int(duration.seconds * 100)
        var sent = 0
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<ticks {
                try await Task.sleep(until: start + tick * index, clock: .continuous)
                let range = sent..<(sent + perTick)
                sent += perTick
                group.addTask {
                    let status = try await server.status(.POST, "/v1.0/events", body: batchBody(range, prefix: prefix))
                    guard status == 202 else { throw BenchError("publish answered \(status)") }
                }
            }
            try await group.waitForAll()
        }
        return sent
    }

    /// One event per request from `clients` concurrent clients for `duration`; answers events/s.
    func singles(clients: Int, for duration: Duration, prefix: String) async throws -> Double {
        let start = ContinuousClock.now
        let end = start + duration
        let published = Box(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var index = 0
                    while ContinuousClock.now < end {
                        let status = try await server.status(.POST, "/v1.0/events",
                                                                body: Array(event(index, prefix: "\(prefix)-\(client)").utf8))
                        guard status == 202 else { throw BenchError("publish answered \(status)") }
                        index += 1
                        published.value.withLock { $0 += 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(published.value.withLock { $0 }) / (ContinuousClock.now - start).seconds
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// A value shared by tasks.
final class Box<T: Sendable>: Sendable {
    let value: Mutex<T>
    init(_ value: T) { self.value = Mutex(value) }
}
