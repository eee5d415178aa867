import ArgumentParser
import Foundation
import RingbackStore

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        do {
            let store = try database.openStore()
            try await store.whileRunning { try await store.migrate() }
            FileHandle.standardError.write(Data("ringback: the database schema is up to date\n".utf8))
        } catch let error as OptionError {
            throw error.exit()
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("ringback: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
