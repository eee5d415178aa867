import Foundation
import Histogram
import Hummingbird
import NIOCore
import RingbackCore
import Synchronization

/// A receiver that answers 204 and records, per delivery, the time from the event's publish
/// request (`data.sent_us`) to its arrival, in an HdrHistogram (microseconds).
final class RecordingReceiver: Sendable {
    private struct State {
        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var count = 0
    }

    private let state = Mutex(State())
    let port: Int

    private init(port: Int) {
        self.port = port
    }

    var count: Int { state.withLock { $0.count } }

    /// p50, p99 and max in milliseconds.
    var latency: (p50: Double, p99: Double, max: Double) {
        state.withLock { state in
            (Double(state.histogram.valueAtPercentile(50)) / 1000, Double(state.histogram.valueAtPercentile(99)) / 1000,
             Double(state.histogram.max) / 1000)
        }
    }

    func reset() {
        state.withLock { $0 = State() }
    }

    private func record(_ body: ByteBuffer) {
        let now = Publisher.nowMicros()
        var sent: Int64?
        // "sent_us":<digits>: found without parsing the whole body.
        let view = body.readableBytesView
        let marker = Array(#""sent_us":"#.utf8)
        if let start = view.firstRange(of: marker)?.upperBound {
            var value: Int64 = 0
            var index = start
            while index < view.endIndex, view[index] >= 0x30, view[index] <= 0x39 {
                value = value * 10 + Int64(view[index] - 0x30)
                index += 1
            }
            sent = value
        }
        state.withLock { state in
            state.count += 1
            if let sent { state.histogram.record(UInt64(max(0, now - sent))) }
        }
    }

    /// Runs a receiver for the duration of `body`.
    static func run<T: Sendable>(_ body: @Sendable (RecordingReceiver) async throws -> T) async throws -> T {
        let port = Child.freePort()
        let receiver = RecordingReceiver(port: port)
        let router = Router()
        router.post("**") { request, _ -> Response in
            receiver.record(try await request.body.collect(upTo: 1 << 20))
            return Response(status: .noContent)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.runService(gracefulShutdownSignals: [])
                return nil
            }
            try waitForPort(port)
            defer { group.cancelAll() }
            return try await body(receiver)
        }
    }
}
