import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import RingbackAPI
import RingbackCore
import RingbackDelivery
import RingbackStore
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API and the delivery workers in one process.")

    @Option(help: "Listen address (default 127.0.0.1) [env: RINGBACK_HOST]") var host: String?
    @Option(help: "Listen port (default 8080) [env: RINGBACK_PORT]") var port: String?
    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("admin-token"), help: "Bearer token of the platform operator (default: random, printed once) [env: RINGBACK_ADMIN_TOKEN]")
    var adminToken: String?
    @Option(name: .customLong("delivery-timeout"), help: "Whole-request limit of one attempt (default 5s) [env: RINGBACK_DELIVERY_TIMEOUT]")
    var deliveryTimeout: String?
    @Option(name: .customLong("retry-schedule"), help: "Delays before retry 1, 2, ... (default 5s,5m,30m,2h,5h,10h,10h) [env: RINGBACK_RETRY_SCHEDULE]")
    var retrySchedule: String?
    @Flag(name: .customLong("allow-insecure-urls"), help: "Accept http:// webhook URLs (development only) [env: RINGBACK_ALLOW_INSECURE_URLS]")
    var allowInsecureURLs = false
    @Flag(name: .customLong("allow-private-targets"), help: "Allow deliveries to loopback, private and link-local addresses [env: RINGBACK_ALLOW_PRIVATE_TARGETS]")
    var allowPrivateTargets = false
    @Flag(name: .customLong("validate-events"), help: "Refuse published events whose data breaks its type's schema [env: RINGBACK_VALIDATE_EVENTS]")
    var validateEvents = false
    @Option(name: .customLong("trust-ca"), help: "Extra PEM CA bundle trusted for deliveries [env: RINGBACK_TRUST_CA]")
    var trustCA: String?
    @Option(name: .customLong("delivery-lease"), help: "How long a node holds a claimed delivery before others may take it over (default 2 x timeout + 30s) [env: RINGBACK_DELIVERY_LEASE]")
    var deliveryLease: String?
    @Option(name: .customLong("max-in-flight"), help: "Attempts in flight at once, in all (default 512) [env: RINGBACK_MAX_IN_FLIGHT]")
    var maxInFlight: String?
    @Option(name: .customLong("max-in-flight-per-webhook"), help: "Most attempts in flight at once to one webhook; the limit adapts below it to what the endpoint sustains (default 256) [env: RINGBACK_MAX_IN_FLIGHT_PER_WEBHOOK]")
    var maxInFlightPerWebhook: String?
    @Option(name: .customLong("max-webhooks-per-customer"), help: "Webhooks one customer may have (default 100) [env: RINGBACK_MAX_WEBHOOKS_PER_CUSTOMER]")
    var maxWebhooksPerCustomer: String?
    @Option(name: .customLong("retention"), help: "Keep settled events this long, e.g. 30d, 12h; 0 keeps everything (default 30d) [env: RINGBACK_RETENTION]")
    var retention: String?
    @Option(name: .customLong("max-streams"), help: "Live event streams open at once on this node (default 100) [env: RINGBACK_MAX_STREAMS]")
    var maxStreams: String?
    @Option(name: .customLong("portal-session-ttl"), help: "How long a portal session link works, 1m to 30d (default 1h) [env: RINGBACK_PORTAL_SESSION_TTL]")
    var portalSessionTTL: String?
    @Option(name: .customLong("public-url"), help: "Where customers reach this server, e.g. https://hooks.example.com, for portal links (default: http:// and the host the operator called) [env: RINGBACK_PUBLIC_URL]")
    var publicURL: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info) [env: RINGBACK_LOG_LEVEL]")
    var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text or json: one JSON object per line (default text) [env: RINGBACK_LOG_FORMAT]")
    var logFormat: String?

    func run() async throws {
        let settings: ServeSettings
        let store: any Store
        do {
            settings = try resolve()
            let level = settings.logLevel
            if settings.jsonLogs {
                LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
            } else {
                LoggingSystem.bootstrap { label in
                    var handler = StreamLogHandler.standardError(label: label)
                    handler.logLevel = level
                    return handler
                }
            }
            store = try database.openStore()
        } catch let error as OptionError {
            throw error.exit()
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("ringback: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let logger = Logger(label: "ringback")
        if settings.publicURL == nil, !["127.0.0.1", "::1", "localhost"].contains(settings.host) {
            logger.warning("no --public-url (RINGBACK_PUBLIC_URL): portal links will use http:// and the host the operator called")
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))


        let adminToken: String
        if let token = settings.adminToken {
            adminToken = token
        } else {
            adminToken = CredentialHash.newToken(prefix: "rbk_admin_")
            // Printed once, on purpose, outside the logs: the operator needs it to call the API.
            FileHandle.standardError.write(Data("""
                WARNING: no --admin-token (RINGBACK_ADMIN_TOKEN) given; this run's operator token is:
                    \(adminToken)
                Set one to keep it across restarts.

                """.utf8))
        }

        let clock = SystemClock()
        var apiConfiguration = APIConfiguration(
            adminTokenHash: CredentialHash.of(adminToken), allowInsecureURLs: settings.allowInsecureURLs, clock: clock)
        apiConfiguration.maxWebhooksPerCustomer = settings.maxWebhooksPerCustomer
        apiConfiguration.maxStreams = settings.maxStreams
        apiConfiguration.validateEvents = settings.validateEvents
        apiConfiguration.portalSessionLifetime = settings.portalSessionLifetime
        apiConfiguration.publicURL = settings.publicURL
        apiConfiguration.metricsText = {
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
        let api = API(store: store, configuration: apiConfiguration)
        let serverLogger = logger
        var app = Application(
            router: api.router(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                serverLogger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            },
            logger: logger
        )
        // Requests are taken only once the schema is up to date.
        app.beforeServerStarts { try await store.ready() }
        let sender = try WebhookSender(configuration: SenderConfiguration(
            timeout: settings.deliveryTimeout, allowPrivateTargets: settings.allowPrivateTargets,
            trustedCAPath: settings.trustedCAPath, connectionsPerHost: settings.maxInFlight))
        var dispatching = DispatcherConfiguration(
            schedule: settings.retrySchedule, timeout: settings.deliveryTimeout, maxInFlight: settings.maxInFlight,
            maxInFlightPerWebhook: settings.maxInFlightPerWebhook, userAgent: "Ringback/\(RingbackVersion.current)")
        dispatching.lease = settings.deliveryLease
        let dispatcher = Dispatcher(store: store, sender: sender, configuration: dispatching, logger: logger, clock: clock)
        // Started in this order, stopped in reverse: the store first (it brings the schema up to
        // date; the others wait for it) and last; the API stops taking events before deliveries
        // stop; attempts in flight end before the sender closes its connections.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: store), .init(service: sender), .init(service: dispatcher), .init(service: app),
        ]
        if let window = settings.retention {
            services.append(.init(service: Retention(store: store, window: window, clock: clock, logger: logger)))
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("stopped", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }

    /// Every option resolved (flag, then environment, then default) and checked.
    func resolve() throws -> ServeSettings {
        let hostOption = OptionValue(flag: "--host", env: "RINGBACK_HOST", given: host)
        let host = hostOption.string(default: "127.0.0.1")
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else { throw hostOption.fail("'\(host)' is not an address") }
        let portValue = try OptionValue(flag: "--port", env: "RINGBACK_PORT", given: port).integer(default: 8080, range: 0...65535)
        let timeout = try OptionValue(flag: "--delivery-timeout", env: "RINGBACK_DELIVERY_TIMEOUT", given: deliveryTimeout)
            .duration(default: "5s")
        let scheduleOption = OptionValue(flag: "--retry-schedule", env: "RINGBACK_RETRY_SCHEDULE", given: retrySchedule)
        let scheduleText = scheduleOption.string(default: RetrySchedule.default.description)
        guard let schedule = RetrySchedule(parsing: scheduleText) else {
            throw scheduleOption.fail("'\(scheduleText)' is not a comma-separated list of durations like 5s,5m,30m")
        }
        let leaseOption = OptionValue(flag: "--delivery-lease", env: "RINGBACK_DELIVERY_LEASE", given: deliveryLease)
        let lease = try leaseOption.duration(default: DurationText.format(timeout * 2 + .seconds(30)))
        guard lease > timeout else { throw leaseOption.fail("must be longer than the delivery timeout") }
        let caOption = OptionValue(flag: "--trust-ca", env: "RINGBACK_TRUST_CA", given: trustCA)
        var trustedCA: String?
        if let path = caOption.raw {
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8), pem.contains("-----BEGIN CERTIFICATE-----")
            else { throw caOption.fail("'\(path)' is not a readable PEM certificate bundle") }
            trustedCA = path
        }
        let tokenOption = OptionValue(flag: "--admin-token", env: "RINGBACK_ADMIN_TOKEN", given: adminToken)
        if let token = tokenOption.raw, token.count < 16 || token.contains(where: \.isWhitespace) {
            throw tokenOption.fail("must be at least 16 characters without spaces")
        }
        return ServeSettings(
            host: host, port: portValue, adminToken: tokenOption.raw, deliveryTimeout: timeout, deliveryLease: lease,
            retrySchedule: schedule,
            allowInsecureURLs: try OptionValue.toggle(flag: "--allow-insecure-urls", env: "RINGBACK_ALLOW_INSECURE_URLS",
                                                      given: allowInsecureURLs),
            allowPrivateTargets: try OptionValue.toggle(flag: "--allow-private-targets", env: "RINGBACK_ALLOW_PRIVATE_TARGETS",
                                                        given: allowPrivateTargets),
            trustedCAPath: trustedCA,
            validateEvents: try OptionValue.toggle(flag: "--validate-events", env: "RINGBACK_VALIDATE_EVENTS", given: validateEvents),
            maxInFlight: try OptionValue(flag: "--max-in-flight", env: "RINGBACK_MAX_IN_FLIGHT", given: maxInFlight)
                .integer(default: 512, range: 1...10_000),
            maxInFlightPerWebhook: try OptionValue(flag: "--max-in-flight-per-webhook", env: "RINGBACK_MAX_IN_FLIGHT_PER_WEBHOOK",
                                                   given: maxInFlightPerWebhook).integer(default: 256, range: 1...10_000),
            maxWebhooksPerCustomer: try OptionValue(flag: "--max-webhooks-per-customer", env: "RINGBACK_MAX_WEBHOOKS_PER_CUSTOMER",
                                                    given: maxWebhooksPerCustomer).integer(default: 100, range: 1...1_000_000),
            retention: try Self.retention(OptionValue(flag: "--retention", env: "RINGBACK_RETENTION", given: retention)),
            maxStreams: try OptionValue(flag: "--max-streams", env: "RINGBACK_MAX_STREAMS", given: maxStreams)
                .integer(default: 100, range: 1...100_000),
            portalSessionLifetime: try Self.portalSessionLifetime(
                OptionValue(flag: "--portal-session-ttl", env: "RINGBACK_PORTAL_SESSION_TTL", given: portalSessionTTL)),
            publicURL: try Self.publicURL(OptionValue(flag: "--public-url", env: "RINGBACK_PUBLIC_URL", given: publicURL)),
            logLevel: try Self.level(OptionValue(flag: "--log-level", env: "RINGBACK_LOG_LEVEL", given: logLevel)),
            jsonLogs: try Self.jsonLogs(OptionValue(flag: "--log-format", env: "RINGBACK_LOG_FORMAT", given: logFormat))
        )
    }

    /// A duration, or nil for `0` (keep everything).
    static func retention(_ option: OptionValue) throws -> Duration? {
        option.raw == "0" ? nil : try option.duration(default: "30d")
    }

    static func portalSessionLifetime(_ option: OptionValue) throws -> Duration {
        let lifetime = try option.duration(default: "1h")
        guard lifetime >= .seconds(60), lifetime <= .seconds(30 * 86_400) else {
            throw option.fail("'\(option.raw ?? "")' must be from 1m to 30d")
        }
        return lifetime
    }

    /// `scheme://host[:port]`, http or https, nothing after it (the page and the API are at the
    /// server's root, so a path prefix could not work); kept without a trailing slash.
    static func publicURL(_ option: OptionValue) throws -> String? {
        guard let text = option.raw else { return nil }
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
              url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else { throw option.fail("'\(text)' is not an http or https URL of a host, like https://hooks.example.com") }
        return trimmed
    }

    static func jsonLogs(_ option: OptionValue) throws -> Bool {
        switch option.string(default: "text") {
        case "text": return false
        case "json": return true
        case let other: throw option.fail("'\(other)' is not text or json")
        }
    }

    static func level(_ option: OptionValue) throws -> Logger.Level {
        let text = option.string(default: "info")
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw option.fail("'\(text)' is not one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return level
    }
}

/// The resolved options of `serve`.
struct ServeSettings {
    var host: String
    var port: Int
    var adminToken: String?
    var deliveryTimeout: Duration
    var deliveryLease: Duration
    var retrySchedule: RetrySchedule
    var allowInsecureURLs: Bool
    var allowPrivateTargets: Bool
    var trustedCAPath: String?
    var validateEvents: Bool
    var maxInFlight: Int
    var maxInFlightPerWebhook: Int
    var maxWebhooksPerCustomer: Int
    var retention: Duration?
    var maxStreams: Int
    var portalSessionLifetime: Duration
    var publicURL: String?
    var logLevel: Logger.Level
    var jsonLogs: Bool
}
