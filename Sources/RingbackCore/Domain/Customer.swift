import Foundation

/// A customer of the platform (a tenant).
public struct Customer: Sendable, Hashable {
    public let id: UUID
    public let name: String
    public let detail: String
    public let createdAt: Millis

    public init(id: UUID, name: String, detail: String, createdAt: Millis) {
        self.id = id
        self.name = name
        self.detail = detail
        self.createdAt = createdAt
    }
}

/// An access key's public part; the token itself is only ever shown once.
public struct AccessKey: Sendable, Hashable {
    public let id: UUID
    public let customerID: UUID
    public let createdAt: Millis
    /// When it stops working: portal sessions expire, access keys (nil) do not.
    public let expiresAt: Millis?

    public init(id: UUID, customerID: UUID, createdAt: Millis, expiresAt: Millis? = nil) {
        self.id = id
        self.customerID = customerID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
