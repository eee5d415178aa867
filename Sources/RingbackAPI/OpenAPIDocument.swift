import RingbackCore

/// The OpenAPI 3.1 document of every route (`GET /v1.0/openapi.json`); a test keeps it equal to the router.
enum OpenAPIDocument {
    static let json = String(decoding: document.serialized(), as: UTF8.self)

    enum Access: String {
        case none, `operator`, customer, any
    }

    struct Operation {
        let method: String
        let path: String
        let summary: String
        let access: Access
        var request: String? = nil
        let status: Int
        let response: JSONValue?
        var query: [(String, String)] = []
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static func page(_ item: String) -> JSONValue {
        ["type": "object", "required": ["result", "next_page_token"], "properties": [
            "result": ["type": "array", "items": ref(item)],
            "next_page_token": ["type": ["string", "null"]],
        ]]
    }
    static let paging: [(String, String)] = [("page_size", "integer"), ("page_token", "string")]
    static func object(_ properties: KeyValuePairs<String, JSONValue>) -> JSONValue {
        ["type": "object", "properties": .object(properties.map { JSONMember($0.key, $0.value) })]
    }

    static let operations: [Operation] = [
        Operation(method: "get", path: "/healthz", summary: "Liveness", access: .none, status: 200, response: nil),
        Operation(method: "get", path: "/readyz", summary: "Readiness: 200 when the database answers, else 503", access: .none, status: 200, response: nil),
        Operation(method: "get", path: "/metrics", summary: "Prometheus metrics", access: .none, status: 200, response: nil),
        Operation(method: "get", path: "/v1.0/openapi.json", summary: "This document", access: .none, status: 200, response: nil),
        Operation(method: "post", path: "/v1.0/customers", summary: "Create a customer with its first access key", access: .operator, request: "CustomerInput", status: 201, response: ref("CustomerCreated")),
        Operation(method: "get", path: "/v1.0/customers", summary: "List customers", access: .operator, status: 200, response: page("Customer"), query: paging),
        Operation(method: "get", path: "/v1.0/customers/{id}", summary: "Get a customer", access: .operator, status: 200, response: ref("Customer")),
        Operation(method: "delete", path: "/v1.0/customers/{id}", summary: "Delete a customer and everything it owns", access: .operator, status: 200, response: ref("Customer")),
        Operation(method: "post", path: "/v1.0/customers/{id}/accesskeys", summary: "Create an access key", access: .operator, status: 201, response: ref("AccessKey")),
        Operation(method: "delete", path: "/v1.0/customers/{id}/accesskeys/{accesskey_id}", summary: "Revoke an access key at once", access: .operator, status: 204, response: nil),
        Operation(method: "post", path: "/v1.0/webhooks", summary: "Create a webhook", access: .customer, request: "WebhookInput", status: 201, response: ref("WebhookWithSecret")),
        Operation(method: "get", path: "/v1.0/webhooks", summary: "List webhooks, newest first", access: .customer, status: 200, response: page("Webhook"), query: paging),
        Operation(method: "get", path: "/v1.0/webhooks/{id}", summary: "Get a webhook", access: .customer, status: 200, response: ref("Webhook")),
        Operation(method: "put", path: "/v1.0/webhooks/{id}", summary: "Update a webhook; omitted fields keep their values", access: .customer, request: "WebhookInput", status: 200, response: ref("Webhook")),
        Operation(method: "delete", path: "/v1.0/webhooks/{id}", summary: "Delete a webhook and cancel its pending deliveries", access: .customer, status: 200, response: ref("Webhook")),
        Operation(method: "get", path: "/v1.0/webhooks/{id}/secret", summary: "Get the signing secret", access: .customer, status: 200, response: ref("Secret")),
        Operation(method: "post", path: "/v1.0/webhooks/{id}/secret/rotate", summary: "Rotate the secret; the old one signs beside it for 24 hours", access: .customer, request: "SecretInput", status: 200, response: ref("Secret")),
        Operation(method: "get", path: "/v1.0/webhook-event-types", summary: "The event type catalog", access: .any, status: 200, response: ["type": "object", "properties": ["result": ["type": "array", "items": ref("EventType")]]]),
        Operation(method: "post", path: "/v1.0/events", summary: "Publish one event or a batch of up to 1,000", access: .operator, request: "PublishInput", status: 202, response: ["oneOf": [ref("Event"), ["type": "object", "properties": ["result": ["type": "array", "items": ref("Event")]]]]]),
        Operation(method: "get", path: "/v1.0/events", summary: "List events, newest first", access: .customer, status: 200, response: page("Event"), query: paging + [("type", "string"), ("resource_id", "string")]),
        Operation(method: "get", path: "/v1.0/events/{id}", summary: "Get an event", access: .customer, status: 200, response: ref("Event")),
        Operation(method: "get", path: "/v1.0/webhooks/{id}/deliveries", summary: "List a webhook's deliveries, newest first", access: .customer, status: 200, response: page("Delivery"), query: paging + [("status", "string"), ("event_id", "string")]),
        Operation(method: "get", path: "/v1.0/webhooks/{id}/deliveries/{delivery_id}", summary: "Get a delivery with its attempts", access: .customer, status: 200, response: ref("DeliveryWithAttempts")),
        Operation(method: "post", path: "/v1.0/webhooks/{id}/deliveries/{delivery_id}/retry", summary: "Make one more attempt now", access: .customer, status: 202, response: ref("Delivery")),
        Operation(method: "post", path: "/v1.0/webhooks/{id}/recover", summary: "Queue again the failed deliveries of a time window", access: .customer, request: "RecoverInput", status: 202, response: object(["count": ["type": "integer"]])),
        Operation(method: "post", path: "/v1.0/webhooks/{id}/test", summary: "Send a webhook_test event now", access: .customer, status: 202, response: object(["delivery_id": ["type": "string"], "event_id": ["type": "string"]])),
    ]

