import RingbackCore
import Testing

@Suite struct PolicyTests {
    @Test func durationsParseAndFormat() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("5s") == .seconds(5))
        #expect(DurationText.parse("5m") == .seconds(300))
        #expect(DurationText.parse("2h") == .seconds(7200))
        #expect(DurationText.parse("30d") == .seconds(30 * 86400))
        for bad in ["", "5", "s", "-5s", "0s", "5x", "1.5s", "5 s", "ms", "d", "0d", "99999999999999d"] {
            #expect(DurationText.parse(bad) == nil, "\(bad)")
        }
        #expect(DurationText.format(.seconds(7200)) == "2h")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
        #expect(DurationText.format(.seconds(2 * 86400)) == "2d")
    }

    @Test func defaultScheduleLastsAboutADay() {
        let schedule = RetrySchedule.default
        #expect(schedule.delays.count == 7)
        #expect(schedule.maxAttempts == 8)
        let total = schedule.delays.reduce(Duration.zero, +)
        #expect(total > .seconds(20 * 3600) && total < .seconds(30 * 3600))
        #expect(schedule.description == "5s,5m,30m,2h,5h,10h,10h")
    }

    @Test func delaysFollowTheScheduleWithJitter() throws {
        let schedule = try #require(RetrySchedule(parsing: "10s,1m"))
        #expect(schedule.delay(after: 1, jitter: 0) == .seconds(10))
        #expect(schedule.delay(after: 1, jitter: 1) == .seconds(12))
        #expect(schedule.delay(after: 1, jitter: -1) == .seconds(8))
        #expect(schedule.delay(after: 2, jitter: 0) == .seconds(60))
        #expect(schedule.delay(after: 3, jitter: 0) == nil)
        #expect(schedule.delay(after: 0, jitter: 0) == nil)
    }

    @Test func retryAfterIsHonouredWhenLongerUpToTheLongestStep() throws {
        let schedule = try #require(RetrySchedule(parsing: "10s,1m"))
        #expect(schedule.delay(after: 1, jitter: 0, retryAfter: .seconds(30)) == .seconds(30))
        #expect(schedule.delay(after: 1, jitter: 0, retryAfter: .seconds(5)) == .seconds(10))
        #expect(schedule.delay(after: 1, jitter: 0, retryAfter: .seconds(3600)) == .seconds(60))
    }

    @Test func malformedSchedulesAreRefused() {
        for bad in ["", "5s,", ",5s", "5s,,5m", "5s,x", "0s"] {
            #expect(RetrySchedule(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func eventIDsAreULIDsThatSortByTime() {
        var ids: [String] = []
        for millis in stride(from: Int64(1_700_000_000_000), to: 1_700_000_010_000, by: 1000) {
            ids.append(EventID.generate(milliseconds: millis))
        }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.hasPrefix("evt_") && id.count == 30)
            #expect(id.dropFirst(4).allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) })
        }
        // The ULID spec's example time 1469918176385 encodes as 01ARYZ6S41.
        #expect(EventID.generate(milliseconds: 1_469_918_176_385).dropFirst(4).prefix(10) == "01ARYZ6S41")
    }

    @Test func clientEventIDs() {
        #expect(EventID.isValidClientID("call-123_ABC"))
        #expect(EventID.isValidClientID(String(repeating: "a", count: 64)))
        #expect(!EventID.isValidClientID(""))
        #expect(!EventID.isValidClientID(String(repeating: "a", count: 65)))
        #expect(!EventID.isValidClientID("a b"))
        #expect(!EventID.isValidClientID("é"))
    }

    @Test func timestampsAreRFC3339WithMilliseconds() {
        #expect(Timestamp.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(milliseconds: 1_614_265_330_123) == "2021-02-25T15:02:10.123Z")
        #expect(Timestamp.parse("2021-02-25T15:02:10.123Z") == 1_614_265_330_123)
        #expect(Timestamp.parse("2021-02-25T16:02:10+01:00") == 1_614_265_330_000)
        #expect(Timestamp.parse("yesterday") == nil)
    }
}

@Suite struct DeliveryPolicyTests {
    let policy = DeliveryPolicy(schedule: RetrySchedule(parsing: "10s,1m,5m")!)

    @Test func twoHundredsSucceed() {
        for status in [200, 201, 204, 299] {
            #expect(policy.next(statusCode: status, positionInRound: 1, roundAttempts: nil, retryAfter: nil, jitter: 0, now: 0) == .succeeded)
        }
    }

    @Test func failuresRetryOnTheScheduleThenFail() {
        #expect(policy.next(statusCode: 500, positionInRound: 1, roundAttempts: nil, retryAfter: nil, jitter: 0, now: 0) == .retry(at: 10_000))
        #expect(policy.next(statusCode: nil, positionInRound: 2, roundAttempts: nil, retryAfter: nil, jitter: 0, now: 0) == .retry(at: 60_000))
        #expect(policy.next(statusCode: 302, positionInRound: 3, roundAttempts: nil, retryAfter: nil, jitter: 0, now: 0) == .retry(at: 300_000))
        #expect(policy.next(statusCode: 500, positionInRound: 4, roundAttempts: nil, retryAfter: nil, jitter: 0, now: 0) == .failed)
        // A manual retry is a round of one attempt.
        #expect(policy.next(statusCode: 500, positionInRound: 1, roundAttempts: 1, retryAfter: nil, jitter: 0, now: 0) == .failed)
    }

    @Test func goneDisables() {
        #expect(policy.next(statusCode: 410, positionInRound: 1, roundAttempts: nil, retryAfter: nil, jitter: 0, now: 0) == .gone)
    }

    @Test func retryAfterCountsOnlyFor429And503() {
        #expect(policy.next(statusCode: 429, positionInRound: 1, roundAttempts: nil, retryAfter: .seconds(30), jitter: 0, now: 0) == .retry(at: 30_000))
        #expect(policy.next(statusCode: 503, positionInRound: 1, roundAttempts: nil, retryAfter: .seconds(9999), jitter: 0, now: 0) == .retry(at: 300_000))
        #expect(policy.next(statusCode: 500, positionInRound: 1, roundAttempts: nil, retryAfter: .seconds(30), jitter: 0, now: 0) == .retry(at: 10_000))
    }

    @Test func retryAfterHeaderForms() {
        #expect(RetryAfter.parse("120", nowSeconds: 0) == .seconds(120))
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", nowSeconds: 784_111_717) == .seconds(60))
        #expect(RetryAfter.parse("soon", nowSeconds: 0) == nil)
        #expect(RetryAfter.parse("-5", nowSeconds: 0) == nil)
    }
}
