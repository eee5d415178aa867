import RingbackCore
import Testing

/// What the API's resources rely on: every property shows, an absent optional as `null`, of
/// whatever type (Swift's synthesized encoding calls a separate method for each).
@Suite struct JSONValueEncoderTests {
    struct Optionals: Encodable {
        var successRate: Double?
        var ratio: Float?
        var count: Int?
        var total: Int64?
        var small: Int8?
        var medium: Int16?
        var wide: Int32?
        var unsigned: UInt?
        var byte: UInt8?
        var short: UInt16?
        var word: UInt32?
        var huge: UInt64?
        var flag: Bool?
        var name: String?
        var nested: [Int]?
    }

    @Test func absentOptionalsOfEveryKindShowAsNull() throws {
        let encoded = try JSONValueEncoder().encode(Optionals())
        let names = ["success_rate", "ratio", "count", "total", "small", "medium", "wide", "unsigned", "byte", "short",
                     "word", "huge", "flag", "name", "nested"]
        for name in names { #expect(encoded[name] == .null, "\(name) in \(encoded)") }
        guard case .object(let members) = encoded else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == names, "in declaration order, snake_case")
    }

    @Test func presentOptionalsShowTheirValues() throws {
        let encoded = try JSONValueEncoder().encode(Optionals(successRate: 0.5, ratio: 0.25, count: 1, total: 2, small: -3, medium: 4,
                                                              wide: 5, unsigned: 6, byte: 7, short: 8, word: 9, huge: 10,
                                                              flag: true, name: "x", nested: [1]))
        #expect(encoded["success_rate"] == .number("0.5") && encoded["ratio"] == .number("0.25"))
        #expect(encoded["small"] == .number("-3") && encoded["huge"] == .number("10") && encoded["flag"] == .bool(true))
        #expect(encoded["nested"] == [1] && encoded["name"] == "x")
    }
}
