import Foundation
import Hummingbird

/// The request context of the API: who is calling, once the authentication middleware knows.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware` on every route that needs credentials.
    var principal: Principal?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Any request body over 5 MiB is refused with 413.
    public var maxUploadSize: Int { 5 * 1024 * 1024 }

    /// The calling customer, on a customer route.
    var customerID: UUID {
        get throws {
            guard case .customer(let id)? = principal else { throw Problem.forbidden }
            return id
        }
    }
}
