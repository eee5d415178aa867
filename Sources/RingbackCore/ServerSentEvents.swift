/// One Server-Sent Event (the WHATWG `text/event-stream` format): its `id`, `event` type and
/// `data` (the `data:` lines joined with newlines).
public struct ServerSentEvent: Sendable, Hashable {
    public var id: String?
    public var event: String?
    public var data: String

    public init(id: String? = nil, event: String? = nil, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }
}

/// Reads a `text/event-stream` as its bytes arrive, in any pieces: total over any input (a
/// line or an event past its bound is an error, never unbounded memory), as the WHATWG
/// specification reads it: lines end in LF, CRLF or CR; `:` starts a comment; `field: value`
/// (one space after the colon dropped); an empty line ends an event; an `id` with NUL is
/// ignored; fields it does not know are ignored.
public struct ServerSentEventParser: Sendable {
    public struct TooLarge: Error, Sendable, CustomStringConvertible {
        public var description: String { "an event stream line or event is over its bound" }
    }

    /// The longest line, and the most data one event may gather.
    public let maxLine: Int
    public let maxEvent: Int
    private var line: [UInt8] = []
    private var lastWasCR = false
    private var id: String?
    private var event: String?
    private var data: [UInt8] = []
    private var hasData = false
    /// The last id the stream set (it carries over events, as the specification says).
    public private(set) var lastEventID: String?

    public init(maxLine: Int = 1 << 20, maxEvent: Int = 8 << 20) {
        self.maxLine = maxLine
        self.maxEvent = maxEvent
    }

    /// The events that `bytes` complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") && lastWasCR {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let event = try endLine() { events.append(event) }
                continue
            }
            guard line.count < maxLine else { throw TooLarge() }
            line.append(byte)
        }
        return events
    }

    private mutating func endLine() throws -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer {
                data.removeAll()
                hasData = false
                event = nil
            }
            guard hasData else { return nil }
            return ServerSentEvent(id: lastEventID, event: event, data: String(decoding: data, as: UTF8.self))
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let name = String(decoding: line[..<colon], as: UTF8.self)
        var value = colon < line.endIndex ? line[(colon + 1)...] : []
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        switch name {
        case "data":
            guard data.count + value.count + 1 <= maxEvent else { throw TooLarge() }
            if hasData { data.append(UInt8(ascii: "\n")) }
            data += value
            hasData = true
        case "event":
            event = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        default:
            break
        }
        return nil
    }
}
