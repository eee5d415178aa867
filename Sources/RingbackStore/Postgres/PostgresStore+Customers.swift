import Foundation
import PostgresNIO
import RingbackCore

extension PostgresStore {
    public func createCustomer(name: String, detail: String, keyTokenHash: String, now: Millis) async throws -> (Customer, AccessKey) {
        let customer = Customer(id: UUID(), name: name, detail: detail, createdAt: now)
        let key = AccessKey(id: UUID(), customerID: customer.id, createdAt: now)
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO customers (id, name, detail, created_at) VALUES (\(customer.id.text), \(name), \(detail), \(now))
                """, logger: self.logger)
            try await connection.query("""
                INSERT INTO access_keys (id, customer_id, token_hash, created_at)
                VALUES (\(key.id.text), \(customer.id.text), \(keyTokenHash), \(now))
                """, logger: self.logger)
        }
        return (customer, key)
    }

    public func listCustomers(_ page: PageRequest) async throws -> Page<Customer> {
        let rows = try await rows("""
            SELECT seq, id, name, detail, created_at FROM customers
            WHERE seq < \(page.before ?? Int64.max) ORDER BY seq DESC LIMIT \(page.size + 1)
            """)
        return makePage(rows, size: page.size, \.customer)
    }

    public func customer(id: UUID) async throws -> Customer {
        guard let row = try await rows("SELECT seq, id, name, detail, created_at FROM customers WHERE id = \(id.text)").first
        else { throw StoreError.notFound }
        return row.customer
    }

    public func deleteCustomer(id: UUID) async throws -> Customer {
        guard let row = try await rows("""
            DELETE FROM customers WHERE id = \(id.text) RETURNING seq, id, name, detail, created_at
            """).first
        else { throw StoreError.notFound }
        return row.customer
    }

    public func createAccessKey(customerID: UUID, tokenHash: String, now: Millis) async throws -> AccessKey {
        let key = AccessKey(id: UUID(), customerID: customerID, createdAt: now)
        let inserted = try await rows("""
            INSERT INTO access_keys (id, customer_id, token_hash, created_at)
            SELECT \(key.id.text), id, \(tokenHash), \(now) FROM customers WHERE id = \(customerID.text)
            RETURNING seq
            """)
        guard !inserted.isEmpty else { throw StoreError.notFound }
        return key
    }

    public func deleteAccessKey(customerID: UUID, keyID: UUID) async throws {
        let deleted = try await rows("""
            DELETE FROM access_keys WHERE id = \(keyID.text) AND customer_id = \(customerID.text) RETURNING seq
            """)
        guard !deleted.isEmpty else { throw StoreError.notFound }
    }

    public func customerID(forKeyHash tokenHash: String) async throws -> UUID? {
        try await rows("SELECT customer_id FROM access_keys WHERE token_hash = \(tokenHash)").first
            .flatMap { UUID(uuidString: $0.text("customer_id")) }
    }
}
