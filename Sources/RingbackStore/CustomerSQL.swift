import Foundation
import RingbackCore

/// The statements of customers and access keys, written once for both backends.
package enum CustomerSQL {
    package static let columns = "seq, id, name, detail, created_at"

    package static func insert(_ customer: Customer) -> SQLStatement {
        """
        INSERT INTO customers (id, name, detail, created_at)
        VALUES (\(customer.id), \(customer.name), \(customer.detail), \(customer.createdAt))
        """
    }

    /// An access key for a customer that exists: no row is inserted (or returned) otherwise.
    package static func insertKey(_ key: AccessKey, tokenHash: String) -> SQLStatement {
        """
        INSERT INTO access_keys (id, customer_id, token_hash, created_at, expires_at)
        SELECT \(key.id), id, \(tokenHash), \(key.createdAt), \(key.expiresAt) FROM customers WHERE id = \(key.customerID)
        RETURNING seq
        """
    }

    package static func list(_ page: PageRequest) -> SQLStatement {
        """
        SELECT \(sql: columns) FROM customers WHERE seq < \(page.before ?? Int64.max) ORDER BY seq DESC LIMIT \(page.size + 1)
        """
    }

    package static func one(_ id: UUID) -> SQLStatement {
        "SELECT \(sql: columns) FROM customers WHERE id = \(id)"
    }

    package static func delete(_ id: UUID) -> SQLStatement {
        "DELETE FROM customers WHERE id = \(id) RETURNING \(sql: columns)"
    }

    package static func deleteKey(customerID: UUID, keyID: UUID) -> SQLStatement {
        "DELETE FROM access_keys WHERE id = \(keyID) AND customer_id = \(customerID) RETURNING seq"
    }

    /// The customer of a key that has not expired at `now`.
    package static func customerForKey(_ tokenHash: String, now: Millis) -> SQLStatement {
        "SELECT customer_id FROM access_keys WHERE token_hash = \(tokenHash) AND (expires_at IS NULL OR expires_at > \(now))"
    }

    /// A customer's portal sessions that expired before `now`: they are dropped when it gets a new one.
    package static func deleteExpiredKeys(customerID: UUID, now: Millis) -> SQLStatement {
        "DELETE FROM access_keys WHERE customer_id = \(customerID) AND expires_at <= \(now)"
    }
}
