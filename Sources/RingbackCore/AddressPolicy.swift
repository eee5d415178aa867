/// Which IP addresses deliveries may not reach (contract section 10): loopback, private,
/// link-local, CGNAT, unspecified, multicast and reserved ranges, in IPv4 and IPv6.
public enum AddressPolicy {
    /// Whether an address (4 or 16 bytes, network order) is blocked.
    public static func isBlocked(_ bytes: [UInt8]) -> Bool {
        switch bytes.count {
        case 4: return isBlockedV4(bytes)
        case 16: return isBlockedV6(bytes)
        default: return true
        }
    }

    private static let blockedV4: [(prefix: [UInt8], bits: Int)] = [
        ([0, 0, 0, 0], 8),          // "this network", unspecified
        ([10, 0, 0, 0], 8),         // private
        ([100, 64, 0, 0], 10),      // CGNAT
        ([127, 0, 0, 0], 8),        // loopback
        ([169, 254, 0, 0], 16),     // link-local (cloud metadata)
        ([172, 16, 0, 0], 12),      // private
        ([192, 0, 0, 0], 24),       // IETF protocol assignments
        ([192, 0, 2, 0], 24),       // documentation
        ([192, 88, 99, 0], 24),     // 6to4 relay anycast (deprecated)
        ([192, 168, 0, 0], 16),     // private
        ([198, 18, 0, 0], 15),      // benchmarking
        ([198, 51, 100, 0], 24),    // documentation
        ([203, 0, 113, 0], 24),     // documentation
        ([224, 0, 0, 0], 4),        // multicast
        ([240, 0, 0, 0], 4),        // reserved, and broadcast
    ]

    private static let blockedV6: [(prefix: [UInt8], bits: Int)] = [
        ([0x01, 0x00, 0, 0, 0, 0, 0, 0], 64),  // discard
        ([0x20, 0x01, 0x0d, 0xb8], 32),        // documentation
        ([0x20, 0x01, 0x00, 0x00], 32),        // Teredo
        ([0xfc], 7),                           // unique local
        ([0xfe, 0x80], 10),                    // link-local
        ([0xfe, 0xc0], 10),                    // site-local (deprecated)
        ([0xff], 8),                           // multicast
    ]

    private static func matches(_ bytes: [UInt8], _ prefix: [UInt8], bits: Int) -> Bool {
        var remaining = bits
        var index = 0
        while remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            let want = index < prefix.count ? prefix[index] : 0
            if bytes[index] & mask != want & mask { return false }
            remaining -= 8
            index += 1
        }
        return true
    }

    private static func isBlockedV4(_ bytes: [UInt8]) -> Bool {
        blockedV4.contains { matches(bytes, $0.prefix, bits: $0.bits) }
    }

    private static func isBlockedV6(_ bytes: [UInt8]) -> Bool {
        // ::/96 covers :: (unspecified), ::1 (loopback) and the deprecated IPv4-compatible form.
        if bytes[0..<12].allSatisfy({ $0 == 0 }) { return true }
        // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address: judge that.
        let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]
        let nat64: [UInt8] = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]
        if Array(bytes[0..<12]) == mapped || Array(bytes[0..<12]) == nat64 {
            return isBlockedV4(Array(bytes[12..<16]))
        }
        return blockedV6.contains { matches(bytes, $0.prefix, bits: $0.bits) }
    }
}
