import Foundation
import GRDB
import RingbackCore
import RingbackStore

extension SQLiteStore {
    public func createCustomer(name: String, detail: String, keyTokenHash: String, now: Millis) async throws -> (Customer, AccessKey) {
        let customer = Customer(id: UUID(), name: name, detail: detail, createdAt: now)
        let key = AccessKey(id: UUID(), customerID: customer.id, createdAt: now)
        try await write { db in
            try db.execute(CustomerSQL.insert(customer))
            try db.execute(CustomerSQL.insertKey(key, tokenHash: keyTokenHash))
        }
        return (customer, key)
    }

    public func listCustomers(_ page: PageRequest) async throws -> Page<Customer> {
        try await read { db in makePage(try db.rows(CustomerSQL.list(page)), size: page.size, \.customer) }
    }

    public func customer(id: UUID) async throws -> Customer {
        try await read { db in
            guard let row = try db.rows(CustomerSQL.one(id)).first else { throw StoreError.notFound }
            return row.customer
        }
    }

    public func deleteCustomer(id: UUID) async throws -> Customer {
        try await write { db in
            guard let row = try db.rows(CustomerSQL.delete(id)).first else { throw StoreError.notFound }
            return row.customer
        }
    }

    public func createAccessKey(customerID: UUID, tokenHash: String, now: Millis, expiresAt: Millis?) async throws -> AccessKey {
        let key = AccessKey(id: UUID(), customerID: customerID, createdAt: now, expiresAt: expiresAt)
        try await write { db in
            try db.execute(CustomerSQL.deleteExpiredKeys(customerID: customerID, now: now))
            guard !(try db.rows(CustomerSQL.insertKey(key, tokenHash: tokenHash))).isEmpty else { throw StoreError.notFound }
        }
        return key
    }

    public func deleteAccessKey(customerID: UUID, keyID: UUID) async throws {
        try await write { db in
            guard !(try db.rows(CustomerSQL.deleteKey(customerID: customerID, keyID: keyID))).isEmpty else { throw StoreError.notFound }
        }
    }

    public func customerID(forKeyHash tokenHash: String, now: Millis) async throws -> UUID? {
        try await read { db in try db.rows(CustomerSQL.customerForKey(tokenHash, now: now)).first.map { $0.uuid("customer_id") } }
    }
}
