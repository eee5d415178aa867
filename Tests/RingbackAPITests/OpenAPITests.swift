import RingbackAPI
import RingbackCore
import Testing

@Suite struct OpenAPITests {
    @Test func theDocumentListsExactlyTheRegisteredRoutes() async throws {
        try await APIHarness.run { api in
            let reply = try await api.call(.get, "/v1.0/openapi.json")
            #expect(reply.status == .ok)
            #expect(reply.value("openapi") == .string("3.1.0"))
            guard case .object(let paths)? = reply.value("paths") else {
                Issue.record("no paths in \(reply.raw.prefix(200))")
                return
            }
            var documented: Set<String> = []
            for path in paths {
                guard case .object(let operations) = path.value else { continue }
                for operation in operations {
                    documented.insert("\(operation.key.uppercased()) \(path.key)")
                    #expect(operation.value["responses"] != nil, "\(path.key) has no responses")
                }
            }
            let api = RingbackAPI.API(store: api.store, configuration: .init(adminTokenHash: "", allowInsecureURLs: false, now: { 0 }))
            let registered = Set(api.routeTable.routes.map { "\($0.method.rawValue) \($0.openAPIPath)" })
            #expect(registered.subtracting(documented).isEmpty, "undocumented: \(registered.subtracting(documented).sorted())")
            #expect(documented.subtracting(registered).isEmpty, "documented but missing: \(documented.subtracting(registered).sorted())")
            #expect(registered.count > 20)
        }
    }

    @Test func everySchemaReferenceResolves() async throws {
        try await APIHarness.run { api in
            let reply = try await api.call(.get, "/v1.0/openapi.json")
            guard case .object(let schemas)? = reply.value("components", "schemas") else {
                Issue.record("no schemas")
                return
            }
            let names = Set(schemas.map(\.key))
            var references: [String] = []
            func collect(_ value: JSONValue) {
                switch value {
                case .object(let members):
                    for member in members {
                        if member.key == "$ref", let text = member.value.stringValue { references.append(text) }
                        collect(member.value)
                    }
                case .array(let values): values.forEach(collect)
                default: break
                }
            }
            collect(reply.json ?? .null)
            #expect(!references.isEmpty)
            for reference in references {
                #expect(names.contains(String(reference.dropFirst("#/components/schemas/".count))), "\(reference)")
            }
        }
    }
}
