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

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 section 10.2.3).
public enum RetryAfter {
    public static func parse(_ value: String, nowSeconds: Int64) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(text) { return seconds >= 0 ? .seconds(seconds) : nil }
        guard let date = HTTPDate.parse(text) else { return nil }
        return .seconds(max(0, date - nowSeconds))
    }
}

/// IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`, to seconds since 1970.
enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int64(parts[1]),
              let month = months.firstIndex(of: String(parts[2])), let year = Int64(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int64($0) }
        guard clock.count == 3 else { return nil }
        // Days from civil date (Howard Hinnant's algorithm).
        let y = month < 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month + 1)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return days * 86400 + clock[0] * 3600 + clock[1] * 60 + clock[2]
    }
}
