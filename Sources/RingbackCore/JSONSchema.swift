import Foundation

/// A JSON Schema (draft 2020-12) validator for the subset Ringback's documents use: `type`,
/// `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`, `minItems`,
/// `maxItems`, `uniqueItems`, `minLength`, `maxLength`, `pattern`, `minimum`, `maximum`,
/// `maxProperties`, `format` (`date-time`, `uuid`, `uri`), `oneOf`, `anyOf`, `allOf`, and `$ref`
/// to a JSON pointer inside the root document (`#/$defs/address`, `#/components/schemas/Webhook`).
/// Annotations (`title`, `description`, `examples`, ...) are ignored. A keyword outside the
/// subset is reported by `unsupportedKeywords`, so a schema cannot silently ask for more.
public struct JSONSchema: Sendable {
    /// One place where a value breaks its schema: a path (`data.status`, `items[2].id`) and why.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        public let path: String
        public let message: String

        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    public static let supportedKeywords: Set<String> = [
        "type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
        "uniqueItems", "minLength", "maxLength", "pattern", "minimum", "maximum", "maxProperties", "format",
        "oneOf", "anyOf", "allOf", "$ref", "$schema", "$id", "$defs", "title", "description", "examples", "default",
        "deprecated", "readOnly", "writeOnly", "$comment",
    ]

    /// The schema's root document, where `$ref`s are resolved.
    public let root: JSONValue
    /// The schema itself (the root, or a part of it).
    public let schema: JSONValue

    public init(_ schema: JSONValue, root: JSONValue? = nil) {
        self.schema = schema
        self.root = root ?? schema
    }

    /// Every violation of `value`, with paths below `path`; empty when it validates.
    public func validate(_ value: JSONValue, at path: String = "") -> [Violation] {
        var violations: [Violation] = []
        check(value, against: schema, at: path, into: &violations, depth: 0)
        return violations
    }

    /// Keywords the schema uses that this validator does not implement, with their paths.
    public var unsupportedKeywords: [String] {
        var found: [String] = []
        func walk(_ value: JSONValue, _ path: String, isSchema: Bool) {
            switch value {
            case .object(let members):
                for member in members {
                    let here = path + "/" + member.key
                    if isSchema && !Self.supportedKeywords.contains(member.key) { found.append(here) }
                    switch member.key {
                    case "properties", "$defs":
                        if case .object(let children) = member.value {
                            for child in children { walk(child.value, here + "/" + child.key, isSchema: true) }
                        }
                    case "items", "additionalProperties":
                        walk(member.value, here, isSchema: true)
                    case "oneOf", "anyOf", "allOf":
                        if case .array(let items) = member.value {
                            for (index, item) in items.enumerated() { walk(item, here + "/\(index)", isSchema: true) }
                        }
                    default:
                        break
                    }
                }
            default:
                break
            }
        }
        walk(schema, "#", isSchema: true)
        return found
    }

    private func check(_ value: JSONValue, against schema: JSONValue, at path: String, into violations: inout [Violation],
                       depth: Int) {
        func fail(_ message: String) { violations.append(Violation(path: path, message: message)) }
        guard depth < 64 else { return fail("is nested too deeply for its schema") }
        switch schema {
        case .bool(true): return
        case .bool(false): return fail("is not allowed")
        case .object: break
        default: return
        }
        if case .string(let reference)? = schema["$ref"] {
            guard let target = resolve(reference) else { return fail("has a schema with an unresolvable $ref \(reference)") }
            check(value, against: target, at: path, into: &violations, depth: depth + 1)
        }
        if let type = schema["type"], !Self.matches(value, type: type) {
            return fail("must be \(Self.describe(type)), not \(value.kind)")
        }
        if case .array(let options)? = schema["enum"], !options.contains(where: { Self.equal($0, value) }) {
            fail("must be one of " + options.map(Self.show).joined(separator: ", "))
        }
        if let constant = schema["const"], !Self.equal(constant, value) { fail("must be \(Self.show(constant))") }
        for keyword in ["allOf", "anyOf", "oneOf"] {
            guard case .array(let options)? = schema[keyword] else { continue }
            let results = options.map { option in
                var nested: [Violation] = []
                check(value, against: option, at: path, into: &nested, depth: depth + 1)
                return nested
            }
            let passing = results.filter(\.isEmpty).count
            switch keyword {
            case "allOf": violations += results.flatMap { $0 }
            case "anyOf": if passing == 0 { violations += results.min { $0.count < $1.count } ?? [] }
            default:
                if passing == 0 { violations += results.min { $0.count < $1.count } ?? [] }
                if passing > 1 { fail("must match exactly one of \(options.count) schemas, matches \(passing)") }
            }
        }
        switch value {
        case .object(let members): checkObject(members, schema, path, &violations, depth)
        case .array(let items): checkArray(items, schema, path, &violations, depth)
        case .string(let text): checkString(text, schema, fail)
        case .number(let literal): checkNumber(literal, schema, fail)
        default: break
        }
    }

