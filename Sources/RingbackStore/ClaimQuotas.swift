import Foundation

/// How many deliveries of each webhook one claim may take: what the node can start or queue
/// now, so that it does not claim work it would have to give back.
public struct ClaimQuotas: Sendable, Hashable {
    /// For a webhook not listed.
    public var standard: Int
    /// Webhooks with a quota of their own (0: none this time, e.g. its queue is full).
    public var webhooks: [UUID: Int]

    public init(standard: Int, webhooks: [UUID: Int] = [:]) {
        self.standard = standard
        self.webhooks = webhooks
    }
}
