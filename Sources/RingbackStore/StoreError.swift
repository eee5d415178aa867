/// An error of the store, safe to match on; its description never carries database detail.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case notFound
        case unavailable
        case locked(String)
    }

    private let kind: Kind

    /// The resource does not exist (or belongs to another customer).
    public static let notFound = StoreError(kind: .notFound)
    /// The database cannot be reached or failed; nothing was changed.
    public static let unavailable = StoreError(kind: .unavailable)
    /// Another process holds the database (SQLite is for one process).
    public static func locked(_ path: String) -> StoreError { StoreError(kind: .locked(path)) }

    public var description: String {
        switch kind {
        case .notFound: "not found"
        case .unavailable: "the database is unavailable"
        case .locked(let path): "another ringback process is using \(path); SQLite is for one process (use PostgreSQL to run several nodes)"
        }
    }
}
