import ArgumentParser

/// Ringback's benchmarks (see BENCHMARKS.md): run them on a release build.
@main
struct RingbackBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ringback-bench", abstract: "Ringback's benchmarks.",
        subcommands: [RunBenchmark.self, ClaimBenchmark.self])
}
