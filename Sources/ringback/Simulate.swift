import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RingbackCore

/// `ringback simulate` (contract section 16): realistic VoIPBIN traffic published through the
/// public API with the operator's token, in batches, or printed as JSON lines.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish realistic VoIPBIN events (calls, messages, conferences, queues, campaigns).",
        discussion: """
            Each lifecycle is one resource's story (a call from created to hangup, with its activeflow, \
            recording and transcription; a message sent and updated; ...), with consistent ids, statuses, \
            numbers and timestamps. Lifecycles overlap in time as real traffic does; each resource's events \
            keep their order. The same --seed gives the same events.
            Exit status: 0 done, 64 bad options, URL, token or customer, 69 the server cannot be reached \
            or failed.
            """)

    @Option(help: "The Ringback server [env: RINGBACK_SERVER].") var server: String?
    @Option(name: .customLong("admin-token"), help: "The operator's token [env: RINGBACK_ADMIN_TOKEN].") var adminToken: String?
    @Option(help: "The customer the events belong to (its id).") var customer: String?
    @Option(help: "call, message, conference, queue, campaign or all.") var scenario: String = "all"
    @Option(help: "How many lifecycles (each is several events).") var count: Int = 10
    @Option(help: "Events per second at most (0: as fast as the server takes them).") var rate: Double = 0
    @Option(help: "Seed of the random choices (default: random); the same seed gives the same events.") var seed: UInt64?
    @Flag(name: .customLong("dry-run"), help: "Print the events as JSON lines on stdout instead of publishing them.")
    var dryRun = false

    static let batchSize = 100

    func run() async throws {
        guard let chosen = Simulator.Scenario(rawValue: scenario) else {
            throw usage("--scenario must be one of " + Simulator.Scenario.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard (1...1_000_000).contains(count) else { throw usage("--count must be 1 to 1000000") }
        guard rate >= 0, rate <= 1_000_000 else { throw usage("--rate must be 0 to 1000000 events/s") }
        let seed = self.seed ?? UInt64.random(in: 0...UInt64.max)
        var progress = Progress(total: count, dryRun: dryRun)

        if dryRun {
            let customerID = try customer.map { try Self.customerID($0) } ?? UUID(uuidString: "00000000-0000-4000-8000-000000000000")!
            var simulator = Simulator(seed: seed, customerID: customerID, start: SystemClock().now)
            let out = FileHandle.standardOutput
            simulator.run(chosen, count: count) { events, lifecycles in
                var lines: [UInt8] = []
                for event in events {
                    lines += JSONValue.object([JSONMember("type", .string(event.type)), JSONMember("data", event.data)]).serialized()
                    lines.append(UInt8(ascii: "\n"))
                }
                out.write(Data(lines))
                progress.advance(events: events.count, lifecycles: lifecycles)
            }
            progress.finish(seed: seed, errors: 0)
            return
        }

        guard let customer else { throw usage("--customer is required (or --dry-run)") }
        let customerID = try Self.customerID(customer)
        let base = try ClientCommand.httpURL(server ?? ProcessInfo.processInfo.environment["RINGBACK_SERVER"] ?? "http://127.0.0.1:8080",
                                             flag: "--server", command: "simulate")
        guard let token = adminToken ?? ProcessInfo.processInfo.environment["RINGBACK_ADMIN_TOKEN"], !token.isEmpty else {
            throw usage("--admin-token (or RINGBACK_ADMIN_TOKEN) is required")
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let publisher = Publisher(client: client, base: base, token: token)
            try await publisher.checkCustomer(customerID)
            var simulator = Simulator(seed: seed, customerID: customerID, start: SystemClock().now)
            let start = ContinuousClock.now
            var made = 0
            while made < count {
                let lifecycles = min(Simulator.overlap, count - made)
                var pending = simulator.group(chosen, lifecycles: lifecycles)[...]
                made += lifecycles
                while !pending.isEmpty {
                    let batch = Array(pending.prefix(Self.batchSize))
                    pending = pending.dropFirst(batch.count)
                    if rate > 0 {
                        try await Task.sleep(until: start + .seconds(Double(progress.events) / rate), clock: .continuous)
                    }
                    do {
                        try await publisher.publish(batch, customerID: customerID)
                    } catch let failure as Failure {
                        progress.interrupt()
                        throw failure.exit(published: progress.events)
                    }
                    progress.advance(events: batch.count, lifecycles: pending.isEmpty ? lifecycles : 0)
                }
            }
            progress.finish(seed: seed, errors: 0)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func usage(_ message: String) -> ExitCode {
        ClientCommand.usage("simulate", message)
    }

    static func say(_ line: String) {
        ClientCommand.say(line)
    }

    static func customerID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else {
            say("ringback simulate: --customer must be a customer id (a UUID), not '\(text)'")
            throw ExitCode(64)
        }
        return id
    }

    /// Why publishing stopped, and the exit status it means.
    struct Failure: Error {
        let message: String
        let status: Int32

        func exit(published: Int) -> ExitCode {
            Simulate.say("ringback simulate: \(message)" + (published > 0
                ? " (\(published) events were published before this; the rest were not)" : " (nothing was published)"))
            return ExitCode(status)
        }
    }

    /// Publishes batches through the API.
    struct Publisher {
        let client: HTTPClient
        let base: String
        let token: String

        /// Checks the server, the token and the customer before anything is published.
        func checkCustomer(_ id: UUID) async throws {
            let status: Int, detail: String
            do {
                (status, detail) = try await send(.GET, "/v1.0/customers/\(id.text)", body: nil)
            } catch let failure as Failure {
                throw failure.exit(published: 0)
            }
            switch status {
            case 200: return
            case 404: throw Failure(message: "no customer \(id.text) on \(base)", status: 64).exit(published: 0)
            default: throw failure(status, detail).exit(published: 0)
            }
        }

        func publish(_ events: [Simulator.Event], customerID: UUID) async throws {
            let body = JSONValue.object([JSONMember("events", .array(events.map { event in
                .object([JSONMember("customer_id", .string(customerID.text)), JSONMember("type", .string(event.type)),
                         JSONMember("data", event.data)])
            }))]).serialized()
            let (status, detail) = try await send(.POST, "/v1.0/events", body: body)
            guard status == 202 || status == 200 else { throw failure(status, detail) }
        }

        func failure(_ status: Int, _ detail: String) -> Failure {
            switch status {
            case 401, 403: Failure(message: "the admin token was refused by \(base) (\(status))", status: 64)
            case 400..<500: Failure(message: "\(base) refused the events (\(status)): \(detail)", status: 64)
            default: Failure(message: "\(base) failed (\(status)): \(detail)", status: 69)
            }
        }

        func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> (Int, String) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response: HTTPClientResponse
            let text: String
            do {
                response = try await client.execute(request, timeout: .seconds(30))
                text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            } catch {
                throw Failure(message: "cannot reach \(base): \(ClientCommand.oneLine(error))", status: 69)
            }
            let detail = (try? JSONParser.parse(Array(text.utf8)))?["detail"]?.stringValue ?? String(text.prefix(200))
            return (Int(response.status.code), detail)
        }
    }
}

/// Progress on stderr: a live line on a terminal, a line per tenth otherwise; a summary at the end.
struct Progress {
    let total: Int
    let dryRun: Bool
    let terminal = isatty(STDERR_FILENO) == 1
    let start = ContinuousClock.now
    private(set) var events = 0
    private(set) var lifecycles = 0
    private var lastDrawn = ContinuousClock.now - .seconds(1)
    private var lastTenth = 0

    init(total: Int, dryRun: Bool) {
        self.total = total
        self.dryRun = dryRun
    }

    var rate: Double {
        let seconds = (ContinuousClock.now - start).seconds
        return seconds > 0 ? Double(events) / seconds : 0
    }

    mutating func advance(events: Int, lifecycles: Int) {
        self.events += events
        self.lifecycles += lifecycles
        let verb = dryRun ? "made" : "published"
        if terminal {
            guard ContinuousClock.now - lastDrawn >= .milliseconds(100) || self.lifecycles == total else { return }
            lastDrawn = .now
            let width = 30
            let filled = width * self.lifecycles / max(1, total)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data(
                "\r[\(bar)] \(self.lifecycles)/\(total) lifecycles, \(self.events) events \(verb), \(Int(rate))/s ".utf8))
        } else {
            let tenth = 10 * self.lifecycles / max(1, total)
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            Simulate.say("ringback simulate: \(self.lifecycles)/\(total) lifecycles, \(self.events) events \(verb)")
        }
    }

    /// Ends the live line so that an error starts on its own.
    func interrupt() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    func finish(seed: UInt64, errors: Int) {
        interrupt()
        let seconds = (ContinuousClock.now - start).seconds
        Simulate.say("ringback simulate: \(events) events of \(lifecycles) lifecycles \(dryRun ? "made" : "published") in "
            + "\(String(format: "%.1f", seconds)) s (\(Int(rate)) events/s), \(errors) errors; --seed \(seed) repeats them")
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
