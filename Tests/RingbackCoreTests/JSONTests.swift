import RingbackCore
import Testing

@Suite struct JSONTests {
    @Test func roundTripKeepsOrderAndNumberLiterals() throws {
        let text = #"{"z":1,"a":[true,false,null,-0.5e10,"x\"\\\n\u00e9\ud83d\ude00"],"m":{}}"#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(String(decoding: value.serialized(), as: UTF8.self) == #"{"z":1,"a":[true,false,null,-0.5e10,"x\"\\\né😀"],"m":{}}"#)
        #expect(value["z"] == .number("1"))
    }

    @Test func malformedDocumentsAreRejected() {
        for bad in ["", "{", "{\"a\":}", "[1,]", "01", "1.", "\"\\x\"", "{\"a\" 1}", "tru", "[1] 2", "\"\u{01}\"", "\"\\ud800\""] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8)) }
        }
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(deep.utf8)) }
    }
}
