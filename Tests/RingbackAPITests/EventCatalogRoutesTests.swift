import HTTPTypes
import RingbackAPI
import RingbackCore
import RingbackTestSupport
import Testing

/// Contract section 14: the catalog with schemas and examples, and `--validate-events`.
@Suite struct EventCatalogRoutesTests {
    @Test func theListCarriesASchemaAndAnExampleForEachType() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            let reply = try await api.call(.get, "/v1.0/webhook-event-types", token: customer.token)
            #expect(reply.status == .ok)
            #expect(reply.results.map { $0["name"]?.stringValue } == EventCatalog.listed.map(\.name))
            for entry in reply.results {
                let name = entry["name"]?.stringValue ?? "?"
                let schema = try #require(entry["schema"], "\(name)")
                let example = try #require(entry["example"], "\(name)")
                // What a client gets stands alone: the schema validates the example by itself.
                #expect(JSONSchema(schema).validate(example).isEmpty, "\(name)")
                #expect(schema["$defs"]?["uuid"] != nil, "\(name)")
            }
        }
    }

    @Test func oneTypeByNameAndUnknownNamesAre404() async throws {
        try await APIHarness.run { api in
            let hangup = try await api.call(.get, "/v1.0/webhook-event-types/call_hangup", token: APIHarness.adminToken)
            #expect(hangup.status == .ok)
            #expect(hangup.value("name") == .string("call_hangup"))
            #expect(hangup.value("resource_type") == .string("call"))
            #expect(hangup.value("schema", "properties", "hangup_reason") != nil)
            #expect(hangup.value("example", "status") == .string("hangup"))
            let test = try await api.call(.get, "/v1.0/webhook-event-types/webhook_test", token: APIHarness.adminToken)
            #expect(test.value("resource_type") == .string("webhook"))
            for name in ["call_exploded", "CALL_HANGUP", "call.*", "%00"] {
                try await api.call(.get, "/v1.0/webhook-event-types/\(name)", token: APIHarness.adminToken).expectProblem(.notFound)
            }
            try await api.call(.get, "/v1.0/webhook-event-types/call_hangup").expectProblem(.unauthorized)
        }
    }

    @Test func validationIsOffByDefault() async throws {
        try await APIHarness.run { api in
            let customer = try await api.customer()
            #expect(try await api.publish(customer, type: "call_hangup", extra: #","status":"exploded""#).status == .accepted)
        }
    }

    @Test(arguments: Backend.allCases)
    func withValidationABadBatchIsRefusedWholeNamingEachPath(_ backend: Backend) async throws {
        try await APIHarness.run(backend: backend, configure: { $0.validateEvents = true }) { api in
            let customer = try await api.customer()
            let schemas = EventSchemas.bundled
            func event(_ type: String, _ change: (inout [JSONMember]) -> Void = { _ in }) throws -> String {
                guard case .object(var members)? = schemas[type]?.example else { throw MissingExample(type: type) }
                change(&members)
                return #"{"customer_id":"\#(customer.id)","type":"\#(type)","data":\#(String(decoding: JSONValue.object(members).serialized(), as: UTF8.self))}"#
            }
            let good = try event("call_hangup")
            let badStatus = try event("call_ringing") { members in
                members = members.map { $0.key == "status" ? JSONMember("status", .string("exploded")) : $0 }
            }
            let noDirection = try event("message_created") { members in members.removeAll { $0.key == "direction" } }
            let reply = try await api.admin(.post, "/v1.0/events", json: #"{"events":[\#(good),\#(good),\#(badStatus),\#(noDirection)]}"#)
            reply.expectProblem(.badRequest, fields: ["events[2].data.status", "events[3].data.direction"])
            #expect(reply.raw.contains("must be one of"))
            #expect(try await api.call(.get, "/v1.0/events", token: customer.token).results.isEmpty, "all or nothing")
            // A single event too, and the valid batch goes through.
            try await api.admin(.post, "/v1.0/events", json: badStatus).expectProblem(.badRequest, fields: ["data.status"])
            #expect(try await api.admin(.post, "/v1.0/events", json: #"{"events":[\#(good),\#(good)]}"#).status == .accepted)
            #expect(try await api.call(.get, "/v1.0/events", token: customer.token).results.count == 2)
        }
    }
}

private struct MissingExample: Error {
    let type: String
}
