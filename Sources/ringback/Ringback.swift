import ArgumentParser

@main
struct Ringback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ringback",
        abstract: "Webhook delivery for a communications platform.",
        version: RingbackVersion.current,
        subcommands: [Serve.self, Migrate.self, Customers.self, Simulate.self, Listen.self]
    )
}

enum RingbackVersion {
    static let current = "0.1.0"
}
