import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RingbackCore
import ServiceLifecycle
import Synchronization

/// `ringback listen` (contract section 15): the customer's live event stream, forwarded to a
/// local URL exactly as deliveries arrive, so that a receiver under development runs unchanged.
struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forward your live events to a local URL, signed as deliveries are.",
        discussion: """
            Each event of the stream is POSTed to --forward-to with the body and headers of a delivery \
            (webhook-id, webhook-timestamp, webhook-signature, X-VoIPBIN-Signature), signed with --secret or \
            with a secret made at start and printed. One line per event on stdout. After a dropped \
            connection it resumes where it was (Last-Event-ID). SIGINT or SIGTERM ends it (exit 0).
            Exit status: 64 bad options, URL or access key; 69 the server cannot be reached at start.
            """)

    @Option(help: "The Ringback server [env: RINGBACK_SERVER].") var server: String?
    @Option(help: "The customer's access key [env: RINGBACK_ACCESSKEY].") var accesskey: String?
    @Option(name: .customLong("forward-to"), help: "Where each event goes, e.g. http://localhost:3000/hook.") var forwardTo: String
    @Option(name: .customLong("event-types"), help: "Comma-separated event types, resource.* or * (default: all).")
    var eventTypes: String?
    @Option(help: "Sign with this whsec_ secret (default: a new one, printed at start).") var secret: String?

    func run() async throws {
        let base = try ClientCommand.httpURL(server ?? ProcessInfo.processInfo.environment["RINGBACK_SERVER"] ?? "http://127.0.0.1:8080",
                                             flag: "--server", command: "listen")
        let target = try ClientCommand.httpURL(forwardTo, flag: "--forward-to", command: "listen", allowPath: true)
        guard let key = accesskey ?? ProcessInfo.processInfo.environment["RINGBACK_ACCESSKEY"], !key.isEmpty else {
            throw ClientCommand.usage("listen", "--accesskey (or RINGBACK_ACCESSKEY) is required")
        }
        if let eventTypes, eventTypes.split(separator: ",", omittingEmptySubsequences: false)
            .contains(where: { EventTypeFilter(String($0)) == nil }) {
            throw ClientCommand.usage("listen", "--event-types must list event types, resource.* or *, not '\(eventTypes)'")
        }
        let signing: WebhookSecret
        if let secret {
            guard let parsed = WebhookSecret(secret) else {
                throw ClientCommand.usage("listen", "--secret must be whsec_ and the base64 of 24 to 64 bytes")
            }
            signing = parsed
        } else {
            signing = WebhookSecret.generate()
        }
        let logger = CommandLogging.bootstrap()
        let listener = Listener(base: base, key: key, target: target, eventTypes: eventTypes, secret: signing)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: listener, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        ClientCommand.say("ringback listen: forwarding \(base) events to \(target), signed with \(secret == nil ? signing.text : "your --secret")")
        do {
            try await group.run()
        } catch {
            ClientCommand.say("ringback listen: \(ClientCommand.oneLine(error))")
            throw ExitCode.failure
        }
        if let status = listener.failure.withLock({ $0 }) { throw status }
    }
}

/// The stream's reader and the forwarder: one event at a time, in order.
final class Listener: Service, Sendable {
    let base: String
    let key: String
    let target: String
    let eventTypes: String?
    let secret: WebhookSecret
    let client: HTTPClient
    /// Why it stopped early, if it did: an exit status.
    let failure = Mutex<ExitCode?>(nil)

