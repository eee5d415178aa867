import Foundation
import Hummingbird
import RingbackCore
import RingbackStore

extension API {
    var deliveryEndpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1.0/webhooks/:id/stats", .customer) { request, context in
                let now = configuration.clock.now
                var errors: [FieldError] = []
                let since = try request.timeQuery("since", errors: &errors) ?? now - 86_400_000
                if errors.isEmpty, since >= now || since < now - 31 * 86_400_000 {
                    errors.append(FieldError(field: "since", message: "must be within the last 31 days"))
                }
                guard errors.isEmpty else { throw Problem.badRequest(ValidationFailure(errors)) }
                let stats = try await store.webhookStats(customerID: try context.customerID, webhookID: try context.parameters.uuid("id"),
                                                         since: since, until: now)
                return try JSONResponse.make(.ok, StatsResource(stats))
            },
            Endpoint(.get, "/v1.0/webhooks/:id/deliveries", .customer) { request, context in
                let filter = try Self.deliveryFilter(request)
                let deliveries = try await store.listDeliveries(
                    customerID: try context.customerID, webhookID: try context.parameters.uuid("id"), filter: filter,
                    try request.pageRequest())
                return try JSONResponse.page(deliveries) { DeliveryResource($0) }
            },
            Endpoint(.get, "/v1.0/webhooks/:id/deliveries/:delivery_id", .customer) { _, context in
                let (delivery, attempts) = try await store.delivery(
                    customerID: try context.customerID, webhookID: try context.parameters.uuid("id"),
                    id: try context.parameters.uuid("delivery_id"))
                return try JSONResponse.make(.ok, DeliveryResource(delivery, attempts: attempts))
            },
            Endpoint(.post, "/v1.0/webhooks/:id/deliveries/:delivery_id/retry", .customer) { _, context in
                let (customerID, webhookID) = (try context.customerID, try context.parameters.uuid("id"))
                let id = try context.parameters.uuid("delivery_id")
                try await store.retryDelivery(customerID: customerID, webhookID: webhookID, id: id, now: configuration.clock.now)
                let (delivery, _) = try await store.delivery(customerID: customerID, webhookID: webhookID, id: id)
                return try JSONResponse.make(.accepted, DeliveryResource(delivery))
            },
            Endpoint(.post, "/v1.0/webhooks/:id/recover", .customer) { request, context in
                let (since, until) = try Self.window(try await request.jsonBody(context: context)!)
                let count = try await store.recoverDeliveries(
                    customerID: try context.customerID, webhookID: try context.parameters.uuid("id"), since: since, until: until,
                    now: configuration.clock.now)
                return try JSONResponse.make(.accepted, ["count": JSONValue(integerLiteral: count)] as JSONValue)
            },
            Endpoint(.post, "/v1.0/webhooks/:id/test", .customer) { _, context in
                let (customerID, webhookID) = (try context.customerID, try context.parameters.uuid("id"))
                let now = configuration.clock.now
                let event = NewEvent(id: EventID.generate(milliseconds: now), customerID: customerID,
                                     type: EventCatalog.testEvent, resourceID: webhookID.text,
                                     data: ["id": .string(webhookID.text)], createdAt: now)
                let deliveryID = try await store.createTestDelivery(customerID: customerID, webhookID: webhookID, event: event)
                return try JSONResponse.make(.accepted, ["delivery_id": .string(deliveryID.text), "event_id": .string(event.id)] as JSONValue)
            },
        ]
    }

    /// The query of a delivery list: `status`, `event_id`, `event_type` (a name of the catalog),
    /// `since` and `until` (RFC 3339, created at or after / before); every bad one is named.
    static func deliveryFilter(_ request: Request) throws -> DeliveryFilter {
        var filter = DeliveryFilter()
        var errors: [FieldError] = []
        if let text = try request.query("status"), !text.isEmpty {
            filter.status = DeliveryStatus(rawValue: text)
            if filter.status == nil { errors.append(FieldError(field: "status", message: "must be pending, succeeded or failed")) }
        }
        do {
            filter.eventID = try request.idQuery("event_id")
        } catch let problem as Problem {
            errors += problem.errors
        }
        if let text = try request.query("event_type"), !text.isEmpty {
            filter.eventType = text
            if !Self.isDeliveredType(text) {
                errors.append(FieldError(field: "event_type", message: "must be an event type name, e.g. call_hangup"))
            }
        }
        filter.since = try request.timeQuery("since", errors: &errors)
        filter.until = try request.timeQuery("until", errors: &errors)
        if let since = filter.since, let until = filter.until, until <= since {
            errors.append(FieldError(field: "until", message: "must be after since"))
        }
        guard errors.isEmpty else { throw Problem.badRequest(ValidationFailure(errors)) }
        return filter
    }

    /// `since` (required) and `until` (optional) of a recover body, RFC 3339.
    static func window(_ body: JSONValue) throws -> (Millis, Millis?) {
        guard case .object = body else { throw Problem.badRequest(field: "body", "must be a JSON object") }
        var errors: [FieldError] = []
        func time(_ field: String, required: Bool) -> Millis? {
            switch body[field] {
            case .string(let text)?:
                if let millis = Timestamp.parse(text) { return millis }
                errors.append(FieldError(field: field, message: "must be an RFC 3339 time"))
            case nil, .null?:
                if required { errors.append(FieldError(field: field, message: "is required")) }
            case let other?:
                errors.append(FieldError(field: field, message: "must be an RFC 3339 string, not \(other.kind)"))
            }
            return nil
        }
        let since = time("since", required: true)
        let until = time("until", required: false)
        if let since, let until, until <= since {
            errors.append(FieldError(field: "until", message: "must be after since"))
        }
        guard errors.isEmpty, let since else { throw Problem.badRequest(ValidationFailure(errors)) }
        return (since, until)
    }
}
