import PropertyBased
import RingbackCore
import Testing

/// The event-stream reader `ringback listen` uses on what a server sends: the specification's
/// cases, any split of the bytes, and hostile input.
@Suite struct ServerSentEventsTests {
    @Test func theSpecificationsCases() throws {
        var parser = ServerSentEventParser()
        let text = ": comment\nretry: 1000\n\nid: 1\nevent: call_hangup\ndata: {\"a\":1}\n\n"
            + "data:no space\ndata:  two spaces\r\n\r\nid: 2\rdata: cr only\r\rid\ndata\n\nid: x\u{0}y\ndata: z\n\nunknown: q\n\n"
        let events = try parser.feed(Array(text.utf8))
        #expect(events == [
            ServerSentEvent(id: "1", event: "call_hangup", data: "{\"a\":1}"),
            ServerSentEvent(id: "1", event: nil, data: "no space\n two spaces"),
            ServerSentEvent(id: "2", event: nil, data: "cr only"),
            ServerSentEvent(id: "", event: nil, data: ""),
            ServerSentEvent(id: "", event: nil, data: "z"),
        ])
        #expect(parser.lastEventID == "")
        #expect(try parser.feed(Array("data: unfinished".utf8)).isEmpty, "no event without its blank line")
    }

    @Test func anySplitOfTheBytesGivesTheSameEvents() async {
        let lines = Gen.element(of: ["id: 7", "event: call_ringing", "data: {}", "data: x", ": ping", "", "", "retry: 5",
                                     "data", "id: évt", "event:", "data: \u{7f}"])
            .array(of: 0...30)
        let endings = Gen.element(of: ["\n", "\r\n", "\r"])
        let cuts = Gen<Int>.value(in: 1...7)
        await propertyCheck(count: 2000, input: lines, endings, cuts) { lines, ending, cut in
            let ending = ending ?? "\n"
            let lines = lines.compactMap { $0 }
            let bytes = Array(lines.map { $0 + ending }.joined().utf8)
            var whole = ServerSentEventParser()
            var pieces = ServerSentEventParser()
            let expected = try whole.feed(bytes)
            var got: [ServerSentEvent] = []
            var index = 0
            while index < bytes.count {
                got += try pieces.feed(bytes[index..<min(bytes.count, index + cut)])
                index += cut
            }
            // A CR ending that was split from its LF is still one line end.
            #expect(got == expected, "\(lines) \(ending.debugDescription) cut \(cut)")
        }
    }

    @Test func hostileBytesNeverCrashAndStayWithinTheirBounds() async {
        let bytes = Gen<UInt8>.value(in: 0...255).array(of: 0...400)
        await propertyCheck(count: 3000, input: bytes) { bytes in
            var parser = ServerSentEventParser(maxLine: 64, maxEvent: 128)
            do {
                for event in try parser.feed(bytes) { #expect(event.data.utf8.count <= 128 * 3) }
            } catch is ServerSentEventParser.TooLarge {
            }
        }
        var parser = ServerSentEventParser(maxLine: 10, maxEvent: 100)
        #expect(throws: ServerSentEventParser.TooLarge.self) { try parser.feed(Array(repeating: UInt8(ascii: "a"), count: 11)) }
        var gathering = ServerSentEventParser(maxLine: 100, maxEvent: 20)
        #expect(throws: ServerSentEventParser.TooLarge.self) {
            try gathering.feed(Array(String(repeating: "data: 12345\n", count: 5).utf8))
        }
    }
}
