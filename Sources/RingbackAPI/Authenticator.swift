import Foundation
import Hummingbird
import RingbackCore
import RingbackStore

/// Who is calling: the platform operator or one customer.
enum Principal: Sendable, Equatable {
    case `operator`
    case customer(UUID)
}

/// Who may call a route.
enum Access: String, Sendable {
    /// Anyone: health, metrics, the OpenAPI document.
    case none
    /// The platform operator (admin token).
    case `operator`
    /// A customer (access key).
    case customer
    /// Either.
    case any
}

/// Resolves `Authorization: Bearer <token>` or `?accesskey=<token>` to a principal.
/// Tokens are compared as SHA-256 hashes; they are never logged.
struct Authenticator: Sendable {
    let adminTokenHash: String
    let store: any Store
    let clock: any WallClock

    func principal(_ request: Request) async throws -> Principal {
        let token: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            token = parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
        } else {
            // A portal session's token travels in a URL's fragment only, never in a query string.
            token = request.uri.queryParameters.get("accesskey").flatMap { $0.hasPrefix("rbps_") ? nil : $0 }
        }
        guard let token, !token.isEmpty else { throw Problem.unauthorized }
        let hash = CredentialHash.of(token)
        if hash == adminTokenHash { return .operator }
        guard let customerID = try await store.customerID(forKeyHash: hash, now: clock.now) else { throw Problem.unauthorized }
        return .customer(customerID)
    }

    /// Whether the request's credential still names `principal`: false only on a definite
    /// refusal (revoked, expired, deleted); a database that does not answer gives no verdict.
    func stillAdmits(_ request: Request, as principal: Principal) async -> Bool {
        do {
            return try await self.principal(request) == principal
        } catch let problem as Problem {
            return problem.status != .unauthorized
        } catch {
            return true
        }
    }
}

/// Authenticates every request of a route group for its access: 401 without valid credentials,
/// 403 for the wrong kind of caller; the principal goes into the context.
struct AuthenticationMiddleware: RouterMiddleware {
    let authenticator: Authenticator
    let access: Access

    func handle(_ request: Request, context: AppContext,
                next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let principal = try await authenticator.principal(request)
        switch (access, principal) {
        case (.operator, .customer): throw Problem.forbidden
        case (.customer, .operator): throw Problem(.forbidden, "this route is for customers; use a customer's access key")
        default: break
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}
