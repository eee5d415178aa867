import PropertyBased
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

    /// Any text, control characters, quotes and backslashes included, is written as a JSON
    /// string that parses back to itself.
    @Test func anyTextIsWrittenAsAStringThatParsesBack() async {
        let pieces = Gen.element(of: ["\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1f}", "\u{7f}", "é", "😀", "a", "\\u0041", "/"])
        let built = pieces.array(of: 0...20).map { $0.compactMap { $0 }.joined() }
        let bytes = Gen<UInt8>.value(in: 0...255).array(of: 0...60).map { String(decoding: $0, as: UTF8.self) }
        await propertyCheck(count: 3000, input: built, bytes) { built, bytes in
            for text in [built, bytes] {
                #expect((try? JSONParser.parse(JSONValue.string(text).serialized())) == .string(text), "\(text.debugDescription)")
            }
        }
    }

    /// Whatever bytes come in (a request body), the parser answers a value or a failure; what it
    /// accepts, written again, parses to the same value.
    @Test func anyBytesAreParsedOrRefusedAndWhatParsesRoundTrips() async {
        let tokens = Gen.element(of: ["{", "}", "[", "]", ",", ":", "\"a\"", "\"\\u00e9\"", "1", "-0.5e3", "true", "null", " ", "\"", "\\", "x"])
        let documents = tokens.array(of: 0...30).map { Array($0.compactMap { $0 }.joined().utf8) }
        let noise = Gen<UInt8>.value(in: 0...255).array(of: 0...40)
        await propertyCheck(count: 3000, input: documents, noise) { document, noise in
            for bytes in [document, noise] {
                guard let value = try? JSONParser.parse(bytes) else { continue }
                #expect((try? JSONParser.parse(value.serialized())) == value)
            }
        }
    }
}
