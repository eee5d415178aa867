/// The most of `times` (milliseconds) in any window of `window` milliseconds: for rate limits,
/// measured on the attempts' recorded start times, which the limit governs (arrival times at a
/// receiver add the jitter of a busy host).
public func mostWithin(_ times: [Int64], window: Int64 = 1000) -> Int {
    let sorted = times.sorted()
    var most = 0
    var start = 0
    for end in sorted.indices {
        while sorted[end] - sorted[start] >= window { start += 1 }
        most = max(most, end - start + 1)
    }
    return most
}
