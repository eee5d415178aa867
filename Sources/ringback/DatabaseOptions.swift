import ArgumentParser
import Foundation
import Logging
import RingbackPostgres
import RingbackSQLite
import RingbackStore

/// `--database` / `RINGBACK_DATABASE_URL`: `sqlite:PATH` or `postgres://USER:PASS@HOST:PORT/DB`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database"), help: "sqlite:PATH (default sqlite:ringback.sqlite) or postgres://USER:PASS@HOST:PORT/DB [env: RINGBACK_DATABASE_URL]")
    var database: String?

    var option: OptionValue { OptionValue(flag: "--database", env: "RINGBACK_DATABASE_URL", given: database) }

    /// Opens the configured store.
    func openStore() throws -> any Store {
        let option = option
        let url = option.string(default: "sqlite:ringback.sqlite")
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw option.fail("'\(url)' names no file; write sqlite:PATH") }
            return try SQLiteStore(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard PostgresStore.configuration(url) != nil else {
                throw option.fail("'\(Self.redacted(url))' is not postgres://USER:PASS@HOST:PORT/DB[?sslmode=disable|prefer|require]")
            }
            return try PostgresStore(url: url, logger: Logger(label: "ringback.postgres"))
        }
        throw option.fail("'\(Self.redacted(url))' is neither sqlite:PATH nor postgres://USER:PASS@HOST:PORT/DB")
    }

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "the URL"
    }
}
