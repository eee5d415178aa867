import Hummingbird
import Logging
import Metrics
import RingbackCore
import RingbackStore

/// What the API needs to know beyond the store.
public struct APIConfiguration: Sendable {
    /// SHA-256 of the operator's bearer token.
    public var adminTokenHash: String
    /// Accept `http://` webhook URLs.
    public var allowInsecureURLs: Bool
    /// How long a rotated-out secret keeps signing.
    public var retiredSecretLifetime: Duration = .seconds(24 * 3600)
    /// Webhooks one customer may have (`--max-webhooks-per-customer`).
    public var maxWebhooksPerCustomer = 100
    /// Prometheus text for `/metrics`.
    public var metricsText: @Sendable () async -> String = { "" }
    /// The clock of every timestamp the API assigns, in milliseconds since 1970.
    public var now: @Sendable () -> Millis

    public init(adminTokenHash: String, allowInsecureURLs: Bool, now: @escaping @Sendable () -> Millis) {
        self.adminTokenHash = adminTokenHash
        self.allowInsecureURLs = allowInsecureURLs
        self.now = now
    }
}

/// One route and its handler.
struct Endpoint: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let handler: @Sendable (Request, AppContext) async throws -> Response

    init(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, AppContext) async throws -> Response) {
        self.method = method
        self.path = path
        self.handler = handler
    }
}

/// The HTTP API: translates requests into store calls and renders the results.
public struct API: Sendable {
    let store: any Store
    let configuration: APIConfiguration
    let auth: Authenticator
    let validator: WebhookValidator
    let publishedCounter = Counter(label: "ringback_events_published_total")

    public init(store: any Store, configuration: APIConfiguration) {
        self.store = store
        self.configuration = configuration
        self.auth = Authenticator(adminTokenHash: configuration.adminTokenHash, store: store)
        self.validator = WebhookValidator(allowInsecureURLs: configuration.allowInsecureURLs)
    }

    var endpoints: [Endpoint] {
        operationEndpoints + customerEndpoints + webhookEndpoints + eventTypeEndpoints + eventEndpoints + deliveryEndpoints
    }

    /// Every registered route.
    public var routeTable: RouteTable {
        var table = RouteTable()
        for endpoint in endpoints { table.add(endpoint.method, endpoint.path) }
        return table
    }

    /// The router with every route and the problem+json middleware.
    public func router() -> Router<AppContext> {
        let router = Router(context: AppContext.self)
        router.add(middleware: ProblemMiddleware(routes: routeTable))
        router.add(middleware: BodyLimitMiddleware())
        for endpoint in endpoints {
            router.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
        }
        return router
    }

    /// Maps store errors to problems: not found is 404, anything else from the database 503.
    func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError where error == .notFound {
            throw Problem.notFound
        } catch let error as StoreError where error.conflictMessage != nil {
            throw Problem(.conflict, error.conflictMessage!)
        } catch is StoreError {
            throw Problem(.serviceUnavailable, "the database is unavailable; nothing was changed, try again")
        } catch let failure as ValidationFailure {
            throw Problem.badRequest(failure)
        }
    }
}
