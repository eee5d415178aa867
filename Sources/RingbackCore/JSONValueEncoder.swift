/// Encodes `Encodable` values into a `JSONValue`: keys in the order the type encodes them,
/// camelCase property names as snake_case (`resourceID` -> `resource_id`), `nil` shown as
/// `null`, and a `JSONValue` inside (published event `data`) kept exactly as it is.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode(_ value: some Encodable) throws -> JSONValue {
        let encoder = ValueEncoder(codingPath: [])
        try value.encode(to: encoder)
        return encoder.storage.value
    }

    /// The snake_case form of a Swift property name.
    static func snakeCase(_ name: String) -> String {
        // Most names have no capital: nothing to do.
        if !name.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || $0 >= 0x80 }) { return name }
        var result = ""
        var previousWasUpper = false
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            if character.isUppercase {
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if index > 0 && (!previousWasUpper || nextIsLower) { result.append("_") }
                result.append(Character(character.lowercased()))
                previousWasUpper = true
            } else {
                result.append(character)
                previousWasUpper = false
            }
        }
        return result
    }
}

extension JSONValue: Encodable {
    /// Inside `JSONValueEncoder` the value is kept as it is; elsewhere it is encoded structurally.
    public func encode(to encoder: any Encoder) throws {
        if let encoder = encoder as? ValueEncoder {
            encoder.storage.value = self
            return
        }
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let literal):
            var container = encoder.singleValueContainer()
            if let integer = Int64(literal) { try container.encode(integer) } else { try container.encode(Double(literal) ?? 0) }
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .object(let members):
            var container = encoder.container(keyedBy: AnyKey.self)
            for member in members { try container.encode(member.value, forKey: AnyKey(member.key)) }
        }
    }
}

struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Where an encoder writes its value; containers share it with their parent. An object's
/// members and an array's values grow in place (appending to an array taken out of the enum
/// would copy it each time).
final class Slot {
    enum Kind { case single, object, array }
    var kind = Kind.single
    var single: JSONValue = .null
    var members: [JSONMember] = []
    var values: [JSONValue] = []

    var value: JSONValue {
        get {
            switch kind {
            case .single: single
            case .object: .object(members)
            case .array: .array(values)
            }
        }
        set {
            kind = .single
            single = newValue
        }
    }
}

final class ValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let storage = Slot()

    init(codingPath: [any CodingKey]) {
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        storage.kind = .object
        return KeyedEncodingContainer(KeyedContainer<Key>(slot: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        storage.kind = .array
        return UnkeyedContainer(slot: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(slot: storage, codingPath: codingPath)
    }

    /// A value encoded on its own.
    static func value(_ value: some Encodable, at path: [any CodingKey]) throws -> JSONValue {
        if let json = value as? JSONValue { return json }
        let encoder = ValueEncoder(codingPath: path)
        try value.encode(to: encoder)
        return encoder.storage.value
    }
}

struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    let codingPath: [any CodingKey]

    private func set(_ key: Key, _ value: JSONValue) {
        slot.members.append(JSONMember(JSONValueEncoder.snakeCase(key.stringValue), value))
    }

    mutating func encodeNil(forKey key: Key) throws { set(key, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(key, .number(String(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(key, .number(String(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, .number(String(value))) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(key, try ValueEncoder.value(value, at: codingPath + [key]))
    }

    // Absent optionals are shown as null, not left out.
    private func setNumber(_ key: Key, _ value: (some CustomStringConvertible)?) {
        set(key, value.map { .number($0.description) } ?? .null)
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { set(key, value.map(JSONValue.bool) ?? .null) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { set(key, value.map(JSONValue.string) ?? .null) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { setNumber(key, value) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        set(key, try value.map { try ValueEncoder.value($0, at: codingPath + [key]) } ?? .null)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        fatalError("nested containers are not used by Ringback's resources")
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        fatalError("nested containers are not used by Ringback's resources")
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(codingPath: codingPath + [key]) }
}

struct UnkeyedContainer: UnkeyedEncodingContainer {
    let slot: Slot
    let codingPath: [any CodingKey]
    var count: Int { slot.values.count }

    private func append(_ value: JSONValue) {
        slot.values.append(value)
    }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Int) throws { append(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { append(.number(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws { append(try ValueEncoder.value(value, at: codingPath)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        fatalError("nested containers are not used by Ringback's resources")
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        fatalError("nested containers are not used by Ringback's resources")
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(codingPath: codingPath) }
}

struct SingleContainer: SingleValueEncodingContainer {
    let slot: Slot
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { slot.value = .null }
    mutating func encode(_ value: Bool) throws { slot.value = .bool(value) }
    mutating func encode(_ value: String) throws { slot.value = .string(value) }
    mutating func encode(_ value: Double) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: Int) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { slot.value = .number(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { slot.value = try ValueEncoder.value(value, at: codingPath) }
}
