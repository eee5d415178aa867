import Foundation
import Hummingbird
import RingbackCore
import RingbackStore

extension API {
    var eventEndpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1.0/events") { request, context in
                try await auth.requireOperator(request)
                let body = try await request.jsonBody(context: context)!
                let batch = body["events"] != nil
                let submissions = try Self.submissions(body)
                let now = configuration.now()
                let events = submissions.map { submission in
                    NewEvent(id: submission.id ?? EventID.generate(milliseconds: now), customerID: submission.customerID,
                             type: submission.type, resourceID: submission.resourceID, data: submission.data, createdAt: now)
                }
                if let index = events.firstIndex(where: { $0.body.count > EventValidator.maxEventBytes }) {
                    throw Problem(.contentTooLarge, "\(batch ? "events[\(index)]" : "the event") is larger than 256 KiB")
                }
                let results = try await storeCall { try await store.publish(events) }
                publishedCounter.increment(by: results.lazy.filter(\.created).count)
                if batch {
                    return JSONResponse.make(.accepted, .object([JSONMember("result", .array(results.map { .event($0.event) }))]))
                }
                // The same client id again answers 200 with the first event.
                return JSONResponse.make(results[0].created ? .accepted : .ok, .event(results[0].event))
            },
            Endpoint(.get, "/v1.0/events") { request, _ in
                let customerID = try await auth.requireCustomer(request)
                let page = try request.pageRequest()
                let type = try request.idQuery("type")
                if let type, EventCatalog.eventType(named: type) == nil, type != EventCatalog.testEvent.name {
                    throw Problem.badRequest(field: "type", "unknown event type '\(type)'")
                }
                let resourceID = try request.idQuery("resource_id")
                let events = try await storeCall {
                    try await store.listEvents(customerID: customerID, type: type, resourceID: resourceID, page)
                }
                return JSONResponse.page(events, JSONValue.event)
            },
            Endpoint(.get, "/v1.0/events/:id") { request, context in
                let customerID = try await auth.requireCustomer(request)
                // Every event id, given or assigned, is 1 to 64 of A-Za-z0-9_-: anything else names none.
                guard let id = context.parameters.get("id"), EventID.isValidClientID(id) else { throw Problem.notFound }
                return JSONResponse.make(.ok, .event(try await storeCall { try await store.event(customerID: customerID, id: id) }))
            },
        ]
    }

    /// The events of a single or batch publish body, all valid, or 400/413 naming the bad ones.
    static func submissions(_ body: JSONValue) throws -> [EventSubmission] {
        guard case .object = body else { throw Problem.badRequest(field: "body", "must be a JSON object") }
        guard let batch = body["events"] else {
            switch EventValidator.validate(body) {
            case .success(let submission): return [submission]
            case .failure(let failure): throw Problem.badRequest(failure)
            }
        }
        guard case .array(let values) = batch else { throw Problem.badRequest(field: "events", "must be an array of events") }
        guard (1...EventValidator.maxBatch).contains(values.count) else {
            throw Problem.badRequest(field: "events", "must hold 1 to \(EventValidator.maxBatch) events")
        }
        var submissions: [EventSubmission] = []
        var errors: [FieldError] = []
        for (index, value) in values.enumerated() {
            switch EventValidator.validate(value, prefix: "events[\(index)].") {
            case .success(let submission): submissions.append(submission)
            case .failure(let failure): errors += failure.errors
            }
        }
        guard errors.isEmpty else {
            throw Problem(.badRequest, "the batch was rejected: \(ValidationFailure(errors).summary)", errors: errors)
        }
        return submissions
    }
}
