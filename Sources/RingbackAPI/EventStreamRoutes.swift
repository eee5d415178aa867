import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore
import RingbackCore
import RingbackStore
import ServiceLifecycle
import Synchronization

/// `GET /v1.0/events/stream` (contract section 15): a customer's events as Server-Sent Events,
/// as they commit, in stream order; `Last-Event-ID` resumes after an event with no gap and no
/// duplicate. Each stream reads the store itself (woken by commits, on PostgreSQL by any node's),
/// so a slow reader holds only its own place: it never slows publishing, delivery or other
/// streams. A reader whose buffer stays full for `streamPatience` has fallen behind: it is told
/// (`event: overflow` with the last id queued before) and cut, and resumes from there.
extension API {
    var eventStreamEndpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1.0/events/stream", .customer) { request, context in
                let customerID = try context.customerID
                let filters = try Self.streamFilters(try request.query("event_types"))
                let resumeFrom = try request.query("last_event_id") ?? request.headers[HTTPField.Name("Last-Event-ID")!]
                let start: StreamPosition
                if let resumeFrom {
                    guard EventID.isValidClientID(resumeFrom),
                          let position = try await store.streamPosition(customerID: customerID, eventID: resumeFrom)
                    else { throw Problem.badRequest(field: "last_event_id", "is not an event of yours") }
                    start = position
                } else {
                    start = try await store.streamHead(customerID: customerID)
                }
                guard let slot = streams.open(limit: configuration.maxStreams) else {
                    throw Problem(.serviceUnavailable, "too many open event streams (--max-streams \(configuration.maxStreams))")
                }
                // Its credential is checked again at every keep-alive: a key revoked, a portal
                // session expired or a customer deleted ends the stream within one.
                let authenticator = self.authenticator
                let stream = EventStream(store: store, customerID: customerID, filters: filters, start: start,
                                         lastSent: resumeFrom, configuration: configuration, slot: slot, channel: context.channel,
                                         stillAllowed: { await authenticator.stillAdmits(request, as: .customer(customerID)) })
                var headers = HTTPFields()
                headers[.contentType] = "text/event-stream"
                headers[.cacheControl] = "no-cache"
                headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    try await stream.run(into: &writer)
                })
            },
        ]
    }

    /// `event_types`: a comma-separated list with the syntax of a webhook's (`call.*`, `*`, names).
    static func streamFilters(_ text: String?) throws -> [String] {
        guard let text, !text.isEmpty else { return [] }
        let filters = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for filter in filters where EventTypeFilter(filter) == nil {
            throw Problem.badRequest(field: "event_types", "'\(filter)' is not an event type, resource.* or *")
        }
        return filters
    }
}

/// The open streams of this node, bounded by `--max-streams`.
final class StreamSlots: Sendable {
    private let open = Mutex(0)
    private let gauge = Gauge(label: "ringback_event_streams_open")

    /// A slot, or nil when `limit` are open. The slot is given back when it is released.
    func open(limit: Int) -> Slot? {
        let count = open.withLock { count -> Int? in
            guard count < limit else { return nil }
            count += 1
            return count
        }
        guard let count else { return nil }
        gauge.record(count)
        return Slot(owner: self)
    }

    fileprivate func close() {
        gauge.record(open.withLock { count in
            count -= 1
            return count
        })
    }

    /// One open stream; closing it twice (or dropping it) counts once.
    final class Slot: Sendable {
        private let owner: StreamSlots
        private let closed = Atomic(false)

        init(owner: StreamSlots) {
            self.owner = owner
        }

        func close() {
            if !closed.exchange(true, ordering: .relaxed) { owner.close() }
        }

        deinit { close() }
    }
}

/// One client's stream: a reader of the store feeding a bounded buffer, and the response writer
/// draining it.
struct EventStream: Sendable {
    let store: any Store
    let customerID: UUID
    let filters: [String]
    let start: StreamPosition
    let lastSent: String?
    let configuration: APIConfiguration
    let slot: StreamSlots.Slot
    let channel: any Channel
    /// Whether the stream's credential still admits its customer.
    let stillAllowed: @Sendable () async -> Bool

    static let batch = 200

    func run(into writer: inout any ResponseBodyWriter) async throws {
        let (chunks, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let queue = Queue(continuation: continuation, capacity: configuration.streamBuffer,
                          maxBytes: configuration.streamBufferBytes)
        let writing = WriteClock()
        // Its place under --max-streams is held until its connection is done with, however it ends.
        defer { slot.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                // A stopping server ends its streams; their clients resume elsewhere.
                try? await cancelWhenGracefulShutdown { await self.read(into: queue) }
            }
            group.addTask { await resetWhenStalled(writing) }
            var hello = ByteBuffer()
            hello.writeString(": ringback event stream\nretry: 1000\n\n")
            try await writing.timing { try await writer.write(hello) }
            for await chunk in chunks {
                try await writing.timing { try await writer.write(chunk) }
                queue.written(chunk)
            }
            // The response's end is a write too: the watchdog still watches it.
            try await writing.timing { try await writer.finish(nil) }
            group.cancelAll()
        }
    }

    /// Why a stream was cut before its client left.
    enum Cut: String, CaseIterable {
        case overflow, credential, stalled
    }

    static let cuts = Dictionary(uniqueKeysWithValues: Cut.allCases.map {
        ($0, Counter(label: "ringback_event_streams_cut_total", dimensions: [("reason", $0.rawValue)]))
    })

    /// Counts a cut (`ringback_event_streams_cut_total{reason}`) and tells the configuration's observer.
    func cut(_ reason: Cut) {
        Self.cuts[reason]?.increment()
        configuration.streamCut?(reason.rawValue)
    }

