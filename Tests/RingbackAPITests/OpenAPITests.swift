import Foundation
import OpenAPIKit
import RingbackAPI
import RingbackCore
import RingbackTestSupport
import Testing

/// `openapi.json` is true: a valid OpenAPI 3.1 document, with exactly the router's routes and
/// their access, whose schemas accept what the routes really render.
@Suite struct OpenAPITests {
    static var document: JSONValue { (try? JSONParser.parse(OpenAPIDocument.bytes)) ?? .null }

    @Test func theDocumentIsValidOpenAPI() throws {
        let document = try JSONDecoder().decode(OpenAPI.Document.self, from: Data(OpenAPIDocument.bytes))
        try document.validate()
        #expect(document.openAPIVersion == .v3_1_0)
        for (name, schema) in Self.schemas {
            #expect(JSONSchema(schema).unsupportedKeywords.isEmpty, "\(name) uses keywords the tests cannot check")
        }
    }

    static var schemas: [(String, JSONValue)] {
        guard case .object(let members)? = document["components"]?["schemas"] else { return [] }
        return members.map { ($0.key, $0.value) }
    }

    @Test func theDocumentListsExactlyTheRegisteredRoutesAndWhoMayCallThem() async throws {
        try await APIHarness.run { api in
            let reply = try await api.call(.get, "/v1.0/openapi.json")
            #expect(reply.status == .ok && reply.raw.utf8.elementsEqual(OpenAPIDocument.bytes))
            let routes = RingbackAPI.API(store: api.store, configuration: .init(
                adminTokenHash: "", allowInsecureURLs: false, clock: SystemClock())).routeTable.routes
            var documented: [String: String] = [:]
            guard case .object(let paths)? = Self.document["paths"] else { throw CancellationError() }
            for path in paths {
                guard case .object(let operations) = path.value else { continue }
                for operation in operations {
                    documented["\(operation.key.uppercased()) \(path.key)"] = Self.access(operation.value["security"])
                }
            }
            let registered = Dictionary(uniqueKeysWithValues: routes.map { ("\($0.method.rawValue) \($0.openAPIPath)", $0.access) })
            #expect(Set(registered.keys) == Set(documented.keys),
                    "undocumented: \(Set(registered.keys).subtracting(documented.keys)); gone: \(Set(documented.keys).subtracting(registered.keys))")
            for (route, access) in registered { #expect(documented[route] == access, "\(route)") }
        }
    }

    /// The access a security requirement list says.
    static func access(_ security: JSONValue?) -> String {
        guard case .array(let requirements)? = security else { return "?" }
        let schemes = Set(requirements.compactMap { requirement -> String? in
            if case .object(let members) = requirement { return members.first?.key }
            return nil
        })
        switch schemes {
        case []: return "none"
        case ["adminToken"]: return "operator"
        case ["accessKey", "accessKeyQuery"]: return "customer"
        default: return "any"
        }
    }

