import Foundation
import RingbackCore
import Testing

/// `UUID.text` and `UUID(text:)`, written by hand for speed, agree with Foundation's forms.
@Suite struct UUIDTextTests {
    @Test func theTextIsFoundationsLowercasedAndParsesBack() {
        for _ in 0..<5_000 {
            let id = UUID()
            #expect(id.text == id.uuidString.lowercased())
            #expect(UUID(text: id.text) == id && UUID(text: id.uuidString) == id)
        }
        let zero = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        #expect(zero.text == "00000000-0000-0000-0000-000000000000")
        let max = UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))
        #expect(max.text == "ffffffff-ffff-ffff-ffff-ffffffffffff")
    }

    /// Seeded mutations of valid ids: it accepts exactly the canonical form (8-4-4-4-12 hex digits,
    /// either case), and then reads what Foundation reads (which also takes stray spaces and dashes).
    @Test(arguments: [1, 2, 3])
    func malformedTextIsRefusedAsFoundationRefusesIt(_ seed: UInt64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let alphabet = Array("0123456789abcdefABCDEFgGzZ-_ {}\u{0}é".unicodeScalars)
        func seededUUID() -> UUID {
            let bytes = (0..<16).map { _ in UInt8(next(256)) }
            return bytes.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
        }
        for _ in 0..<3_000 {
            var scalars = Array(seededUUID().uuidString.unicodeScalars)
            switch next(4) {
            case 0: scalars[next(scalars.count)] = alphabet[next(alphabet.count)]
            case 1: scalars.remove(at: next(scalars.count))
            case 2: scalars.insert(alphabet[next(alphabet.count)], at: next(scalars.count + 1))
            default: scalars = Array(scalars.prefix(next(scalars.count + 1)))
            }
            let text = String(String.UnicodeScalarView(scalars))
            let canonical = text.wholeMatch(of: /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/) != nil
            #expect((UUID(text: text) != nil) == canonical, "\(text.debugDescription)")
            if let parsed = UUID(text: text) { #expect(parsed == UUID(uuidString: text), "\(text.debugDescription)") }
        }
        for bad in ["", "-", "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-0000000000000",
                    "000000000-000-0000-0000-000000000000", "{00000000-0000-0000-0000-000000000000}"] {
            #expect(UUID(text: bad) == nil && UUID(uuidString: bad) == nil, "\(bad)")
        }
    }
}
