import Logging
import RingbackStore
import ServiceLifecycle
import Synchronization

/// A command's work done once beside the running store: the store and the work run in one
/// ServiceGroup; the work waits for the store to be ready, and its end shuts the group down.
struct OneShot<Result: Sendable>: Service {
    let store: any Store
    let work: @Sendable () async throws -> Result
    let result = ResultBox()

    final class ResultBox: Sendable {
        let value = Mutex<Result?>(nil)
    }

    func run() async throws {
        try await store.ready()
        let value = try await work()
        result.value.withLock { $0 = value }
    }

    /// Runs `work` once `store` is ready, and answers its result once the store has stopped.
    static func run(_ store: any Store, logger: Logger, _ work: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let shot = OneShot(store: store, work: work)
        let group = ServiceGroup(configuration: .init(services: [
            .init(service: store),
            .init(service: shot, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .cancelGroup),
        ], logger: logger))
        try await group.run()
        guard let value = shot.result.value.withLock({ $0 }) else { throw CancellationError() }
        return value
    }
}

/// Logs of the one-shot commands go to stderr (stdout is theirs), warnings and worse only.
enum CommandLogging {
    static func bootstrap() -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        return Logger(label: "ringback")
    }
}
