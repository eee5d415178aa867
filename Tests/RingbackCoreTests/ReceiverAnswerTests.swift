import PropertyBased
import RingbackCore
import Testing

/// Whatever a receiver answers is understood or ignored, never a crash (contract section 13).
@Suite struct ReceiverAnswerTests {
    static let now: Int64 = 1_800_000_000

    /// Pieces of HTTP dates and numbers, good and absurd, that random values are built from.
    static let fragments = [
        "Sun", "Mon", "Xyz", ",", " ", "  ", "\t", "06", "6", "00", "31", "32", "29", "Nov", "Feb", "nov", "1994", "2027",
        "0000", "9999", "10000", "08:49:37", "24:00:00", "23:59:60", ":", "GMT", "UTC", "-", "+", "0", "7",
        "9999999999999999", "99999999999999999", "18446744073709551616", "é", "\u{0}", "\r\n", "1e9", "0x10",
    ]

    @Test func aRetryAfterOfAnyShapeIsParsedWithinBoundsOrIgnored() async {
        let built = Gen.element(of: Self.fragments).array(of: 0...14).map { $0.compactMap { $0 }.joined() }
        let bytes = Gen<UInt8>.value(in: 0...255).array(of: 0...80).map { String(decoding: $0, as: UTF8.self) }
        let digits = Gen.number.string(of: 0...40)
        await propertyCheck(count: 4000, input: built, bytes, digits) { built, bytes, digits in
            for value in [built, bytes, digits] {
                if let delay = RetryAfter.parse(value, nowSeconds: Self.now) {
                    #expect(delay >= .zero && delay <= RetryAfter.longest, "\(value.debugDescription) -> \(delay)")
                }
            }
        }
    }

    @Test(arguments: [
        // The answers that crashed the server: fields far beyond their ranges.
        "Sun, 06 Nov 1994 0000000000000008:49:37 GMT", "Sun, 00000000000000006 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 99999999999999999 08:49:37 GMT", "Sun, 06 Nov -9999999999999999 08:49:37 GMT",
        "Sun, 06 Nov 1994 99:99:99 GMT", "Sun, 31 Feb 2027 08:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT",
        "soon", "-5", "", " ", "1.5", "Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-94 08:49:37 GMT",
    ])
    func malformedRetryAfterIsAbsent(_ value: String) {
        #expect(RetryAfter.parse(value, nowSeconds: Self.now) == nil)
    }

    @Test func wellFormedRetryAfterIsHonouredAndHugeValuesAreCapped() {
        #expect(RetryAfter.parse("120", nowSeconds: 0) == .seconds(120))
        #expect(RetryAfter.parse(" 120 ", nowSeconds: 0) == .seconds(120))
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", nowSeconds: 784_111_717) == .seconds(60))
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", nowSeconds: Self.now) == .zero, "a date in the past is now")
        #expect(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", nowSeconds: Self.now) == RetryAfter.longest)
        #expect(RetryAfter.parse(String(repeating: "9", count: 40), nowSeconds: 0) == RetryAfter.longest)
        #expect(RetryAfter.parse("Thu, 29 Feb 2024 00:00:00 GMT", nowSeconds: 1_709_164_700) == .seconds(100))
    }

    @Test func anyStatusHeadersAndBodyMakeAStorableAnswer() async {
        let bodies = Gen<UInt8>.value(in: 0...255).array(of: 0...6000)
        let retryAfter = Gen.element(of: Self.fragments).array(of: 0...6).map { $0.compactMap { $0 }.joined() }.array(of: 0...3)
        await propertyCheck(count: 2000, input: Gen.int(in: 0...999), retryAfter, bodies) { status, retryAfter, body in
            let answer = ReceiverAnswer(status: status, retryAfter: retryAfter, body: body, nowSeconds: Self.now)
            #expect(answer.statusCode == status)
            #expect((answer.error == nil) == (200..<300).contains(status))
            if let text = answer.responseBody {
                // 4 KiB of input at most; each invalid byte becomes one 3-byte replacement character.
                #expect(text.utf8.count <= 3 * ReceiverAnswer.bodyLimit)
                #expect(!text.utf8.contains(0), "no NUL reaches the database")
            } else {
                #expect(body.isEmpty)
            }
            if let delay = answer.retryAfter { #expect(delay >= .zero && delay <= RetryAfter.longest) }
        }
    }

    @Test func bodyExcerptsCutAtCharactersAndReplaceWhatCannotBeStored() {
        let text = String(repeating: "a", count: 4095) + "é"  // é is two bytes: it would straddle 4 KiB
        #expect(StorableText.excerpt(Array(text.utf8), limit: 4096) == String(repeating: "a", count: 4095))
        #expect(StorableText.excerpt([0x61, 0x00, 0x62], limit: 10) == "a\u{FFFD}b")
        #expect(StorableText.excerpt([0xFF, 0xFE], limit: 10) == "\u{FFFD}\u{FFFD}")
        #expect(StorableText.excerpt([], limit: 10) == nil)
        let answer = ReceiverAnswer(status: 503, retryAfter: ["5", "7"], body: [], nowSeconds: 0)
        #expect(answer.retryAfter == nil, "two different Retry-After values are no clear request")
        #expect(answer.error?.code == .status)
        #expect(ReceiverAnswer(status: 302, retryAfter: [], body: [], nowSeconds: 0).error?.code == .redirect)
    }
}