    init(base: String, key: String, target: String, eventTypes: String?, secret: WebhookSecret) {
        self.base = base
        self.key = key
        self.target = target
        self.eventTypes = eventTypes
        self.secret = secret
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout.connect = .seconds(5)
        // The stream sends a comment every 15 s: three missed mean a dead connection.
        configuration.timeout.read = .seconds(45)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.listen() }
        try await client.shutdown()
    }

    private func listen() async {
        var lastEventID: String?
        var connectedOnce = false
        var failures = 0
        while !Task.isCancelled {
            do {
                try await stream(after: lastEventID, connected: {
                    if !connectedOnce { ClientCommand.say("ringback listen: connected") }
                    connectedOnce = true
                    failures = 0
                }) { event in
                    if let id = event.id { lastEventID = id }
                    await self.forward(event)
                }
                ClientCommand.say("ringback listen: the server closed the stream; reconnecting")
            } catch is ResumeFromNow {
                lastEventID = nil
                continue
            } catch let refusal as Refusal {
                ClientCommand.say("ringback listen: \(refusal.message)")
                failure.withLock { $0 = ExitCode(refusal.status) }
                return
            } catch {
                if Task.isCancelled { return }
                guard connectedOnce else {
                    ClientCommand.say("ringback listen: cannot reach \(base): \(ClientCommand.oneLine(error))")
                    failure.withLock { $0 = ExitCode(69) }
                    return
                }
                ClientCommand.say("ringback listen: lost the stream (\(ClientCommand.oneLine(error))); reconnecting")
            }
            failures += 1
            try? await Task.sleep(for: .milliseconds(min(5000, 250 << min(failures, 5))))
        }
    }

    /// The resume point is gone: reconnect without it.
    struct ResumeFromNow: Error {}

    /// A refusal that retrying will not change: a bad key or request.
    struct Refusal: Error {
        let message: String
        let status: Int32
    }

    /// Reads the stream after `lastEventID`, handing each event to `handle`, until it ends.
    private func stream(after lastEventID: String?, connected: () -> Void,
                        _ handle: (ServerSentEvent) async -> Void) async throws {
        var query = ""
        if let eventTypes { query = "?event_types=" + (eventTypes.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "") }
        var request = HTTPClientRequest(url: base + "/v1.0/events/stream" + query)
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await client.execute(request, timeout: .hours(24 * 365))
        switch response.status.code {
        case 200: connected()
        case 401, 403: throw Refusal(message: "the access key was refused by \(base) (\(response.status.code))", status: 64)
        case 400 where lastEventID != nil:
            // The event to resume after is gone (retention): go on from now, and say so.
            ClientCommand.say("ringback listen: \(lastEventID ?? "") is no longer stored; resuming from now, events since it may be missed")
            throw ResumeFromNow()
        case 400..<500:
            let body = String(buffer: try await response.body.collect(upTo: 64 << 10))
            let detail = (try? JSONParser.parse(Array(body.utf8)))?["detail"]?.stringValue ?? body
            throw Refusal(message: "\(base) refused the stream (\(response.status.code)): \(detail)", status: 64)
        default:
            throw URLError(.badServerResponse)
        }
        var parser = ServerSentEventParser()
        for try await buffer in response.body {
            for event in try parser.feed(buffer.readableBytesView) {
                if event.event == "overflow" {
                    ClientCommand.say("ringback listen: fell behind the stream; resuming")
                    return
                }
                await handle(event)
            }
        }
    }

    /// POSTs one event to the target as a delivery, and prints a line.
    private func forward(_ event: ServerSentEvent) async {
        let body = Array(event.data.utf8)
        let id = event.id ?? ""
        let started = ContinuousClock.now
        var request = HTTPClientRequest(url: target)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Ringback/\(RingbackVersion.current) (listen)")
        let timestamp = Int64(Date().timeIntervalSince1970)
        for (name, value) in WebhookSigner.headers(secrets: [secret], current: secret, id: id, timestamp: timestamp, body: body) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let outcome: String
        do {
            let response = try await client.execute(request, timeout: .seconds(5))
            _ = try? await response.body.collect(upTo: 1 << 20)
            outcome = String(response.status.code)
        } catch {
            outcome = "error: " + ClientCommand.oneLine(error)
        }
        let elapsed = Int((ContinuousClock.now - started) / .milliseconds(1))
        let time = Timestamp.format(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let line = "\(time) \(event.event ?? "message") \(id) -> \(outcome) (\(elapsed) ms)\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }
}
