import Hummingbird
import RingbackCore
import RingbackStore

extension API {
    var customerEndpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1.0/customers", .operator) { request, context in
                let (name, detail) = try Self.customerFields(try await request.jsonBody(context: context)!)
                let token = CredentialHash.newToken(prefix: "rbk_")
                let (customer, key) = try await store.createCustomer(
                    name: name, detail: detail, keyTokenHash: CredentialHash.of(token), now: configuration.clock.now)
                return try JSONResponse.make(.created, CreatedCustomerResource(customer, key: key, token: token))
            },
            Endpoint(.get, "/v1.0/customers", .operator) { request, _ in
                try JSONResponse.page(try await store.listCustomers(try request.pageRequest()), CustomerResource.init)
            },
            Endpoint(.get, "/v1.0/customers/:id", .operator) { _, context in
                try JSONResponse.make(.ok, CustomerResource(try await store.customer(id: try context.parameters.uuid("id"))))
            },
            Endpoint(.delete, "/v1.0/customers/:id", .operator) { _, context in
                try JSONResponse.make(.ok, CustomerResource(try await store.deleteCustomer(id: try context.parameters.uuid("id"))))
            },
            Endpoint(.post, "/v1.0/customers/:id/accesskeys", .operator) { _, context in
                let token = CredentialHash.newToken(prefix: "rbk_")
                let key = try await store.createAccessKey(customerID: try context.parameters.uuid("id"),
                                                          tokenHash: CredentialHash.of(token), now: configuration.clock.now, expiresAt: nil)
                return try JSONResponse.make(.created, AccessKeyResource(id: key.id.text, token: token, tmCreate: Time(key.createdAt)))
            },
            Endpoint(.post, "/v1.0/customers/:id/portal-sessions", .operator) { request, context in
                // A customer key that expires; its token travels in the link's fragment, which
                // browsers never send, so it reaches no server's log.
                let token = CredentialHash.newToken(prefix: "rbps_")
                let now = configuration.clock.now
                let key = try await store.createAccessKey(
                    customerID: try context.parameters.uuid("id"), tokenHash: CredentialHash.of(token), now: now,
                    expiresAt: now + configuration.portalSessionLifetime.milliseconds)
                let base = configuration.publicURL ?? Self.baseURL(calledAt: request.head.authority)
                return try JSONResponse.make(.created, PortalSessionResource(
                    id: key.id.text, url: "\(base)/portal#session=\(token)", expiresAt: Time(key.expiresAt ?? now)))
            },
            Endpoint(.delete, "/v1.0/customers/:id/accesskeys/:accesskey_id", .operator) { _, context in
                try await store.deleteAccessKey(customerID: try context.parameters.uuid("id"),
                                                keyID: try context.parameters.uuid("accesskey_id"))
                return Response(status: .noContent)
            },
        ]
    }

    /// `http://` and the host the operator called, when it is a plain host and port; else a path
    /// relative to wherever the link is opened.
    package static func baseURL(calledAt authority: String?) -> String {
        guard let authority, !authority.isEmpty, authority.count <= 255,
              authority.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) })
        else { return "" }
        return "http://\(authority)"
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
