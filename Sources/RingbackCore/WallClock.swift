import Foundation

/// Time as Ringback reads it: wall-clock milliseconds since 1970 (what is stored and shown),
/// and sleeping until such a time. Everything that decides by time takes one, so that tests
/// drive the engine on a clock they advance instead of waiting.
public protocol WallClock: Sendable {
    var now: Millis { get }
    /// Returns at `deadline` (at once if it has passed); throws when the task is cancelled.
    func sleep(until deadline: Millis) async throws
}

/// The system's clock.
public struct SystemClock: WallClock {
    public init() {}

    public var now: Millis { Timestamp.milliseconds(Date()) }

    public func sleep(until deadline: Millis) async throws {
        let remaining = deadline - now
        if remaining > 0 { try await Task.sleep(for: .milliseconds(remaining)) }
    }
}
