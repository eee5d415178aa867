/// What an endpoint answered, reduced to what Ringback keeps and acts on.
///
/// Total over anything a receiver can send: any status, any `Retry-After` values, any body
/// bytes. Nothing here can trap, and what is kept is always storable text.
public struct ReceiverAnswer: Sendable, Hashable {
    /// How much of a response body is kept for the delivery log.
    public static let bodyLimit = 4096

    public let statusCode: Int
    /// Nil for a 2xx; `status` or `redirect` otherwise.
    public let error: AttemptError?
    /// The first 4 KiB of the body as text, or nil when it was empty.
    public let responseBody: String?
    /// The delay a 429 or 503 asked for; nil when absent, ambiguous or malformed.
    public let retryAfter: Duration?

    /// - Parameters:
    ///   - status: the answer's status code.
    ///   - retryAfter: every `Retry-After` value of the answer, in order.
    ///   - body: the first bytes of the body (at least `bodyLimit` of them when there were that many).
    ///   - nowSeconds: the time the answer came, for an HTTP-date `Retry-After`.
    public init(status: Int, retryAfter: [String], body: some Collection<UInt8>, nowSeconds: Int64) {
        statusCode = status
        error = switch status {
        case 200..<300: nil
        case 300..<400: .redirect(status)
        default: .status(status)
        }
        responseBody = StorableText.excerpt(body, limit: Self.bodyLimit)
        // Two different values are no clear request: treat them as absent, like a malformed one.
        let parsed = Set(retryAfter.prefix(8).map { RetryAfter.parse($0, nowSeconds: nowSeconds) })
        self.retryAfter = parsed.count == 1 ? parsed.first! : nil
    }
}

/// Text that every backend can store: valid UTF-8 without NUL characters.
public enum StorableText {
    /// The first `limit` bytes as text: cut at a character boundary, invalid UTF-8 replaced,
    /// NUL replaced; nil when there are no bytes.
    public static func excerpt(_ bytes: some Collection<UInt8>, limit: Int) -> String? {
        guard !bytes.isEmpty else { return nil }
        var kept = Array(bytes.prefix(limit))
        // Do not end inside a multi-byte character: drop its lead and continuation bytes.
        if bytes.count > limit, let lead = kept.lastIndex(where: { $0 & 0xC0 != 0x80 }), kept[lead] >= 0xC0 {
            let length = kept[lead] >= 0xF0 ? 4 : kept[lead] >= 0xE0 ? 3 : 2
            if kept.count - lead < length { kept.removeSubrange(lead...) }
        }
        return clean(String(decoding: kept, as: UTF8.self))
    }

    /// At most `limit` characters, without NUL.
    public static func clip(_ text: String, _ limit: Int) -> String {
        clean(String(text.prefix(limit)))
    }

    /// The text with each NUL replaced by U+FFFD.
    public static func clean(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return String(text.unicodeScalars.map { $0 == "\0" ? "\u{FFFD}" : Character($0) })
    }

    /// What a client is told about a value with a NUL character.
    public static let nulMessage = "must not contain a NUL character"

    /// Whether a value given by a client can be stored as it is (no NUL character).
    public static func isStorable(_ text: String) -> Bool {
        !text.utf8.contains(0)
    }
}
