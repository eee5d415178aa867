import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOPosix
import RingbackAPI
import RingbackCore
import RingbackTestSupport
import Synchronization
import Testing

/// Contract section 15: the live stream of a customer's events.
@Suite struct EventStreamTests {
    /// Publishes `count` events in batches of `batch`, alternating call and message types,
    /// answering their ids in order.
    static func publish(_ api: APIHarness, _ customer: TestCustomer, count: Int, batch: Int = 10, prefix: String) async throws -> [(id: String, type: String)] {
        var published: [(id: String, type: String)] = []
        var index = 0
        while index < count {
            let events = (index..<min(count, index + batch)).map { n -> (String, String) in
                ("\(prefix)-\(n)", n.isMultiple(of: 3) ? "message_created" : "call_hangup")
            }
            let body = events.map { #"{"id":"\#($0.0)","customer_id":"\#(customer.id)","type":"\#($0.1)","data":{"id":"r\#($0.0)"}}"# }
            let reply = try await api.admin(.post, "/v1.0/events", json: #"{"events":[\#(body.joined(separator: ","))]}"#)
            try #require(reply.status == .accepted, "\(reply.raw)")
            published += events.map { (id: $0.0, type: $0.1) }
            index += batch
        }
        return published
    }

    @Test(arguments: Backend.allCases)
    func liveEventsArriveInOrderAndAResumeLosesAndRepeatsNothing(_ backend: Backend) async throws {
        try await APIHarness.run(backend: backend) { api in
            let port = try #require(api.client.port)
            let customer = try await api.customer()
            let other = try await api.customer("other")
            _ = try await Self.publish(api, customer, count: 5, prefix: "before")

            let live = StreamReader.open(port: port, query: "accesskey=\(customer.token)")
            defer { live.close() }
            let calls = StreamReader.open(port: port, query: "accesskey=\(customer.token)&event_types=call.*")
            defer { calls.close() }
            try await live.wait { $0.comments > 0 }
            try await calls.wait { $0.comments > 0 }
            // Published concurrently, in batches, for two customers.
            async let mine = Self.publish(api, customer, count: 120, batch: 7, prefix: "live")
            async let theirs = Self.publish(api, other, count: 50, batch: 5, prefix: "other")
            let published = try await mine
            _ = try await theirs
            // A fresh stream starts now. On PostgreSQL it starts before the oldest transaction
            // still open anywhere in the database (so that none can commit behind it): when other
            // work holds one open, it may begin with a few events committed just before, in order.
            func sinceConnect(_ events: [ServerSentEvent]) -> [ServerSentEvent] {
                let replayed = events.prefix { $0.id?.hasPrefix("before-") == true }
                #expect(backend == .postgres || replayed.isEmpty, "SQLite starts exactly at now")
                return Array(events.dropFirst(replayed.count))
            }
            try await live.wait { sinceConnect($0.events).count >= 120 }
            let received = sinceConnect(live.events)
            #expect(received.map(\.id) == published.map(\.id), "what was published since, in order, nothing else")
            #expect(received.map(\.event) == published.map(\.type))
            let body = try JSONParser.parse(Array(received[0].data.utf8))
            #expect(body["id"] == .string(published[0].id) && body["type"] == .string(published[0].type))
            #expect(body["data"]?["id"] == .string("r" + published[0].id), "the body of a delivery")
            let expectedCalls = published.filter { $0.type == "call_hangup" }
            try await calls.wait { sinceConnect($0.events).count >= expectedCalls.count }
            #expect(sinceConnect(calls.events).map(\.id) == expectedCalls.map(\.id))

            // Resuming after any event gives exactly what followed it.
            for cut in [0, 1, 41, 118, 119] {
                let resumed = StreamReader.open(port: port, query: "accesskey=\(customer.token)",
                                                headers: [("Last-Event-ID", published[cut].id)])
                defer { resumed.close() }
                try await resumed.wait { $0.events.count >= 119 - cut }
                #expect(resumed.events.map(\.id) == published[(cut + 1)...].map(\.id), "after \(cut)")
                try await resumed.wait { _ in true }
            }
            // And then it is live.
            let tail = StreamReader.open(port: port, query: "accesskey=\(customer.token)&last_event_id=\(published[100].id)")
            defer { tail.close() }
            try await tail.wait { $0.events.count >= 19 }
            let more = try await Self.publish(api, customer, count: 3, prefix: "after")
            try await tail.wait { $0.events.count >= 22 }
            #expect(tail.events.map(\.id) == published[101...].map(\.id) + more.map(\.id))
        }
    }

    @Test func quietStreamsGetKeepAlivesAndTheNumberOfStreamsIsBounded() async throws {
        try await APIHarness.run(configure: {
            $0.streamHeartbeat = .milliseconds(100)
            $0.maxStreams = 2
        }) { api in
            let port = try #require(api.client.port)
            let customer = try await api.customer()
            let first = StreamReader.open(port: port, query: "accesskey=\(customer.token)")
            let second = StreamReader.open(port: port, query: "accesskey=\(customer.token)")
            defer { second.close() }
            try await first.wait { $0.comments >= 4 }
            try await second.wait { $0.comments >= 1 }
            let refused = try await api.call(.get, "/v1.0/events/stream", token: customer.token)
            refused.expectProblem(.serviceUnavailable)
            #expect(refused.raw.contains("--max-streams"))
            first.close()
            try await first.wait { $0.ended }
            try await api.eventually("a closed stream gives its place back") {
                let third = StreamReader.open(port: port, query: "accesskey=\(customer.token)")
                defer { third.close() }
                try await third.wait { $0.status != 0 || $0.ended }
                return third.state.withLock { $0.status } == 200
            }
        }
    }

    @Test func badRequestsAreRefusedClearly() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let other = try await api.customer("other")
            _ = try await Self.publish(api, other, count: 1, prefix: "theirs")
            for query in ["event_types=call.*,nothing", "event_types=webhook_test", "event_types=,"] {
                try await api.call(.get, "/v1.0/events/stream?\(query)", token: customer.token)
                    .expectProblem(.badRequest, fields: ["event_types"])
            }
            for id in ["theirs-0", "no-such-event", "bad id"] {
                let encoded = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id
                try await api.call(.get, "/v1.0/events/stream?last_event_id=\(encoded)", token: customer.token)
                    .expectProblem(.badRequest, fields: ["last_event_id"])
            }
            try await api.call(.get, "/v1.0/events/stream").expectProblem(.unauthorized)
            try await api.admin(.get, "/v1.0/events/stream").expectProblem(.forbidden)
        }
    }

