import Foundation
import GRDB
import RingbackCore

extension SQLiteStore {
    public func createCustomer(name: String, detail: String, keyTokenHash: String, now: Millis) async throws -> (Customer, AccessKey) {
        let customer = Customer(id: UUID(), name: name, detail: detail, createdAt: now)
        let key = AccessKey(id: UUID(), customerID: customer.id, createdAt: now)
        try await write { db in
            try db.execute(
                sql: "INSERT INTO customers (id, name, detail, created_at) VALUES (?, ?, ?, ?)",
                arguments: [customer.id.text, name, detail, now])
            try db.execute(
                sql: "INSERT INTO access_keys (id, customer_id, token_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [key.id.text, customer.id.text, keyTokenHash, now])
        }
        return (customer, key)
    }

    public func listCustomers(_ page: PageRequest) async throws -> Page<Customer> {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT seq, id, name, detail, created_at FROM customers
                WHERE seq < ? ORDER BY seq DESC LIMIT ?
                """, arguments: [page.before ?? Int64.max, page.size + 1])
            return makePage(rows, size: page.size, \.customer)
        }
    }

    public func customer(id: UUID) async throws -> Customer {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, id, name, detail, created_at FROM customers WHERE id = ?",
                                             arguments: [id.text])
            else { throw StoreError.notFound }
            return row.customer
        }
    }

    public func deleteCustomer(id: UUID) async throws -> Customer {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: """
                DELETE FROM customers WHERE id = ? RETURNING seq, id, name, detail, created_at
                """, arguments: [id.text])
            else { throw StoreError.notFound }
            return row.customer
        }
    }

    public func createAccessKey(customerID: UUID, tokenHash: String, now: Millis) async throws -> AccessKey {
        let key = AccessKey(id: UUID(), customerID: customerID, createdAt: now)
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM customers WHERE id = ?", arguments: [customerID.text]) == true
            else { throw StoreError.notFound }
            try db.execute(
                sql: "INSERT INTO access_keys (id, customer_id, token_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [key.id.text, customerID.text, tokenHash, now])
        }
        return key
    }

    public func deleteAccessKey(customerID: UUID, keyID: UUID) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM access_keys WHERE id = ? AND customer_id = ?",
                           arguments: [keyID.text, customerID.text])
            guard db.changesCount == 1 else { throw StoreError.notFound }
        }
    }

    public func customerID(forKeyHash tokenHash: String) async throws -> UUID? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT customer_id FROM access_keys WHERE token_hash = ?", arguments: [tokenHash])
                .flatMap(UUID.init(uuidString:))
        }
    }
}
