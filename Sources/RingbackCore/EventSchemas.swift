import Foundation

/// The schema (JSON Schema, draft 2020-12) of each event type's `data`, and one realistic
/// example (contract section 14). They are data files of this package, one per resource type
/// (`Catalog/call.json`: the resource's schemas and its events, each naming its schema and
/// giving its example), with the shapes they share in `Catalog/common.json`; they follow
/// VoIPBIN's resources (`shared/spec/resources.md`).
public struct EventSchemas: Sendable {
    /// One event type: what the catalog says of it.
    public struct Entry: Sendable {
        public let name: String
        public let resourceType: String
        public let description: String
        /// A schema of `data` that stands alone: the shared shapes it refers to are in its `$defs`.
        public let schema: JSONValue
        public let example: JSONValue
        let validator: JSONSchema
    }

    /// Entries by event type name.
    public let entries: [String: Entry]

    /// Reads the catalog from its documents: the resource files and the shared `$defs`.
    public init(resources: [JSONValue], common: JSONValue) throws {
        let defs = common["$defs"] ?? .object([])
        var entries: [String: Entry] = [:]
        for document in resources {
            guard let resourceType = document["resource_type"]?.stringValue, case .array(let events)? = document["events"]
            else { throw CatalogError("a catalog file lacks resource_type or events") }
            for event in events {
                guard let name = event["name"]?.stringValue, let schemaName = event["schema"]?.stringValue,
                      let description = event["description"]?.stringValue, let example = event["example"],
                      case .object(var members)? = document["schemas"]?[schemaName]
                else { throw CatalogError("\(resourceType): an event lacks name, description, schema or example") }
                guard entries[name] == nil else { throw CatalogError("\(name) is in the catalog twice") }
                members.append(JSONMember("$defs", defs))
                let schema = JSONValue.object(members)
                entries[name] = Entry(name: name, resourceType: resourceType, description: description, schema: schema,
                                      example: example, validator: JSONSchema(schema))
            }
        }
        self.entries = entries
    }

    /// The entry of event type `name`, if the catalog has it.
    public subscript(name: String) -> Entry? { entries[name] }

    /// Where `data` of an event of type `name` breaks its schema; paths start at `path`
    /// (`events[2].data`). Empty when it validates (or the type has no schema).
    public func violations(of data: JSONValue, type name: String, at path: String) -> [JSONSchema.Violation] {
        entries[name]?.validator.validate(data, at: path) ?? []
    }

    /// The catalog shipped with Ringback (its files are compiled in), read once.
    public static let bundled: EventSchemas = {
        do {
            return try load(EmbeddedFiles.files)
        } catch {
            preconditionFailure("Ringback's event catalog cannot be read: \(error)")
        }
    }()

    /// The resource files and the shared definitions among `files` (path -> text), those in `Catalog/`.
    static func load(_ files: [String: String]) throws -> EventSchemas {
        func read(_ path: String) throws -> JSONValue {
            guard let text = files[path] else { throw CatalogError("no \(path) in the catalog") }
            return try JSONParser.parse(Array(text.utf8))
        }
        let resources = files.keys.filter { $0.hasPrefix("Catalog/") && $0.hasSuffix(".json") && $0 != "Catalog/common.json" }.sorted()
        return try EventSchemas(resources: try resources.map(read), common: try read("Catalog/common.json"))
    }
}

/// A catalog file that cannot be read as one.
public struct CatalogError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
