import Foundation
import Hummingbird
import RingbackCore
import RingbackStore

/// Who is calling: the platform operator or one customer.
enum Principal: Sendable, Equatable {
    case `operator`
    case customer(UUID)
}

/// Resolves `Authorization: Bearer <token>` or `?accesskey=<token>` to a principal.
/// Tokens are compared as SHA-256 hashes; they are never logged.
struct Authenticator: Sendable {
    let adminTokenHash: String
    let store: any Store

    func principal(_ request: Request) async throws -> Principal {
        let token: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            token = parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
        } else {
            token = request.uri.queryParameters.get("accesskey")
        }
        guard let token, !token.isEmpty else { throw Problem.unauthorized }
        let hash = CredentialHash.of(token)
        if hash == adminTokenHash { return .operator }
        guard let customerID = try await store.customerID(forKeyHash: hash) else { throw Problem.unauthorized }
        return .customer(customerID)
    }

    /// The operator, else 401 or 403.
    func requireOperator(_ request: Request) async throws {
        guard try await principal(request) == .operator else { throw Problem.forbidden }
    }

    /// The calling customer, else 401 (or 403 for the operator, who owns no webhooks).
    func requireCustomer(_ request: Request) async throws -> UUID {
        switch try await principal(request) {
        case .customer(let id): return id
        case .operator: throw Problem(.forbidden, "this route is for customers; use a customer's access key")
        }
    }
}
