import Foundation
import Hummingbird
import RingbackCore
import RingbackStore

extension API {
    /// Whether customers can have events and deliveries of this type: a subscribable type
    /// (platform or Ringback's own) or the test ping.
    static func isDeliveredType(_ name: String) -> Bool {
        EventCatalog.subscribable(named: name) != nil || name == EventCatalog.testEvent.name
    }

    var eventEndpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1.0/events", .operator) { request, context in
                let body = try await request.jsonBody(context: context)!
                let batch = body["events"] != nil
                let submissions = try Self.submissions(body, schemas: configuration.validateEvents ? schemas : nil)
                let now = configuration.clock.now
                let events = submissions.map { submission in
                    NewEvent(id: submission.id ?? EventID.generate(milliseconds: now), customerID: submission.customerID,
                             type: submission.type, resourceID: submission.resourceID, data: submission.data, createdAt: now)
                }
                if let index = events.firstIndex(where: { $0.body.count > EventValidator.maxEventBytes }) {
                    throw Problem(.contentTooLarge, "\(batch ? "events[\(index)]" : "the event") is larger than 256 KiB")
                }
                let results: [PublishResult]
                do {
                    let started = ContinuousClock.now
                    results = try await store.publish(events)
                    publishTime.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
                } catch let error as StoreError where error.unknownCustomerIndex != nil && !batch {
                    throw Problem.badRequest(field: "customer_id", "is not a known customer")
                }
                publishedCounter.increment(by: results.lazy.filter(\.created).count)
                if batch {
                    return JSONResponse.bytes(.accepted, EventResource.list(results.map(\.event)))
                }
                // The same client id again answers 200 with the first event.
                return JSONResponse.event(results[0].created ? .accepted : .ok, results[0].event)
            },
            Endpoint(.get, "/v1.0/events", .customer) { request, context in
                let type = try request.idQuery("type")
                if let type, !Self.isDeliveredType(type) {
                    throw Problem.badRequest(field: "type", "unknown event type '\(type)'")
                }
                let events = try await store.listEvents(customerID: try context.customerID, type: type,
                                                        resourceID: try request.idQuery("resource_id"), try request.pageRequest())
                return JSONResponse.bytes(.ok, EventResource.page(events))
            },
            Endpoint(.get, "/v1.0/events/:id", .customer) { _, context in
                // Every event id, given or assigned, is 1 to 64 of A-Za-z0-9_-: anything else names none.
                guard let id = context.parameters.get("id"), EventID.isValidClientID(id) else { throw Problem.notFound }
                return JSONResponse.event(.ok, try await store.event(customerID: try context.customerID, id: id))
            },
        ]
    }

    /// The events of a single or batch publish body, all valid, or 400/413 naming the bad ones.
    /// The events of a publish request, each valid (and, given `schemas`, each `data` valid
    /// against its type's schema), or a problem naming every invalid field.
    static func submissions(_ body: JSONValue, schemas: EventSchemas? = nil) throws -> [EventSubmission] {
        guard case .object = body else { throw Problem.badRequest(field: "body", "must be a JSON object") }
        guard let batch = body["events"] else {
            switch EventValidator.validate(body) {
            case .success(let submission):
                let errors = dataErrors(submission, schemas: schemas, prefix: "")
                guard errors.isEmpty else { throw Problem.badRequest(ValidationFailure(errors)) }
                return [submission]
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
            case .success(let submission):
                submissions.append(submission)
                errors += dataErrors(submission, schemas: schemas, prefix: "events[\(index)].")
            case .failure(let failure): errors += failure.errors
            }
        }
        guard errors.isEmpty else {
            throw Problem(.badRequest, "the batch was rejected: \(ValidationFailure(errors).summary)", errors: errors)
        }
        return submissions
    }

    /// Where an event's `data` breaks its type's schema, as field errors (`events[2].data.status`).
    static func dataErrors(_ submission: EventSubmission, schemas: EventSchemas?, prefix: String) -> [FieldError] {
        guard let schemas else { return [] }
        return schemas.violations(of: submission.data, type: submission.type.name, at: prefix + "data")
            .map { FieldError(field: $0.path, message: $0.message) }
    }
}
