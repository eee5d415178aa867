import Hummingbird
import RingbackCore

extension API {
    var eventTypeEndpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1.0/webhook-event-types") { request, _ in
                _ = try await auth.principal(request)
                return JSONResponse.make(.ok, .object([JSONMember("result", .array(EventCatalog.all.map { type in
                    .object([
                        JSONMember("name", .string(type.name)),
                        JSONMember("resource_type", .string(type.resourceType)),
                        JSONMember("description", .string(type.description)),
                    ])
                }))]))
            },
        ]
    }
}
