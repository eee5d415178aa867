// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ringback",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ringback", targets: ["ringback"]),
        // For people who receive Ringback's webhooks: verify, decode, de-duplicate.
        .library(name: "RingbackReceiver", targets: ["RingbackReceiver"]),
        .library(name: "RingbackReceiverHummingbird", targets: ["RingbackReceiverHummingbird"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3" ..< "5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/mattpolzin/OpenAPIKit.git", from: "6.4.0", traits: []),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        // Compiles a target's data files (catalog, OpenAPI document, portal page) into it, so the
        // binary needs nothing beside it.
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["embed-files"]),
        .executableTarget(name: "embed-files", path: "Plugins/EmbedFilesTool"),
        // The pure domain, imported by every other target and importing none of ours: the domain
        // types (customers, webhooks and their rules, events, deliveries, attempts, outcomes),
        // the catalog, validation, secrets and signing, retry and failure policy, the parsers of
        // what receivers answer, JSON and JSON Schema, and the WallClock. No I/O.
        .target(
            name: "RingbackCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The event catalog's schemas and examples, one file per resource type, compiled in.
            exclude: ["Catalog"],
            plugins: ["EmbedFiles"]
        ),
        // The receiver's library (a product): verifies Standard Webhooks and VoIPBIN signatures,
        // decodes the envelope and typed resources (generated from the catalog by
        // scripts/generate-receiver-types), de-duplicates by webhook-id. swift-crypto only.
        .target(
            name: "RingbackReceiver",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Its Hummingbird middleware: 401 for a request that does not verify.
        .target(
            name: "RingbackReceiverHummingbird",
            dependencies: [
                "RingbackReceiver",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The README's receiver, built with every test run so that it keeps compiling.
        .executableTarget(
            name: "receiver-example",
            dependencies: ["RingbackReceiver", "RingbackReceiverHummingbird", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Examples/ReceiverExample"
        ),
        // The Store protocol (a Service), its errors, the schema's versions and every statement,
        // written once as SQLStatement values that render for either backend.
        .target(
            name: "RingbackStore",
            dependencies: [
                "RingbackCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The embedded store: one SQLite file (GRDB): runs the shared statements, and the claim's
        // per-webhook probes.
        .target(
            name: "RingbackSQLite",
            dependencies: [
                "RingbackCore", "RingbackStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The shared store of a cluster: PostgreSQL (PostgresNIO): runs the shared statements,
        // the LATERAL claim, LISTEN/NOTIFY and advisory-locked migrations.
        .target(
            name: "RingbackPostgres",
            dependencies: [
                "RingbackCore", "RingbackStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The delivery engine: the dispatcher (fair claims, per-webhook slots, lease fences), the
        // sender (one deadline per attempt, checked and pinned hosts), outcomes in batches.
        .target(
            name: "RingbackDelivery",
            dependencies: [
                "RingbackCore",
                "RingbackStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The HTTP API: routes per resource, authentication as route-group middleware, errors
        // rendered once as problem+json, Encodable resources, the OpenAPI document and the customer
        // portal (static files in Resources).
        .target(
            name: "RingbackAPI",
            dependencies: [
                "RingbackCore",
                "RingbackStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            exclude: ["Resources"],
            plugins: ["EmbedFiles"]
        ),
        // The CLI: parses options, composes store, sender, dispatcher and server in one
        // ServiceGroup (serve), or the store and one task (migrate, customers create); simulate
        // publishes through the API.
        .executableTarget(
            name: "ringback",
            dependencies: [
                "RingbackCore",
                "RingbackStore",
                "RingbackSQLite",
                "RingbackPostgres",
                "RingbackDelivery",
                "RingbackAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The benchmarks (BENCHMARKS.md): `swift run -c release ringback-bench ...`.
        .executableTarget(
            name: "ringback-bench",
            dependencies: [
                "RingbackCore", "RingbackStore", "RingbackSQLite", "RingbackPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/RingbackBench"
        ),
        // A scriptable HTTP receiver on loopback, shared by the test targets.
        .target(
            name: "RingbackTestSupport",
            dependencies: [
                "RingbackCore", "RingbackStore", "RingbackSQLite", "RingbackPostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/RingbackTestSupport"
        ),
        .testTarget(
            name: "RingbackReceiverTests",
            dependencies: [
                "RingbackReceiver", "RingbackReceiverHummingbird", "RingbackCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "RingbackCoreTests",
            dependencies: ["RingbackCore", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "RingbackStoreTests",
            dependencies: ["RingbackCore", "RingbackStore", "RingbackSQLite", "RingbackPostgres", "RingbackTestSupport",
                           .product(name: "PropertyBased", package: "swift-property-based"),
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        .testTarget(
            name: "RingbackDeliveryTests",
            dependencies: ["RingbackCore", "RingbackStore", "RingbackSQLite", "RingbackPostgres", "RingbackDelivery",
                           "RingbackTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "RingbackAPITests",
            dependencies: [
                "RingbackCore", "RingbackStore", "RingbackSQLite", "RingbackDelivery", "RingbackAPI", "RingbackTestSupport",
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "RingbackIntegrationTests",
            dependencies: [
                "RingbackCore", "RingbackReceiver", "RingbackTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