    /// Resets the connection when one write has waited `streamWriteTimeout` (the client reads
    /// nothing): the pending write fails, which ends the stream and frees what it held. A reset,
    /// not a close, so that the kernel drops the unsent bytes at once too.
    func resetWhenStalled(_ writing: WriteClock) async {
        let timeout = configuration.streamWriteTimeout
        while !Task.isCancelled {
            try? await Task.sleep(for: min(timeout / 4, .seconds(1)))
            guard let since = writing.waitingSince, ContinuousClock.now - since >= timeout else { continue }
            cut(.stalled)
            if let sockets = channel as? SocketOptionProvider {
                _ = try? await sockets.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            }
            channel.close(promise: nil)
            return
        }
    }

    /// Since when the current write has been waiting, if one is.
    final class WriteClock: Sendable {
        private let since = Mutex<ContinuousClock.Instant?>(nil)

        var waitingSince: ContinuousClock.Instant? { since.withLock { $0 } }

        func timing(_ write: () async throws -> Void) async throws {
            since.withLock { $0 = .now }
            defer { since.withLock { $0 = nil } }
            try await write()
        }
    }

    /// What the reader of the store has queued and the writer not yet written: at most
    /// `capacity` chunks and `maxBytes` bytes (always one chunk, however big), and one more for
    /// the news of an overflow.
    final class Queue: Sendable {
        let continuation: AsyncStream<ByteBuffer>.Continuation
        let capacity: Int
        let maxBytes: Int
        private let queued = Mutex((chunks: 0, bytes: 0))
        private let room = Broadcast()

        init(continuation: AsyncStream<ByteBuffer>.Continuation, capacity: Int, maxBytes: Int) {
            self.continuation = continuation
            self.capacity = max(1, capacity)
            self.maxBytes = maxBytes
        }

        /// Queues `chunk` once there is room, waiting at most `patience`; false when the writer
        /// did not make room in time (the reader has fallen a whole buffer behind).
        func put(_ chunk: ByteBuffer, patience: Duration) async -> Bool {
            let deadline = ContinuousClock.now + patience
            while true {
                let seen = room.generation
                let full = queued.withLock { queued -> Bool in
                    guard queued.chunks == 0 || (queued.chunks < capacity && queued.bytes + chunk.readableBytes <= maxBytes)
                    else { return true }
                    queued.chunks += 1
                    queued.bytes += chunk.readableBytes
                    return false
                }
                if !full {
                    continuation.yield(chunk)
                    return true
                }
                guard ContinuousClock.now < deadline, !Task.isCancelled else { return false }
                await room.wait(after: seen, timeout: deadline - .now)
            }
        }

        /// The last chunk, past the capacity: the reader is cut after it.
        func putLast(_ chunk: ByteBuffer) {
            queued.withLock {
                $0.chunks += 1
                $0.bytes += chunk.readableBytes
            }
            continuation.yield(chunk)
        }

        func written(_ chunk: ByteBuffer) {
            queued.withLock {
                $0.chunks -= 1
                $0.bytes -= chunk.readableBytes
            }
            room.signal()
        }
    }

    /// Reads events after the start position and queues them, with keep-alives, until
    /// cancelled, the store fails, or the reader falls a whole buffer behind.
    func read(into queue: Queue) async {
        var position = start
        var lastQueued = lastSent
        var lastWrite = ContinuousClock.now
        var blockedWait = Duration.milliseconds(20)
        func overflow() {
            var chunk = ByteBuffer()
            let last = lastQueued.map { "\"" + $0 + "\"" } ?? "null"
            chunk.writeString("event: overflow\ndata: {\"last_event_id\":\(last)}\n\n")
            queue.putLast(chunk)
            cut(.overflow)
        }
        var lastCheck = ContinuousClock.now
        while !Task.isCancelled {
            if ContinuousClock.now - lastCheck >= configuration.streamHeartbeat {
                guard await stillAllowed() else {
                    cut(.credential)
                    return
                }
                lastCheck = .now
            }
            let seen = store.commits.generation
            let batch: StreamBatch
            do {
                batch = try await store.streamEvents(customerID: customerID, after: position, limit: Self.batch)
            } catch {
                return
            }
            for (event, at) in batch.events {
                position = at
                guard matches(event.type) else { continue }
                var chunk = ByteBuffer()
                chunk.writeString("id: \(event.id)\nevent: \(event.type)\ndata: ")
                chunk.writeBytes(event.body)
                chunk.writeString("\n\n")
                guard await queue.put(chunk, patience: configuration.streamPatience) else {
                    if !Task.isCancelled { overflow() }
                    return
                }
                lastQueued = event.id
                lastWrite = .now
            }
            if batch.events.count == Self.batch { continue }
            let beat = lastWrite + configuration.streamHeartbeat
            if ContinuousClock.now >= beat {
                var comment = ByteBuffer()
                comment.writeString(": keep-alive\n\n")
                guard await queue.put(comment, patience: configuration.streamPatience) else {
                    if !Task.isCancelled { overflow() }
                    return
                }
                lastWrite = .now
                continue
            }
            if batch.blocked {
                // An older transaction is still open on PostgreSQL: look again soon, less and
                // less often while it stays open.
                try? await Task.sleep(for: blockedWait)
                blockedWait = min(blockedWait * 2, .seconds(1))
                continue
            }
            blockedWait = .milliseconds(20)
            await store.commits.wait(after: seen, timeout: beat - .now)
        }
    }

    /// No filter means `*`, as for webhooks: Ringback's own events only by their exact names,
    /// test pings never.
    func matches(_ type: String) -> Bool {
        guard let eventType = EventCatalog.subscribable(named: type) else { return false }
        return EventTypeFilter.anyMatches(filters.isEmpty ? ["*"] : filters, eventType)
    }
}