    static let string: JSONValue = ["type": "string"]
    static let nullableString: JSONValue = ["type": ["string", "null"]]
    static let time: JSONValue = ["type": "string", "format": "date-time"]
    static let nullableTime: JSONValue = ["type": ["string", "null"], "format": "date-time"]
    static let nullableInteger: JSONValue = ["type": ["integer", "null"]]

    static let webhookProperties: [JSONMember] = [
        JSONMember("id", ["type": "string", "format": "uuid"]),
        JSONMember("customer_id", ["type": "string", "format": "uuid"]),
        JSONMember("name", nullableString), JSONMember("detail", nullableString),
        JSONMember("url", ["type": "string", "format": "uri"]),
        JSONMember("method", ["type": "string", "enum": ["POST", "PUT"]]),
        JSONMember("event_types", ["type": "array", "items": string]),
        JSONMember("headers", ["type": "object", "additionalProperties": string]),
        JSONMember("status", ["type": "string", "enum": ["active", "disabled"]]),
        JSONMember("disabled_reason", nullableString),
        JSONMember("health", ["type": "string", "enum": ["healthy", "failing"]]),
        JSONMember("failing_since", nullableTime),
        JSONMember("tm_create", time), JSONMember("tm_update", time),
    ]

    static let errorCode: JSONValue = ["type": ["string", "null"], "enum": .array(AttemptErrorCode.allCases.map { .string($0.rawValue) } + [.null])]

    static let deliveryProperties: [JSONMember] = [
        JSONMember("id", string), JSONMember("webhook_id", string), JSONMember("event_id", string),
        JSONMember("event_type", string), JSONMember("resource_id", string),
        JSONMember("status", ["type": "string", "enum": ["pending", "succeeded", "failed"]]),
        JSONMember("attempt_count", ["type": "integer"]), JSONMember("next_attempt_at", nullableTime),
        JSONMember("last_attempt_at", nullableTime), JSONMember("last_status_code", nullableInteger),
        JSONMember("last_error", nullableString), JSONMember("last_error_code", errorCode), JSONMember("tm_create", time),
    ]

    static let eventProperties: [JSONMember] = [
        JSONMember("id", string), JSONMember("customer_id", string), JSONMember("type", string),
        JSONMember("resource_type", string), JSONMember("resource_id", string),
        JSONMember("data", ["type": "object"]), JSONMember("tm_create", time),
    ]

    static let eventInput: JSONValue = [
        "type": "object", "required": ["customer_id", "type", "data"],
        "properties": [
            "customer_id": ["type": "string", "format": "uuid"],
            "type": ["type": "string", "enum": .array(EventCatalog.all.map { .string($0.name) })],
            "data": ["type": "object", "required": ["id"], "properties": ["id": ["type": "string", "minLength": 1]]],
            "id": ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"],
        ],
    ]

