import RingbackCore

/// How an update changed a webhook's status, and what that means for its stored state.
enum WebhookTransition: Sendable, Hashable {
    case unchanged
    case enabled
    case disabled

    /// Compares statuses; enabling clears `disabled_reason`.
    init(from before: WebhookStatus, to webhook: inout Webhook) {
        if webhook.status == .active { webhook.disabledReason = nil }
        switch (before, webhook.status) {
        case (.disabled, .active):
            webhook.consecutiveFailures = 0
            webhook.failingSince = nil
            self = .enabled
        case (.active, .disabled): self = .disabled
        default: self = .unchanged
        }
    }
}

/// The limit on webhooks per customer (contract section 13).
public enum WebhookLimit {
    public static func message(_ limit: Int) -> String {
        "the customer has \(limit) webhooks, the most --max-webhooks-per-customer allows"
    }
}