    private func checkObject(_ members: [JSONMember], _ schema: JSONValue, _ path: String, _ violations: inout [Violation],
                             _ depth: Int) {
        let properties: [JSONMember] = if case .object(let list)? = schema["properties"] { list } else { [] }
        if case .array(let required)? = schema["required"] {
            for case .string(let name) in required where !members.contains(where: { $0.key == name }) {
                violations.append(Violation(path: Self.join(path, name), message: "is required"))
            }
        }
        if case .number(let limit)? = schema["maxProperties"], let limit = Int(limit), members.count > limit {
            violations.append(Violation(path: path, message: "must have at most \(limit) members"))
        }
        for member in members {
            let here = Self.join(path, member.key)
            if let property = properties.first(where: { $0.key == member.key }) {
                check(member.value, against: property.value, at: here, into: &violations, depth: depth + 1)
            } else if let additional = schema["additionalProperties"] {
                if case .bool(false) = additional {
                    violations.append(Violation(path: here, message: "is not a known field"))
                } else {
                    check(member.value, against: additional, at: here, into: &violations, depth: depth + 1)
                }
            }
        }
    }

    private func checkArray(_ items: [JSONValue], _ schema: JSONValue, _ path: String, _ violations: inout [Violation],
                            _ depth: Int) {
        if case .number(let limit)? = schema["minItems"], let limit = Int(limit), items.count < limit {
            violations.append(Violation(path: path, message: "must have at least \(limit) items"))
        }
        if case .number(let limit)? = schema["maxItems"], let limit = Int(limit), items.count > limit {
            violations.append(Violation(path: path, message: "must have at most \(limit) items"))
        }
        if case .bool(true)? = schema["uniqueItems"], Set(items.map { $0.serialized() }).count != items.count {
            violations.append(Violation(path: path, message: "must not repeat an item"))
        }
        if let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() {
                check(item, against: itemSchema, at: path + "[\(index)]", into: &violations, depth: depth + 1)
            }
        }
    }

    private func checkString(_ text: String, _ schema: JSONValue, _ fail: (String) -> Void) {
        if case .number(let limit)? = schema["minLength"], let limit = Int(limit), text.count < limit {
            fail("must be at least \(limit) characters")
        }
        if case .number(let limit)? = schema["maxLength"], let limit = Int(limit), text.count > limit {
            fail("must be at most \(limit) characters")
        }
        if case .string(let pattern)? = schema["pattern"],
           (try? NSRegularExpression(pattern: pattern))?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
            fail("must match \(pattern)")
        }
        if case .string(let format)? = schema["format"], !Self.conforms(text, to: format) {
            fail("must be a \(format)")
        }
    }

    private func checkNumber(_ literal: String, _ schema: JSONValue, _ fail: (String) -> Void) {
        guard let number = Double(literal) else { return }
        if case .number(let bound)? = schema["minimum"], let minimum = Double(bound), number < minimum {
            fail("must be at least \(bound)")
        }
        if case .number(let bound)? = schema["maximum"], let maximum = Double(bound), number > maximum {
            fail("must be at most \(bound)")
        }
    }

    /// The schema a `#/...` JSON pointer names in the root document.
    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        var current: JSONValue? = root
        for token in reference.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case .object?: current = current?[key]
            case .array(let items)?: current = Int(key).flatMap { items.indices.contains($0) ? items[$0] : nil }
            default: return nil
            }
        }
        return current
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    static func matches(_ value: JSONValue, type: JSONValue) -> Bool {
        switch type {
        case .string(let name): return matches(value, name)
        case .array(let names): return names.contains { if case .string(let name) = $0 { matches(value, name) } else { false } }
        default: return true
        }
    }

    private static func matches(_ value: JSONValue, _ name: String) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array),
             ("object", .object): true
        case ("integer", .number(let literal)): Double(literal).map { $0 == $0.rounded() } ?? false
        default: false
        }
    }

    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if case .number(let x) = a, case .number(let y) = b { return Double(x) == Double(y) }
        return a.serialized() == b.serialized()
    }

    static func show(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return String(decoding: value.serialized(), as: UTF8.self)
    }

    static func describe(_ type: JSONValue) -> String {
        switch type {
        case .string(let name): article(name)
        case .array(let names): names.map { show($0) }.map(article).joined(separator: " or ")
        default: "valid"
        }
    }

    private static func article(_ name: String) -> String {
        name == "null" ? "null" : ("aeiou".contains(name.first ?? "x") ? "an " : "a ") + name
    }

    /// Whether `text` has the named format; unknown formats are annotations only.
    static func conforms(_ text: String, to format: String) -> Bool {
        switch format {
        case "date-time": Timestamp.isDateTime(text)
        case "uuid": text.utf8.count == 36 && UUID(uuidString: text) != nil
        case "uri": URLComponents(string: text)?.scheme != nil
        default: true
        }
    }
}
