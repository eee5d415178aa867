import RingbackCore

/// An error of the store, safe to match on; its description never carries database detail.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case notFound
        case unavailable
        case locked(String)
        case webhookLimit(Int)
        case webhookDisabled
        case unknownCustomer(index: Int)
    }

    private let kind: Kind

    /// The resource does not exist (or belongs to another customer).
    public static let notFound = StoreError(kind: .notFound)
    /// The database cannot be reached or failed; nothing was changed.
    public static let unavailable = StoreError(kind: .unavailable)
    /// Another process holds the database (SQLite is for one process).
    public static func locked(_ path: String) -> StoreError { StoreError(kind: .locked(path)) }
    /// The customer has `limit` webhooks already.
    public static func webhookLimit(_ limit: Int) -> StoreError { StoreError(kind: .webhookLimit(limit)) }
    /// The webhook is disabled: it cannot be sent a test.
    public static let webhookDisabled = StoreError(kind: .webhookDisabled)
    /// The event at `index` of a publish names a customer that does not exist.
    public static func unknownCustomer(index: Int) -> StoreError { StoreError(kind: .unknownCustomer(index: index)) }

    /// The limit that a create would have exceeded.
    public var webhookLimit: Int? {
        if case .webhookLimit(let limit) = kind { return limit }
        return nil
    }

    /// The index of the event whose customer does not exist.
    public var unknownCustomerIndex: Int? {
        if case .unknownCustomer(let index) = kind { return index }
        return nil
    }

    public var description: String {
        switch kind {
        case .notFound: "not found"
        case .unavailable: "the database is unavailable"
        case .locked(let path): "another ringback process is using \(path); SQLite is for one process (use PostgreSQL to run several nodes)"
        case .webhookLimit(let limit): "the customer has \(limit) webhooks already"
        case .webhookDisabled: "the webhook is disabled"
        case .unknownCustomer(let index): "event \(index) names an unknown customer"
        }
    }
}

extension StoreError {
    /// Runs a backend call: store errors pass through; anything else the database throws is
    /// reported to `log` and becomes `unavailable`, with no detail for callers.
    package static func guarding<T>(log: (any Error) -> Void, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch {
            log(error)
            throw StoreError.unavailable
        }
    }
}
