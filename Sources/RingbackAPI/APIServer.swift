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
    /// The clock of every timestamp the API assigns.
    public var clock: any WallClock
    /// Refuse published events whose `data` breaks its type's schema (`--validate-events`).
    public var validateEvents = false
    /// Live event streams open at once on this node (`--max-streams`).
    public var maxStreams = 100
    /// How long a quiet stream waits before a keep-alive comment.
    public var streamHeartbeat: Duration = .seconds(15)
    /// Events a stream holds for a reader that is slower than the events come.
    public var streamBuffer = 1000
    /// How long a stream's buffer may stay full before its reader is cut (`event: overflow`).
    public var streamPatience: Duration = .seconds(10)
    /// Bytes a stream holds for a slow reader at most (besides `streamBuffer` events): big
    /// events fill it before the count does.
    public var streamBufferBytes = 4 << 20
    /// How long one write to a stream's client may wait, its client reading nothing, before the
    /// connection is reset (what a client that stopped reading holds is then freed).
    public var streamWriteTimeout: Duration = .seconds(30)
    /// Told each time a stream is cut: "overflow", "credential" or "stalled" (also counted in
    /// `ringback_event_streams_cut_total{reason}`).
    public var streamCut: (@Sendable (String) -> Void)?
    /// How long a portal session works (`--portal-session-ttl`).
    public var portalSessionLifetime: Duration = .seconds(3600)
    /// Where customers reach this server (`--public-url`), for portal links; without it, the
    /// scheme-less `Host` the operator called is used, with `http`.
    public var publicURL: String?

    public init(adminTokenHash: String, allowInsecureURLs: Bool, clock: any WallClock) {
        self.adminTokenHash = adminTokenHash
        self.allowInsecureURLs = allowInsecureURLs
        self.clock = clock
    }
}

/// One route: who may call it, and its handler.
struct Endpoint: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let access: Access
    let handler: @Sendable (Request, AppContext) async throws -> Response

    init(_ method: HTTPRequest.Method, _ path: String, _ access: Access,
         _ handler: @escaping @Sendable (Request, AppContext) async throws -> Response) {
        self.method = method
        self.path = path
        self.access = access
        self.handler = handler
    }
}

/// The HTTP API: translates requests into store calls and renders the results. Handlers see
/// only valid credentials (route-group middleware) and throw domain errors, which one
/// middleware renders as problems.
public struct API: Sendable {
    let store: any Store
    let configuration: APIConfiguration
    let authenticator: Authenticator
    let validator: WebhookValidator
    /// The event catalog's schemas and examples.
    let schemas = EventSchemas.bundled
    let streams = StreamSlots()
    let publishedCounter = Counter(label: "ringback_events_published_total")
    let publishTime = Timer(label: "ringback_store_transaction_seconds", dimensions: [("operation", "publish")],
                            preferredDisplayUnit: .seconds)

    public init(store: any Store, configuration: APIConfiguration) {
        self.store = store
        self.configuration = configuration
        self.authenticator = Authenticator(adminTokenHash: configuration.adminTokenHash, store: store, clock: configuration.clock)
        self.validator = WebhookValidator(allowInsecureURLs: configuration.allowInsecureURLs)
    }

    var endpoints: [Endpoint] {
        operationEndpoints + customerEndpoints + webhookEndpoints + eventTypeEndpoints + eventStreamEndpoints + eventEndpoints + deliveryEndpoints
    }

    /// Every registered route.
    public var routeTable: RouteTable {
        var table = RouteTable()
        for endpoint in endpoints { table.add(endpoint.method, endpoint.path, access: endpoint.access.rawValue) }
        return table
    }

    /// The router with every route: problems rendered and bodies bounded for all, and one group
    /// per kind of caller, each behind its authentication.
    public func router() -> Router<AppContext> {
        let router = Router(context: AppContext.self)
        router.add(middleware: ProblemMiddleware(routes: routeTable))
        router.add(middleware: BodyLimitMiddleware())
        let groups: [Access: RouterGroup<AppContext>] = [
            .none: router.group(),
            .operator: router.group().add(middleware: AuthenticationMiddleware(authenticator: authenticator, access: .operator)),
            .customer: router.group().add(middleware: AuthenticationMiddleware(authenticator: authenticator, access: .customer)),
            .any: router.group().add(middleware: AuthenticationMiddleware(authenticator: authenticator, access: .any)),
        ]
        for endpoint in endpoints {
            groups[endpoint.access]!.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
        }
        Portal.add(to: router)
        return router
    }
}
