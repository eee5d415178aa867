import Foundation
import Hummingbird
import RingbackCore
import RingbackStore

extension API {
    var deliveryEndpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1.0/webhooks/:id/deliveries") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let webhookID = try context.parameters.uuid("id")
                let page = try request.pageRequest()
                var status: DeliveryStatus?
                if let text = try request.query("status"), !text.isEmpty {
                    guard let value = DeliveryStatus(rawValue: text) else {
                        throw Problem.badRequest(field: "status", "must be pending, succeeded or failed")
                    }
                    status = value
                }
                let eventID = try request.idQuery("event_id")
                let deliveries = try await storeCall {
                    try await store.listDeliveries(customerID: customerID, webhookID: webhookID, status: status,
                                                   eventID: eventID, page)
                }
                return JSONResponse.page(deliveries) { .delivery($0) }
            },
            Endpoint(.get, "/v1.0/webhooks/:id/deliveries/:delivery_id") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let webhookID = try context.parameters.uuid("id")
                let id = try context.parameters.uuid("delivery_id")
                let (delivery, attempts) = try await storeCall {
                    try await store.delivery(customerID: customerID, webhookID: webhookID, id: id)
                }
                return JSONResponse.make(.ok, .delivery(delivery, attempts: attempts))
            },
            Endpoint(.post, "/v1.0/webhooks/:id/deliveries/:delivery_id/retry") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let webhookID = try context.parameters.uuid("id")
                let id = try context.parameters.uuid("delivery_id")
                let delivery = try await storeCall {
                    try await store.retryDelivery(customerID: customerID, webhookID: webhookID, id: id, now: configuration.now())
                    return try await store.delivery(customerID: customerID, webhookID: webhookID, id: id).0
                }
                return JSONResponse.make(.accepted, .delivery(delivery))
            },
            Endpoint(.post, "/v1.0/webhooks/:id/recover") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let webhookID = try context.parameters.uuid("id")
                let body = try await request.jsonBody(context: context)!
                let (since, until) = try Self.window(body)
                let count = try await storeCall {
                    try await store.recoverDeliveries(customerID: customerID, webhookID: webhookID, since: since, until: until,
                                                      now: configuration.now())
                }
                return JSONResponse.make(.accepted, .object([JSONMember("count", .int(count))]))
            },
            Endpoint(.post, "/v1.0/webhooks/:id/test") { request, context in
                let customerID = try await auth.requireCustomer(request)
                let webhookID = try context.parameters.uuid("id")
                let now = configuration.now()
                let event = NewEvent(id: EventID.generate(milliseconds: now), customerID: customerID,
                                     type: EventCatalog.testEvent, resourceID: webhookID.text,
                                     data: .object([JSONMember("id", .string(webhookID.text))]), createdAt: now)
                let deliveryID = try await storeCall {
                    try await store.createTestDelivery(customerID: customerID, webhookID: webhookID, event: event)
                }
                return JSONResponse.make(.accepted, .object([
                    JSONMember("delivery_id", .string(deliveryID.text)), JSONMember("event_id", .string(event.id)),
                ]))
            },
        ]
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
