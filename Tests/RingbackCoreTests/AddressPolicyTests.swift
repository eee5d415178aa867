import Foundation
import RingbackCore
import Testing

@Suite struct AddressPolicyTests {
    static func bytes(_ text: String) -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return []
    }

    @Test(arguments: [
        "127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "100.127.255.255", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
        "198.18.0.1", "192.0.2.10", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1",
        "::ffff:10.1.2.3", "64:ff9b::a9fe:a9fe", "2001:db8::1",
    ])
    func blocked(_ address: String) {
        #expect(AddressPolicy.isBlocked(Self.bytes(address)), "\(address)")
    }

    @Test(arguments: ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "2a00:1450::1"])
    func allowed(_ address: String) {
        #expect(!AddressPolicy.isBlocked(Self.bytes(address)), "\(address)")
    }
}
