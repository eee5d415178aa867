import ArgumentParser
import Foundation
import RingbackStore

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = CommandLogging.bootstrap()
        do {
            let store = try database.openStore()
            // Running the store brings the schema up to date; nothing else to do.
            try await OneShot.run(store, logger: logger) {}
            FileHandle.standardError.write(Data("ringback: the database schema is up to date\n".utf8))
        } catch let error as OptionError {
            throw error.exit()
        } catch {
            FileHandle.standardError.write(Data("ringback: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
