import Hummingbird
import RingbackCore
import Testing

@Suite struct CustomerRoutesTests {
    @Test func operatorManagesCustomers() async throws {
        try await APIHarness.run { api in
            let created = try await api.admin(.post, "/v1.0/customers", json: #"{"name":"acme","detail":"first"}"#)
            #expect(created.status == .created)
            let id = try created.string("id")
            #expect(created.value("detail") == .string("first"))
            #expect(try created.string("accesskey", "token").hasPrefix("rbk_"))
            #expect(created.value("accesskey", "id")?.stringValue != nil)
            let fetched = try await api.admin(.get, "/v1.0/customers/\(id)")
            #expect(fetched.value("name") == .string("acme"))
            #expect(fetched.value("accesskey") == nil)
            _ = try await api.customer("second")
            #expect(try await api.admin(.get, "/v1.0/customers").results.count == 2)
            let deleted = try await api.admin(.delete, "/v1.0/customers/\(id)")
            #expect(deleted.status == .ok)
            try await api.admin(.get, "/v1.0/customers/\(id)").expectProblem(.notFound)
            // Its keys die with it.
            try await api.call(.get, "/v1.0/webhooks", token: try created.string("accesskey", "token")).expectProblem(.unauthorized)
        }
    }

    @Test func badCustomerBodiesAnswer400() async throws {
        try await APIHarness.run { api in
            try await api.admin(.post, "/v1.0/customers", json: #"{}"#).expectProblem(.badRequest, fields: ["name"])
            try await api.admin(.post, "/v1.0/customers", json: #"{"name":""}"#).expectProblem(.badRequest, fields: ["name"])
            try await api.admin(.post, "/v1.0/customers", json: #"{"name":3,"detail":[]}"#)
                .expectProblem(.badRequest, fields: ["name", "detail"])
            #expect(try await api.admin(.get, "/v1.0/customers").results.isEmpty)
        }
    }
}
