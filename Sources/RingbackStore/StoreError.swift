import RingbackCore

/// An error of the store, safe to match on; its description never carries database detail.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case notFound
        case unavailable
        case locked(String)
        case limit(String)
        case conflict(String)
    }

    private let kind: Kind

    /// The resource does not exist (or belongs to another customer).
    public static let notFound = StoreError(kind: .notFound)
    /// The database cannot be reached or failed; nothing was changed.
    public static let unavailable = StoreError(kind: .unavailable)
    /// Another process holds the database (SQLite is for one process).
    public static func locked(_ path: String) -> StoreError { StoreError(kind: .locked(path)) }
    /// A configured limit would be exceeded; the message names it.
    public static func limit(_ message: String) -> StoreError { StoreError(kind: .limit(message)) }
    /// The request conflicts with the resource's state; the message says how.
    public static func conflict(_ message: String) -> StoreError { StoreError(kind: .conflict(message)) }

    /// The message of a limit or conflict, for the API to show.
    public var conflictMessage: String? {
        switch kind {
        case .limit(let message), .conflict(let message): message
        default: nil
        }
    }

    public var description: String {
        switch kind {
        case .notFound: "not found"
        case .unavailable: "the database is unavailable"
        case .locked(let path): "another ringback process is using \(path); SQLite is for one process (use PostgreSQL to run several nodes)"
        case .limit(let message), .conflict(let message): message
        }
    }
}

extension StoreError {
    /// Runs a backend call: store errors and validation failures pass through; anything else the
    /// database throws is reported to `log` and becomes `unavailable`, with no detail for callers.
    static func guarding<T>(log: (any Error) -> Void, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch let error as ValidationFailure {
            throw error
        } catch {
            log(error)
            throw StoreError.unavailable
        }
    }
}
