/// The most arrivals in any window of `window`: a second less a margin for the jitter between a
/// send's start (which the rate limit spaces) and its arrival, on two busy cores (rate-limit tests).
public func mostArrivals(_ times: [ContinuousClock.Instant], within window: Duration = .milliseconds(900)) -> Int {
    let sorted = times.sorted()
    var most = 0
    var start = 0
    for end in sorted.indices {
        while sorted[end] - sorted[start] >= window { start += 1 }
        most = max(most, end - start + 1)
    }
    return most
}
