import Foundation
import PostgresNIO
import RingbackCore
import RingbackStore

extension PostgresStore {
    public func createCustomer(name: String, detail: String, keyTokenHash: String, now: Millis) async throws -> (Customer, AccessKey) {
        let customer = Customer(id: UUID(), name: name, detail: detail, createdAt: now)
        let key = AccessKey(id: UUID(), customerID: customer.id, createdAt: now)
        try await transaction { connection in
            try await connection.execute(CustomerSQL.insert(customer), logger: self.logger)
            try await connection.execute(CustomerSQL.insertKey(key, tokenHash: keyTokenHash), logger: self.logger)
        }
        return (customer, key)
    }

    public func listCustomers(_ page: PageRequest) async throws -> Page<Customer> {
        makePage(try await rows(CustomerSQL.list(page)), size: page.size, \.customer)
    }

    public func customer(id: UUID) async throws -> Customer {
        guard let row = try await rows(CustomerSQL.one(id)).first else { throw StoreError.notFound }
        return row.customer
    }

    public func deleteCustomer(id: UUID) async throws -> Customer {
        guard let row = try await rows(CustomerSQL.delete(id)).first else { throw StoreError.notFound }
        return row.customer
    }

    public func createAccessKey(customerID: UUID, tokenHash: String, now: Millis, expiresAt: Millis?) async throws -> AccessKey {
        let key = AccessKey(id: UUID(), customerID: customerID, createdAt: now, expiresAt: expiresAt)
        let logger = self.logger
        let inserted = try await transaction { connection in
            try await connection.execute(CustomerSQL.deleteExpiredKeys(customerID: customerID, now: now), logger: logger)
            return try await connection.rows(CustomerSQL.insertKey(key, tokenHash: tokenHash), logger: logger).count
        }
        guard inserted > 0 else { throw StoreError.notFound }
        return key
    }

    public func deleteAccessKey(customerID: UUID, keyID: UUID) async throws {
        guard !(try await rows(CustomerSQL.deleteKey(customerID: customerID, keyID: keyID))).isEmpty else { throw StoreError.notFound }
    }

    public func customerID(forKeyHash tokenHash: String, now: Millis) async throws -> UUID? {
        try await rows(CustomerSQL.customerForKey(tokenHash, now: now)).first.map { $0.uuid("customer_id") }
    }
}