    static var schemas: JSONValue {
        [
            "Problem": object([
                "type": string, "title": string, "status": ["type": "integer"], "detail": string,
                "errors": ["type": "array", "items": object(["field": string, "message": string])],
            ]),
            "CustomerInput": ["type": "object", "required": ["name"], "properties": ["name": ["type": "string", "maxLength": 255], "detail": ["type": "string", "maxLength": 2000]]],
            "Customer": object(["id": string, "name": string, "detail": string, "tm_create": time]),
            "CustomerCreated": object(["id": string, "name": string, "detail": string, "tm_create": time,
                                       "accesskey": object(["id": string, "token": string])]),
            "AccessKey": object(["id": string, "token": string, "tm_create": time]),
            "WebhookInput": [
                "type": "object",
                "properties": [
                    "name": ["type": "string", "maxLength": 255], "detail": ["type": "string", "maxLength": 2000],
                    "url": ["type": "string", "format": "uri", "maxLength": 2048],
                    "method": ["type": "string", "enum": ["POST", "PUT"]],
                    "event_types": ["type": "array", "minItems": 1, "uniqueItems": true, "items": string],
                    "headers": ["type": "object", "maxProperties": 20, "additionalProperties": string],
                    "secret": ["type": "string", "pattern": "^whsec_"],
                    "status": ["type": "string", "enum": ["active", "disabled"]],
                ],
            ],
            "Webhook": ["type": "object", "properties": .object(webhookProperties)],
            "WebhookWithSecret": ["type": "object", "properties": .object(webhookProperties + [JSONMember("secret", string)])],
            "Secret": object(["secret": string]),
            "SecretInput": object(["secret": string]),
            "EventType": object(["name": string, "resource_type": string, "description": string]),
            "EventInput": eventInput,
            "PublishInput": ["oneOf": [ref("EventInput"), ["type": "object", "required": ["events"], "properties": [
                "events": ["type": "array", "minItems": 1, "maxItems": 1000, "items": ref("EventInput")],
            ]]]],
            "Event": ["type": "object", "properties": .object(eventProperties)],
            "Delivery": ["type": "object", "properties": .object(deliveryProperties)],
            "DeliveryWithAttempts": ["type": "object", "properties": .object(deliveryProperties + [
                JSONMember("attempts", ["type": "array", "items": object([
                    "attempt": ["type": "integer"], "tm_start": time, "duration_ms": ["type": "integer"],
                    "status_code": nullableInteger, "error": nullableString, "error_code": errorCode,
                    "response_body": nullableString,
                ])]),
            ])],
            "RecoverInput": ["type": "object", "required": ["since"], "properties": ["since": time, "until": time]],
        ]
    }

    static func operationObject(_ operation: Operation) -> JSONValue {
        var members: [JSONMember] = [JSONMember("summary", .string(operation.summary))]
        switch operation.access {
        case .none: members.append(JSONMember("security", []))
        case .operator: members.append(JSONMember("security", [["adminToken": []]]))
        case .customer: members.append(JSONMember("security", [["accessKey": []], ["accessKeyQuery": []]]))
        case .any: members.append(JSONMember("security", [["adminToken": []], ["accessKey": []], ["accessKeyQuery": []]]))
        }
        var parameters: [JSONValue] = operation.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { part in
            ["name": .string(String(part.dropFirst().dropLast())), "in": "path", "required": true, "schema": string]
        }
        parameters += operation.query.map { ["name": .string($0.0), "in": "query", "schema": ["type": .string($0.1)]] }
        if !parameters.isEmpty { members.append(JSONMember("parameters", .array(parameters))) }
        if let request = operation.request {
            members.append(JSONMember("requestBody", ["required": .bool(request != "SecretInput"), "content": ["application/json": ["schema": ref(request)]]]))
        }
        var success: [JSONMember] = [JSONMember("description", "Success")]
        if let response = operation.response { success.append(JSONMember("content", ["application/json": ["schema": response]])) }
        let problem: JSONValue = ["description": "Problem", "content": ["application/problem+json": ["schema": ref("Problem")]]]
        members.append(JSONMember("responses", .object([JSONMember(String(operation.status), .object(success)), JSONMember("default", problem)])))
        return .object(members)
    }

    static var document: JSONValue {
        var paths: [JSONMember] = []
        for operation in operations {
            let entry = JSONMember(operation.method, operationObject(operation))
            if let index = paths.firstIndex(where: { $0.key == operation.path }), case .object(let existing) = paths[index].value {
                paths[index] = JSONMember(operation.path, .object(existing + [entry]))
            } else {
                paths.append(JSONMember(operation.path, .object([entry])))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "Ringback", "version": "1.0", "description": "Webhook delivery for a communications platform."],
            "paths": .object(paths),
            "components": [
                "schemas": schemas,
                "securitySchemes": [
                    "adminToken": ["type": "http", "scheme": "bearer", "description": "The operator's admin token"],
                    "accessKey": ["type": "http", "scheme": "bearer", "description": "A customer's access key"],
                    "accessKeyQuery": ["type": "apiKey", "in": "query", "name": "accesskey"],
                ],
            ],
        ]
    }
}
