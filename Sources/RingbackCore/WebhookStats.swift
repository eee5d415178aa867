/// A webhook's attempts over a window, hour by hour (contract section 17): counts, success rate
/// and duration percentiles. Durations are counted in fixed buckets, so percentiles are the
/// bucket's upper bound (1, 2, 5, 10, 20, 50 ms ... 10 s, then "more"): exact enough for a
/// chart, and cheap for the database whatever the volume.
public struct WebhookStats: Sendable, Hashable {
    /// The upper bounds (ms) of the duration buckets; a last bucket holds the rest.
    public static let durationBounds: [Int64] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]

    /// One hour's counts as the store reads them: `hour` since the window's start, and the
    /// attempts per duration bucket (`durationBounds.count + 1` of them).
    public struct HourCounts: Sendable, Hashable {
        public let hour: Int
        public let attempts: Int
        public let succeeded: Int
        public let durations: [Int]

        public init(hour: Int, attempts: Int, succeeded: Int, durations: [Int]) {
            self.hour = hour
            self.attempts = attempts
            self.succeeded = succeeded
            self.durations = durations
        }
    }

    public struct Bucket: Sendable, Hashable {
        public let start: Millis
        public let attempts: Int
        public let succeeded: Int
        public var failed: Int { attempts - succeeded }
    }

    public let since: Millis
    public let until: Millis
    public let attempts: Int
    public let succeeded: Int
    public var failed: Int { attempts - succeeded }
    /// Nil without attempts.
    public var successRate: Double? { attempts == 0 ? nil : Double(succeeded) / Double(attempts) }
    /// Nil without attempts; `durationBounds.last` + 1 for "longer than every bound".
    public let p50: Int64?
    public let p99: Int64?
    /// Every hour of the window, empty ones included.
    public let buckets: [Bucket]

    public init(since: Millis, until: Millis, hours counts: [HourCounts]) {
        self.since = since
        self.until = until
        let hours = Int((until - since + 3_599_999) / 3_600_000)
        let byHour = Dictionary(counts.map { ($0.hour, $0) }, uniquingKeysWith: { $1 })
        buckets = (0..<max(0, hours)).map { hour in
            Bucket(start: since + Int64(hour) * 3_600_000, attempts: byHour[hour]?.attempts ?? 0,
                   succeeded: byHour[hour]?.succeeded ?? 0)
        }
        attempts = counts.reduce(0) { $0 + $1.attempts }
        succeeded = counts.reduce(0) { $0 + $1.succeeded }
        var durations = [Int](repeating: 0, count: Self.durationBounds.count + 1)
        for count in counts {
            for (index, value) in count.durations.prefix(durations.count).enumerated() { durations[index] += value }
        }
        p50 = Self.percentile(0.50, of: durations)
        p99 = Self.percentile(0.99, of: durations)
    }

    static func percentile(_ fraction: Double, of durations: [Int]) -> Int64? {
        let total = durations.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = Int((Double(total) * fraction).rounded(.up))
        var seen = 0
        for (index, count) in durations.enumerated() {
            seen += count
            if seen >= rank { return index < durationBounds.count ? durationBounds[index] : durationBounds[durationBounds.count - 1] + 1 }
        }
        return durationBounds[durationBounds.count - 1] + 1
    }
}
