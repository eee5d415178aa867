import Foundation
import Hummingbird
import NIOCore

/// The request context of the API: who is calling, once the authentication middleware knows.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware` on every route that needs credentials.
    var principal: Principal?
    /// The request's connection: an event stream resets it when its client stops reading.
    let channel: any Channel

    public init(source: Source) {
        coreContext = .init(source: source)
        channel = source.channel
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
