import Hummingbird
import RingbackCore

extension API {
    var eventTypeEndpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1.0/webhook-event-types", .any) { _, _ in
                try JSONResponse.make(.ok, ListResource(result: EventCatalog.all.map(EventTypeResource.init)))
            },
        ]
    }
}
