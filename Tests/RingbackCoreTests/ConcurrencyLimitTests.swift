import RingbackCore
import Testing

/// The per-endpoint limit grows while the endpoint keeps up and shrinks when it does not.
@Suite struct ConcurrencyLimitTests {
    @Test func aFastEndpointGetsTheMaximumQuickly() {
        var limit = ConcurrencyLimit(initial: 16, maximum: 256)
        var answers = 0
        while limit.limit < 256 && answers < 1_000 {
            limit.record(.answered(latency: .milliseconds(1)), inFlight: limit.limit, now: Int64(answers))
            answers += 1
        }
        #expect(limit.limit == 256)
        #expect(answers < 300, "slow start doubles per round trip")
    }

    @Test func overloadHalvesOncePerBurstAndEndsSlowStart() {
        var limit = ConcurrencyLimit(initial: 64, maximum: 256)
        limit.record(.overloaded, inFlight: 64, now: 1_000)
        #expect(limit.limit == 32 && !limit.slowStart)
        limit.record(.overloaded, inFlight: 32, now: 1_050)
        #expect(limit.limit == 32, "the same burst does not halve twice")
        limit.record(.overloaded, inFlight: 32, now: 1_200)
        #expect(limit.limit == 16)
        for index in 0..<20 { limit.record(.overloaded, inFlight: 1, now: 2_000 + Int64(index) * 200) }
        #expect(limit.limit == 1, "never below the minimum")
    }

    @Test func afterSlowStartTheLimitGrowsByAboutOnePerWindow() {
        var limit = ConcurrencyLimit(initial: 20, maximum: 256)
        limit.record(.overloaded, inFlight: 20, now: 0)
        #expect(limit.limit == 10)
        for index in 0..<10 { limit.record(.answered(latency: .milliseconds(2)), inFlight: 10, now: 1_000 + Int64(index)) }
        #expect(limit.limit == 10 || limit.limit == 11)
        for index in 0..<200 { limit.record(.answered(latency: .milliseconds(2)), inFlight: limit.limit, now: 2_000 + Int64(index)) }
        #expect((20...30).contains(limit.limit), "\(limit.limit)")
    }

    @Test func risingLatencyShrinksTheLimitAndUnusedLimitDoesNotGrow() {
        var limit = ConcurrencyLimit(initial: 32, maximum: 256)
        limit.record(.answered(latency: .milliseconds(10)), inFlight: 32, now: 0)
        limit.record(.answered(latency: .milliseconds(50)), inFlight: 33, now: 200)
        #expect(limit.limit < 33)
        let before = limit.limit
        for index in 0..<100 { limit.record(.answered(latency: .milliseconds(10)), inFlight: 1, now: 1_000 + Int64(index)) }
        #expect(limit.limit == before, "a limit nobody uses is not raised")
        limit.record(.failed, inFlight: before, now: 5_000)
        #expect(limit.limit == before, "a refused connection says nothing about load")
    }

    @Test func latencyUnderTheFloorIsNotQueueing() {
        // A sub-millisecond endpoint seen through a busy sender: 0.2 ms at best, 20 ms at worst.
        var limit = ConcurrencyLimit(initial: 64, maximum: 256)
        for index in 0..<1_000 {
            let latency: Duration = index.isMultiple(of: 2) ? .microseconds(200) : .milliseconds(20)
            limit.record(.answered(latency: latency), inFlight: limit.limit, now: Int64(index) * 10)
        }
        #expect(limit.limit == 256 && limit.slowStart)
        limit.record(.answered(latency: .milliseconds(30)), inFlight: 256, now: 20_000)
        #expect(limit.limit < 256, "above the floor and the tolerance, it is")
    }
}