    /// Every route's answer, rendered for real, validates against the schema the document gives
    /// for its status: the document cannot drift from what clients receive.
    @Test func whatTheRoutesRenderMatchesTheSchemas() async throws {
        try await Receiver.run { receiver in
            try await APIHarness.run(allowInsecureURLs: true, engine: .init(schedule: RetrySchedule(parsing: "1h")!)) { api in
                var checked: Set<String> = []
                func check(_ method: String, _ path: String, _ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) {
                    let status = String(reply.status.code)
                    guard let schema = Self.document["paths"]?[path]?[method]?["responses"]?[status]?["content"]?["application/json"]?["schema"]
                    else {
                        Issue.record("no schema for \(method) \(path) \(status)", sourceLocation: sourceLocation)
                        return
                    }
                    let json = reply.json ?? .null
                    let violations = JSONSchema(schema, root: Self.document).validate(json)
                    #expect(violations.isEmpty, "\(method) \(path): \(violations)", sourceLocation: sourceLocation)
                    checked.insert("\(method) \(path)")
                }
                let created = try await api.admin(.post, "/v1.0/customers", json: #"{"name":"acme"}"#)
                check("post", "/v1.0/customers", created)
                let customer = TestCustomer(id: try created.string("id"), token: try created.string("accesskey", "token"))
                check("get", "/v1.0/customers", try await api.admin(.get, "/v1.0/customers"))
                check("get", "/v1.0/customers/{id}", try await api.admin(.get, "/v1.0/customers/\(customer.id)"))
                check("post", "/v1.0/customers/{id}/accesskeys", try await api.admin(.post, "/v1.0/customers/\(customer.id)/accesskeys"))
                let webhook = try await api.webhook(customer, url: receiver.url("/hook"), eventTypes: #"["*"]"#,
                                                    extra: #","name":"n","headers":{"X-A":"1"}"#)
                check("post", "/v1.0/webhooks", webhook)
                let id = try webhook.string("id")
                let key = customer.token
                check("get", "/v1.0/webhooks", try await api.call(.get, "/v1.0/webhooks", token: key))
                check("get", "/v1.0/webhooks/{id}", try await api.call(.get, "/v1.0/webhooks/\(id)", token: key))
                check("put", "/v1.0/webhooks/{id}", try await api.call(.put, "/v1.0/webhooks/\(id)", token: key, json: #"{"detail":"d"}"#))
                check("get", "/v1.0/webhooks/{id}/secret", try await api.call(.get, "/v1.0/webhooks/\(id)/secret", token: key))
                check("post", "/v1.0/webhooks/{id}/secret/rotate", try await api.call(.post, "/v1.0/webhooks/\(id)/secret/rotate", token: key))
                check("get", "/v1.0/webhook-event-types", try await api.call(.get, "/v1.0/webhook-event-types", token: key))
                let published = try await api.publish(customer)
                check("post", "/v1.0/events", published)
                check("post", "/v1.0/events", try await api.admin(.post, "/v1.0/events", json: """
                    {"events":[{"customer_id":"\(customer.id)","type":"message_created","data":{"id":"m1","n":1.50}}]}
                    """))
                let eventID = try published.string("id")
                check("get", "/v1.0/events", try await api.call(.get, "/v1.0/events", token: key))
                check("get", "/v1.0/events/{id}", try await api.call(.get, "/v1.0/events/\(eventID)", token: key))
                try await receiver.wait(for: 2, at: "/hook")
                let deliveries = try await api.call(.get, "/v1.0/webhooks/\(id)/deliveries", token: key)
                check("get", "/v1.0/webhooks/{id}/deliveries", deliveries)
                let deliveryID = try #require(deliveries.results.first?["id"]?.stringValue)
                _ = try await api.waitForDelivery(customer, webhook: id, delivery: deliveryID) { $0["status"] == .string("succeeded") }
                check("get", "/v1.0/webhooks/{id}/deliveries/{delivery_id}",
                      try await api.call(.get, "/v1.0/webhooks/\(id)/deliveries/\(deliveryID)", token: key))
                check("post", "/v1.0/webhooks/{id}/deliveries/{delivery_id}/retry",
                      try await api.call(.post, "/v1.0/webhooks/\(id)/deliveries/\(deliveryID)/retry", token: key))
                check("post", "/v1.0/webhooks/{id}/recover", try await api.call(.post, "/v1.0/webhooks/\(id)/recover", token: key,
                                                                                  json: #"{"since":"2020-01-01T00:00:00Z"}"#))
                check("post", "/v1.0/webhooks/{id}/test", try await api.call(.post, "/v1.0/webhooks/\(id)/test", token: key))
                check("delete", "/v1.0/webhooks/{id}", try await api.call(.delete, "/v1.0/webhooks/\(id)", token: key))
                check("delete", "/v1.0/customers/{id}", try await api.admin(.delete, "/v1.0/customers/\(customer.id)"))
                // Problems too: every error answer is a Problem.
                let problem = try await api.call(.get, "/v1.0/webhooks/\(UUID())", token: key)
                #expect(JSONSchema(["$ref": "#/components/schemas/Problem"], root: Self.document).validate(problem.json ?? .null).isEmpty)
                #expect(checked.count >= 20)
            }
        }
    }
}
