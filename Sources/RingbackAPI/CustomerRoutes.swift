import Hummingbird
import RingbackCore
import RingbackStore

extension API {
    var customerEndpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1.0/customers") { request, context in
                try await auth.requireOperator(request)
                let body = try await request.jsonBody(context: context)!
                let (name, detail) = try Self.customerFields(body)
                let token = CredentialHash.newToken(prefix: "rbk_")
                let (customer, key) = try await storeCall {
                    try await store.createCustomer(name: name, detail: detail, keyTokenHash: CredentialHash.of(token),
                                                   now: configuration.now())
                }
                guard case .object(var members) = JSONValue.customer(customer) else { fatalError("a customer is an object") }
                members.append(JSONMember("accesskey", .object([
                    JSONMember("id", .string(key.id.text)), JSONMember("token", .string(token)),
                ])))
                return JSONResponse.make(.created, .object(members))
            },
            Endpoint(.get, "/v1.0/customers") { request, _ in
                try await auth.requireOperator(request)
                let page = try request.pageRequest()
                return JSONResponse.page(try await storeCall { try await store.listCustomers(page) }, JSONValue.customer)
            },
            Endpoint(.get, "/v1.0/customers/:id") { request, context in
                try await auth.requireOperator(request)
                let id = try context.parameters.uuid("id")
                return JSONResponse.make(.ok, .customer(try await storeCall { try await store.customer(id: id) }))
            },
            Endpoint(.delete, "/v1.0/customers/:id") { request, context in
                try await auth.requireOperator(request)
                let id = try context.parameters.uuid("id")
                return JSONResponse.make(.ok, .customer(try await storeCall { try await store.deleteCustomer(id: id) }))
            },
            Endpoint(.post, "/v1.0/customers/:id/accesskeys") { request, context in
                try await auth.requireOperator(request)
                let id = try context.parameters.uuid("id")
                let token = CredentialHash.newToken(prefix: "rbk_")
                let key = try await storeCall {
                    try await store.createAccessKey(customerID: id, tokenHash: CredentialHash.of(token), now: configuration.now())
                }
                return JSONResponse.make(.created, .object([
                    JSONMember("id", .string(key.id.text)), JSONMember("token", .string(token)),
                    JSONMember("tm_create", .time(key.createdAt)),
                ]))
            },
            Endpoint(.delete, "/v1.0/customers/:id/accesskeys/:accesskey_id") { request, context in
                try await auth.requireOperator(request)
                let id = try context.parameters.uuid("id")
                let keyID = try context.parameters.uuid("accesskey_id")
                try await storeCall { try await store.deleteAccessKey(customerID: id, keyID: keyID) }
                return Response(status: .noContent)
            },
        ]
    }

    /// `name` (1 to 255 characters) and `detail` (at most 2,000) of a new customer.
    static func customerFields(_ body: JSONValue) throws -> (String, String) {
        guard case .object = body else { throw Problem.badRequest(field: "body", "must be a JSON object") }
        var errors: [FieldError] = []
        var name = ""
        switch body["name"] {
        case .string(let text)? where !StorableText.isStorable(text): errors.append(FieldError(field: "name", message: StorableText.nulMessage))
        case .string(let text)? where !text.isEmpty && text.count <= 255: name = text
        case .string?: errors.append(FieldError(field: "name", message: "must be 1 to 255 characters"))
        case nil, .null?: errors.append(FieldError(field: "name", message: "is required"))
        case let other?: errors.append(FieldError(field: "name", message: "must be a string, not \(other.kind)"))
        }
        var detail = ""
        switch body["detail"] {
        case .string(let text)? where !StorableText.isStorable(text): errors.append(FieldError(field: "detail", message: StorableText.nulMessage))
        case .string(let text)? where text.count <= 2000: detail = text
        case .string?: errors.append(FieldError(field: "detail", message: "must be at most 2000 characters"))
        case nil, .null?: break
        case let other?: errors.append(FieldError(field: "detail", message: "must be a string, not \(other.kind)"))
        }
        guard errors.isEmpty else { throw Problem.badRequest(ValidationFailure(errors)) }
        return (name, detail)
    }
}