    /// A reader that stops reading is cut once its buffer is full, told where it was; nobody
    /// else notices: deliveries and other streams go on.
    @Test func aReaderThatStopsReadingIsCutWithoutSlowingDeliveries() async throws {
        let cuts = Mutex<[String]>([])
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(), configure: {
                $0.streamBuffer = 100
                $0.streamPatience = .seconds(2)
                $0.maxStreams = 2
                $0.streamCut = { reason in cuts.withLock { $0.append(reason) } }
            }) { api in
                let port = try #require(api.client.port)
                let customer = try await api.customer()
                _ = try await api.webhook(customer, url: receiver.url("/hook"), eventTypes: #"["*"]"#)
                // A raw connection that asks for the stream and never reads a byte.
                let collected = Collector()
                let stuck = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelOption(.socketOption(.so_rcvbuf), value: 4096)
                    .channelOption(.autoRead, value: false)
                    .channelInitializer { $0.pipeline.addHandler(collected) }
                    .connect(host: "127.0.0.1", port: port).get()
                defer { stuck.close(promise: nil) }
                try await stuck.writeAndFlush(ByteBuffer(string:
                    "GET /v1.0/events/stream?accesskey=\(customer.token) HTTP/1.1\r\nHost: x\r\n\r\n")).get()
                // Another stream of the customer, for the small events only, keeps going meanwhile.
                let watcher = StreamReader.open(port: port, query: "accesskey=\(customer.token)&event_types=message.*")
                defer { watcher.close() }
                try await watcher.wait { $0.comments > 0 }
                // Big events fill the socket's buffers quickly.
                let padding = String(repeating: "x", count: 16_000)
                var published = 0
                while published < 2_000 {
                    let body = (published..<published + 50).map {
                        #"{"customer_id":"\#(customer.id)","type":"call_hangup","data":{"id":"r\#($0)","pad":"\#(padding)"}}"#
                    } + [#"{"customer_id":"\#(customer.id)","type":"message_created","data":{"id":"m\#(published)"}}"#]
                    try #require(try await api.admin(.post, "/v1.0/events", json: #"{"events":[\#(body.joined(separator: ","))]}"#)
                        .status == .accepted)
                    published += 50
                }
                try await api.eventually(timeout: .seconds(30), "the stuck stream was cut") { cuts.withLock { $0 } == ["overflow"] }
                // Reading at last, it finds every event it was sent, then where to resume.
                try await stuck.setOption(.autoRead, value: true).get()
                try await api.eventually(timeout: .seconds(30), "the overflow news") { collected.text.contains("event: overflow") }
                // Its place is given back once its answer is over: with two streams at most, a third opens.
                try await api.eventually(timeout: .seconds(30), "the stuck stream's place is free") {
                    let third = StreamReader.open(port: port, query: "accesskey=\(customer.token)")
                    defer { third.close() }
                    try await third.wait { $0.status != 0 || $0.ended }
                    return third.state.withLock { $0.status } == 200
                }
                // (As Swift strings, CR LF is one character: the chunked framing's line ends go first.)
                let text = collected.text.replacingOccurrences(of: "\r\n", with: "\n")
                let news = try #require(text.range(of: "event: overflow\ndata: {\"last_event_id\":\""))
                let lastSent = text[..<news.lowerBound].components(separatedBy: "\nid: ").last?.prefix { $0 != "\n" }
                #expect(text[news.upperBound...].hasPrefix((lastSent ?? "?") + "\"}"),
                        "the overflow names the last id sent: \(lastSent ?? "?") vs \(text[news.upperBound...].prefix(40))")
                try await watcher.wait { $0.events.count >= 40 }
                #expect(watcher.events.compactMap(\.event) == Array(repeating: "message_created", count: 40))
                let watcherEnded = watcher.state.withLock { $0.ended }
                #expect(!watcherEnded, "the other stream was not cut")
                try await receiver.wait(for: 2_040, at: "/hook", timeout: .seconds(60))
            }
        }
    }
}

