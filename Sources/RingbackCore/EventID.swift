/// Event ids Ringback assigns: `evt_` + a ULID (26 characters, unique and sortable).
public enum EventID {
    private static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A new id for an event created at `milliseconds` since 1970.
    public static func generate(milliseconds: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(milliseconds: milliseconds, using: &generator)
    }

    /// A ULID from an explicit time and random source (48 bits of time, 80 of randomness).
    public static func generate<G: RandomNumberGenerator>(milliseconds: Int64, using generator: inout G) -> String {
        let high = UInt64(truncatingIfNeeded: milliseconds) & 0xFFFF_FFFF_FFFF
        let randomHigh = UInt64.random(in: 0..<(1 << 16), using: &generator)
        let randomLow = UInt64.random(in: .min ... .max, using: &generator)
        // 128 bits as (top 64, bottom 64): time(48) | random(80).
        let top = (high << 16) | randomHigh
        let bottom = randomLow
        var chars = [UInt8](repeating: 0, count: 26)
        for index in 0..<26 {
            // Character i takes bits [128 - 5*(26-i) ... ) of the 130-bit padded value.
            let shift = (25 - index) * 5
            let value: UInt64
            if shift >= 64 {
                value = top >> UInt64(shift - 64)
            } else if shift > 59 {
                value = (bottom >> UInt64(shift)) | (top << UInt64(64 - shift))
            } else {
                value = bottom >> UInt64(shift)
            }
            chars[index] = alphabet[Int(value & 0x1f)]
        }
        return "evt_" + String(decoding: chars, as: UTF8.self)
    }

    /// Whether a client-given id is acceptable: 1 to 64 of `A-Za-z0-9_-`.
    public static func isValidClientID(_ id: String) -> Bool {
        guard (1...64).contains(id.utf8.count) else { return false }
        return id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}
