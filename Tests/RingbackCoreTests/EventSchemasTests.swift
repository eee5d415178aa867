import RingbackCore
import Testing

/// The catalog's schemas and examples (contract section 14): complete, well formed, each
/// example valid, and each schema strict where it says it is.
@Suite struct EventSchemasTests {
    let schemas = EventSchemas.bundled

    @Test func everyEventTypeHasASchemaAndAnExample() {
        let names = EventCatalog.listed.map(\.name) + [EventCatalog.testEvent.name]
        #expect(Set(schemas.entries.keys) == Set(names))
        for type in EventCatalog.listed + [EventCatalog.testEvent] {
            let entry = schemas[type.name]
            #expect(entry?.resourceType == type.resourceType, "\(type.name)")
            #expect(entry?.description.isEmpty == false, "\(type.name)")
            #expect(entry?.example["id"]?.stringValue?.isEmpty == false, "\(type.name): the example has a resource id")
        }
    }

    @Test(arguments: EventCatalog.listed.map(\.name) + ["webhook_test"])
    func theExampleValidatesAgainstItsSchema(_ name: String) throws {
        let entry = try #require(schemas[name])
        #expect(schemas.violations(of: entry.example, type: name, at: "data").isEmpty,
                "\(schemas.violations(of: entry.example, type: name, at: "data"))")
    }

    /// What the 2020-12 meta-schema asks of the keywords these schemas use, checked over every
    /// subschema: known types, `required` names that are declared, non-empty `enum`s, formats
    /// the validator knows, `$ref`s that resolve, and nothing the validator would ignore.
    @Test(arguments: EventCatalog.listed.map(\.name) + ["webhook_test"])
    func theSchemaIsWellFormed(_ name: String) throws {
        let entry = try #require(schemas[name])
        #expect(entry.schema["$schema"] == .string("https://json-schema.org/draft/2020-12/schema"))
        #expect(JSONSchema(entry.schema).unsupportedKeywords.isEmpty, "\(JSONSchema(entry.schema).unsupportedKeywords)")
        var problems: [String] = []
        func check(_ schema: JSONValue, _ path: String) {
            guard case .object = schema else { return problems.append("\(path): a schema must be an object") }
            let types: [String] = switch schema["type"] {
            case .string(let one)?: [one]
            case .array(let many)?: many.compactMap(\.stringValue)
            default: []
            }
            let known: Set = ["string", "number", "integer", "boolean", "object", "array", "null"]
            for type in types where !known.contains(type) { problems.append("\(path): unknown type \(type)") }
            if case .array(let options)? = schema["enum"], options.isEmpty { problems.append("\(path): an empty enum") }
            if let format = schema["format"]?.stringValue, !["date-time", "uuid"].contains(format) {
                problems.append("\(path): format \(format)")
            }
            if let reference = schema["$ref"]?.stringValue {
                let target = reference.split(separator: "/").dropFirst().reduce(Optional(entry.schema)) { $0?[String($1)] }
                if !reference.hasPrefix("#/$defs/") || target == nil { problems.append("\(path): $ref \(reference) does not resolve") }
            }
            var declared: Set<String> = []
            if case .object(let properties)? = schema["properties"] {
                for property in properties {
                    declared.insert(property.key)
                    check(property.value, path + "." + property.key)
                }
            }
            if case .array(let required)? = schema["required"] {
                for name in required.compactMap(\.stringValue) where !declared.contains(name) {
                    problems.append("\(path): required \(name) is not a property")
                }
            }
            if let items = schema["items"] { check(items, path + "[]") }
            if case .object(let defs)? = schema["$defs"] {
                for def in defs { check(def.value, path + ".$defs." + def.key) }
            }
        }
        check(entry.schema, name)
        #expect(problems.isEmpty, "\(problems)")
    }

    /// Each example broken one way at a time: a required field removed, an enum given a value
    /// outside it, a field of the wrong type. Every break is found, at its path.
    @Test func brokenExamplesAreRefusedAtTheirPath() throws {
        var checked = 0
        for type in EventCatalog.all {
            let entry = try #require(schemas[type.name])
            guard case .object(let members) = entry.example else { Issue.record("\(type.name): not an object"); continue }
            var required: Set<String> = []
            if case .array(let names)? = entry.schema["required"] { required = Set(names.compactMap(\.stringValue)) }
            for (index, member) in members.enumerated() {
                let property = entry.schema["properties"]?[member.key]
                var broken: [(JSONValue, String)] = []
                if required.contains(member.key) {
                    var fewer = members
                    fewer.remove(at: index)
                    broken.append((.object(fewer), "data." + member.key))
                }
                if case .array? = property?["enum"] {
                    var changed = members
                    changed[index] = JSONMember(member.key, .string("not-a-listed-value"))
                    broken.append((.object(changed), "data." + member.key))
                }
                if property?["type"] == .string("string") || property?["type"] == .string("integer") {
                    var changed = members
                    changed[index] = JSONMember(member.key, .array([]))
                    broken.append((.object(changed), "data." + member.key))
                }
                for (value, path) in broken {
                    let violations = schemas.violations(of: value, type: type.name, at: "data")
                    #expect(violations.contains { $0.path == path }, "\(type.name) \(member.key): \(violations)")
                    checked += 1
                }
            }
        }
        #expect(checked > 500)
    }
}
