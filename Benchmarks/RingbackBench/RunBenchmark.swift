import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// The end-to-end benchmark: the release `ringback` binary as a child process, nginx as the fast
/// receiver, a recording receiver (HdrHistogram) for latency, wrk for the wire's ceiling; a table
/// of every scenario, each figure with its ratio to the wire, also written as JSON.
struct RunBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Measure deliveries end to end against nginx and a recording receiver.")

    @Option(help: "The ringback binary (default: the one beside this one).") var binary: String?
    @Option(help: "Scenarios, comma-separated: wire, publish, one, latency, fanout, isolation, backlog, retention, singles, postgres (default: all).")
    var scenarios: String = "wire,publish,one,latency,fanout,isolation,backlog,retention,singles,postgres"
    @Flag(help: "Small sizes: proves the benchmark runs (CI), measures nothing worth quoting.") var smoke = false
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "postgres://... for the PostgreSQL scenario (or RINGBACK_BENCH_POSTGRES_URL).") var postgres: String?

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ringback-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let binary = self.binary ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("ringback").path
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
        pool.retryConnectionEstablishment = true
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, connectionPool: pool)
        configuration.httpVersion = .http1Only
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        let bench = Scenarios(binary: binary, folder: folder, client: client, sizes: smoke ? .smoke : .full,
                              postgres: postgres ?? ProcessInfo.processInfo.environment["RINGBACK_BENCH_POSTGRES_URL"])
        var rows: [Scenarios.Row] = []
        do {
            for name in scenarios.split(separator: ",").map(String.init) {
                FileHandle.standardError.write(Data("ringback-bench: \(name)...\n".utf8))
                rows += try await bench.run(name, wire: rows.first { $0.scenario == "wire" }?.value)
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        print(Scenarios.table(rows, smoke: smoke))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(rows).write(to: URL(fileURLWithPath: json))
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
