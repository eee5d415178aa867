/// `Retry-After` (RFC 9110 section 10.2.3): delay-seconds or an HTTP date.
///
/// Total over any input a receiver can send: every number is range-checked before arithmetic,
/// and a value that cannot be understood is nil, which callers treat as absent.
public enum RetryAfter {
    /// The longest delay this parser reports; larger ones are cut to it (callers cap it further).
    public static let longest: Duration = .seconds(longestSeconds)
    static let longestSeconds: Int64 = 366 * 24 * 3600

    /// The delay a `Retry-After` value asks for, measured from `nowSeconds` (Unix seconds).
    public static func parse(_ value: String, nowSeconds: Int64) -> Duration? {
        let bytes = Array(Array(value.utf8).trimmed)
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        if bytes.allSatisfy(\.isDigit) {
            return .seconds(min(longestSeconds, saturatingDecimal(bytes)))
        }
        guard let date = HTTPDate.parse(bytes) else { return nil }
        let delay = date - min(max(nowSeconds, HTTPDate.earliest), HTTPDate.latest)
        return .seconds(min(longestSeconds, max(0, delay)))
    }

    /// A run of ASCII digits as a number, saturating at a value far beyond any delay we honour.
    static func saturatingDecimal(_ digits: [UInt8]) -> Int64 {
        var value: Int64 = 0
        for digit in digits {
            guard value < 1_000_000_000_000 else { return value }
            value = value * 10 + Int64(digit - UInt8(ascii: "0"))
        }
        return value
    }
}

/// IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`, to Unix seconds; nil for anything else.
enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    /// The range of years accepted, and of the Unix seconds they span.
    static let years: ClosedRange<Int64> = 1970...9999
    static let earliest: Int64 = 0
    static let latest: Int64 = 253_402_300_799  // 9999-12-31T23:59:59Z

    static func parse(_ bytes: [UInt8]) -> Int64? {
        // Exactly 29 bytes: "Sun, 06 Nov 1994 08:49:37 GMT".
        guard bytes.count == 29 else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","),
              weekdays.contains(String(parts[0].dropLast())), parts[5] == "GMT",
              let day = number(parts[1], digits: 2), (1...31).contains(day),
              let month = months.firstIndex(of: String(parts[2])),
              let year = number(parts[3], digits: 4), years.contains(year)
        else { return nil }
        let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3,
              let hour = number(clock[0], digits: 2), (0...23).contains(hour),
              let minute = number(clock[1], digits: 2), (0...59).contains(minute),
              let second = number(clock[2], digits: 2), (0...60).contains(second),
              day <= daysIn(month: month, year: year)
        else { return nil }
        // Days from civil date (Howard Hinnant's algorithm); every input is range-checked above.
        let y = month < 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let m = Int64(month + 1)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// Exactly `digits` ASCII digits.
    private static func number(_ text: Substring, digits: Int) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == digits, bytes.allSatisfy(\.isDigit) else { return nil }
        return RetryAfter.saturatingDecimal(bytes)
    }

    private static func daysIn(month: Int, year: Int64) -> Int64 {
        switch month {
        case 1: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 3, 5, 8, 10: 30
        default: 31
        }
    }
}

extension UInt8 {
    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
}

extension Array where Element == UInt8 {
    /// Without leading and trailing spaces and tabs.
    var trimmed: ArraySlice<UInt8> {
        var slice = self[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }
}
