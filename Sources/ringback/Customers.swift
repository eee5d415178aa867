import ArgumentParser
import Foundation
import RingbackCore
import RingbackStore

struct Customers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage customers.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a customer and print it, with its first access key, as JSON on stdout.")

        @Option(help: "The customer's name (1 to 255 characters).") var name: String
        @Option(help: "A free-text description.") var detail: String = ""
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard !name.isEmpty, name.count <= 255 else {
                throw OptionError(flag: "--name", env: "-", message: "must be 1 to 255 characters").exit()
            }
            guard detail.count <= 2000 else {
                throw OptionError(flag: "--detail", env: "-", message: "must be at most 2000 characters").exit()
            }
            let logger = CommandLogging.bootstrap()
            do {
                let store = try database.openStore()
                let token = CredentialHash.newToken(prefix: "rbk_")
                let now = SystemClock().now
                let (name, detail) = (name, detail)
                let (customer, key) = try await OneShot.run(store, logger: logger) {
                    try await store.createCustomer(name: name, detail: detail, keyTokenHash: CredentialHash.of(token), now: now)
                }
                let json = JSONValue.object([
                    JSONMember("id", .string(customer.id.text)),
                    JSONMember("name", .string(customer.name)),
                    JSONMember("detail", .string(customer.detail)),
                    JSONMember("tm_create", .string(Timestamp.format(milliseconds: customer.createdAt))),
                    JSONMember("accesskey", .object([
                        JSONMember("id", .string(key.id.text)), JSONMember("token", .string(token)),
                    ])),
                ])
                print(String(decoding: json.serialized(), as: UTF8.self))
            } catch let error as OptionError {
                throw error.exit()
            } catch let error as StoreError {
                FileHandle.standardError.write(Data("ringback: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
    }
}
