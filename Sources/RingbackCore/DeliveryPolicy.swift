/// What an attempt's result means for its delivery (contract section 8).
public enum AttemptVerdict: Sendable, Hashable {
    case succeeded
    case retry(after: Duration)
    case failed
    /// 410 Gone: fail the delivery and disable the webhook.
    case gone
}

/// Decides the next step of a delivery from one attempt's result. Pure: jitter comes in.
public struct DeliveryPolicy: Sendable {
    public let schedule: RetrySchedule

    public init(schedule: RetrySchedule) {
        self.schedule = schedule
    }

    /// - Parameters:
    ///   - statusCode: the answer's status, nil when there was none (timeout, refused, ...).
    ///   - positionInRound: 1 for the first attempt of the current round of the schedule.
    ///   - roundAttempts: attempts this round allows; nil for the whole schedule.
    ///   - retryAfter: the `Retry-After` of a 429 or 503.
    ///   - jitter: in -1...1, spreads the step by up to 20%.
    public func verdict(statusCode: Int?, positionInRound: Int, roundAttempts: Int?, retryAfter: Duration?,
                        jitter: Double) -> AttemptVerdict {
        if let statusCode, (200..<300).contains(statusCode) { return .succeeded }
        if statusCode == 410 { return .gone }
        let allowed = roundAttempts ?? schedule.maxAttempts
        guard positionInRound < allowed,
              let delay = schedule.delay(after: positionInRound, jitter: jitter,
                                         retryAfter: statusCode == 429 || statusCode == 503 ? retryAfter : nil)
        else { return .failed }
        return .retry(after: delay)
    }
}
