import Hummingbird
import RingbackCore

extension API {
    var eventTypeEndpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1.0/webhook-event-types", .any) { _, _ in
                try JSONResponse.make(.ok, ListResource(result: EventCatalog.listed.map { EventTypeResource($0, schemas: schemas) }))
            },
            Endpoint(.get, "/v1.0/webhook-event-types/:name", .any) { _, context in
                // The catalog's types, and webhook_test: what a receiver may be sent.
                let name = context.parameters.get("name") ?? ""
                guard let type = EventCatalog.subscribable(named: name) ?? (name == EventCatalog.testEvent.name ? EventCatalog.testEvent : nil)
                else { throw Problem(.notFound, "no event type \(name)") }
                return try JSONResponse.make(.ok, EventTypeResource(type, schemas: schemas))
            },
        ]
    }
}