extension EventStreamTests {
    /// Runs `body` with one stream place, a client of it that reads nothing (a raw connection:
    /// it asks for the stream and never reads a byte), and 600 events of 16 KB published to it:
    /// more than the sockets between them can hold. `cuts` are the stream's cuts, as they happen.
    static func withStuckStream(
        _ configure: @escaping (inout APIConfiguration) -> Void,
        _ body: @Sendable (_ api: APIHarness, _ port: Int, _ customer: TestCustomer, _ stuck: any Channel,
                           _ cuts: @Sendable () -> [String]) async throws -> Void
    ) async throws {
        let cuts = Mutex<[String]>([])
        try await APIHarness.run(configure: {
            $0.maxStreams = 1
            $0.streamCut = { reason in cuts.withLock { $0.append(reason) } }
            configure(&$0)
        }) { api in
            let port = try #require(api.client.port)
            let customer = try await api.customer()
            let stuck = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.so_rcvbuf), value: 4096)
                .channelOption(.autoRead, value: false)
                .connect(host: "127.0.0.1", port: port).get()
            defer { stuck.close(promise: nil) }
            try await stuck.writeAndFlush(ByteBuffer(string:
                "GET /v1.0/events/stream?accesskey=\(customer.token) HTTP/1.1\r\nHost: x\r\n\r\n")).get()
            let padding = String(repeating: "x", count: 16_000)
            for batch in 0..<12 {
                let events = (0..<50).map {
                    #"{"customer_id":"\#(customer.id)","type":"call_hangup","data":{"id":"r\#(batch)-\#($0)","pad":"\#(padding)"}}"#
                }
                try #require(try await api.admin(.post, "/v1.0/events", json: #"{"events":[\#(events.joined(separator: ","))]}"#)
                    .status == .accepted)
            }
            try await body(api, port, customer, stuck, { cuts.withLock { $0 } })
        }
    }

    /// Whether a new stream of the customer is let in (200) or refused for `--max-streams` (503).
    static func newStreamStatus(port: Int, token: String) async throws -> Int {
        let next = StreamReader.open(port: port, query: "accesskey=\(token)")
        defer { next.close() }
        try await next.wait { $0.status != 0 || $0.ended }
        return next.state.withLock { $0.status }
    }

    /// The buffer is bounded in bytes, not only in events (each 16 KB here, a thousand allowed),
    /// and a cut stream keeps its place while its connection holds what was queued.
    @Test func theBufferIsBoundedInBytesAndACutStreamKeepsItsPlaceUntilItsConnectionEnds() async throws {
        try await Self.withStuckStream({
            $0.streamBuffer = 1000
            $0.streamBufferBytes = 256 * 1024
            $0.streamPatience = .seconds(1)
            $0.streamWriteTimeout = .seconds(600)
        }) { api, port, customer, stuck, cuts in
            // The buffer's bytes ran out (its count never could): the reader is cut ...
            try await api.eventually(timeout: .seconds(30), "the reader was cut by the byte bound") { cuts() == ["overflow"] }
            // ... but its place stays taken while its connection holds what was queued ...
            #expect(try await Self.newStreamStatus(port: port, token: customer.token) == 503)
            // ... until the connection ends.
            try await stuck.close()
            try await api.eventually("its place is free") { try await Self.newStreamStatus(port: port, token: customer.token) == 200 }
        }
    }

    /// A client that reads nothing at all is reset once a write has waited `streamWriteTimeout`,
    /// and its place is free again.
    @Test func aClientThatReadsNothingIsReset() async throws {
        try await Self.withStuckStream({
            $0.streamPatience = .seconds(600)
            $0.streamWriteTimeout = .seconds(1)
        }) { api, port, customer, stuck, cuts in
            // Reset by the server: the client, reading nothing, learns it from the reset alone (a
            // plain close would wait behind the unread bytes).
            try await api.eventually(timeout: .seconds(30), "the connection was reset") { !stuck.isActive }
            #expect(cuts() == ["stalled"])
            try await api.eventually("its place is free") { try await Self.newStreamStatus(port: port, token: customer.token) == 200 }
        }
    }
}

/// Keeps every byte a raw connection receives.
final class Collector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let bytes = Mutex<[UInt8]>([])

    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        bytes.withLock { $0 += buffer.readableBytesView }
    }
}
