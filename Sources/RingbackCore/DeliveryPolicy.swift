/// Decides the next step of a delivery from one attempt's result (contract section 8). Pure:
/// the time and the jitter come in.
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
    ///   - now: when the attempt ended; a retry is scheduled from it.
    public func next(statusCode: Int?, positionInRound: Int, roundAttempts: Int?, retryAfter: Duration?,
                     jitter: Double, now: Millis) -> AttemptOutcome.Next {
        if let statusCode, (200..<300).contains(statusCode) { return .succeeded }
        if statusCode == 410 { return .gone }
        let allowed = roundAttempts ?? schedule.maxAttempts
        guard positionInRound < allowed,
              let delay = schedule.delay(after: positionInRound, jitter: jitter,
                                         retryAfter: statusCode == 429 || statusCode == 503 ? retryAfter : nil)
        else { return .failed }
        return .retry(at: now + delay.milliseconds)
    }
}
