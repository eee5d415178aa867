import RingbackCore
import Testing

/// The JSON Schema subset that validates event data and API responses.
@Suite struct JSONSchemaTests {
    static let root: JSONValue = [
        "$defs": [
            "address": ["type": "object", "properties": ["type": ["type": "string", "enum": ["tel", "sip"]]],
                        "required": ["type"]],
        ],
        "type": "object",
        "required": ["id", "status", "source"],
        "properties": [
            "id": ["type": "string", "format": "uuid"],
            "status": ["type": "string", "enum": ["ringing", "hangup"]],
            "source": ["$ref": "#/$defs/address"],
            "tm_create": ["type": ["string", "null"], "format": "date-time"],
            "legs": ["type": "array", "items": ["type": "integer", "minimum": 0], "maxItems": 2, "uniqueItems": true],
            "name": ["type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[a-z]+$"],
            "kind": ["const": "call"],
            "either": ["oneOf": [["type": "string"], ["type": "integer"]]],
        ],
        "additionalProperties": true,
    ]

    func violations(_ value: JSONValue) -> [String] {
        JSONSchema(Self.root).validate(value, at: "data").map(\.description)
    }

    @Test func aValidValuePasses() {
        let value: JSONValue = [
            "id": "6c1f0a86-9a3c-4f6a-9d29-0b8e4c0b3f11", "status": "hangup", "source": ["type": "tel"],
            "tm_create": "2026-05-01T14:03:07.482913Z", "legs": [0, 2], "name": "ab", "kind": "call", "either": 3,
            "extra": ["anything": true],
        ]
        #expect(violations(value) == [])
        #expect(violations(["id": "6c1f0a86-9a3c-4f6a-9d29-0b8e4c0b3f11", "status": "ringing", "source": ["type": "sip"],
                            "tm_create": .null]) == [])
    }

    @Test func everyViolationIsNamedByItsPath() {
        let value: JSONValue = [
            "id": "not-a-uuid", "status": "talking", "source": ["type": "fax"], "tm_create": "2026-13-01T00:00:00Z",
            "legs": [1, 1, -1], "name": "ABCD", "kind": "sms", "either": true,
        ]
        let found = violations(value)
        for expected in [
            "data.id: must be a uuid", "data.status: must be one of ringing, hangup", "data.source.type: must be one of tel, sip",
            "data.tm_create: must be a date-time", "data.legs: must have at most 2 items", "data.legs: must not repeat an item",
            "data.legs[2]: must be at least 0", "data.name: must be at most 3 characters", "data.name: must match ^[a-z]+$",
            "data.kind: must be call",
        ] {
            #expect(found.contains(expected), "\(expected) not in \(found)")
        }
        #expect(found.contains { $0.hasPrefix("data.either:") })
        #expect(violations(["status": 3]).contains("data.status: must be a string, not number"))
        #expect(violations(["status": "ringing"]).contains("data.id: is required"))
        #expect(violations("text") == ["data: must be an object, not string"])
    }

    @Test func dateTimesFollowRFC3339() {
        for good in ["2026-05-01T14:03:07Z", "2026-05-01T14:03:07.4Z", "2026-05-01T14:03:07.123456789Z", "2026-05-01T14:03:07+02:00"] {
            #expect(Timestamp.isDateTime(good), "\(good)")
        }
        for bad in ["2026-05-01 14:03:07", "2026-05-01T14:03:07", "2026-05-01T24:00:00Z", "2026-05-01T14:03:07.Z", "26-05-01T14:03:07Z",
                    "2026-05-01T14:03:07Zjunk", ""] {
            #expect(!Timestamp.isDateTime(bad), "\(bad)")
        }
    }

    @Test func keywordsOutsideTheSubsetAreReported() {
        let schema: JSONValue = ["type": "object", "properties": ["a": ["type": "string", "contentEncoding": "base64"]],
                                 "patternProperties": [:]]
        #expect(JSONSchema(schema).unsupportedKeywords == ["#/properties/a/contentEncoding", "#/patternProperties"])
        #expect(JSONSchema(Self.root).unsupportedKeywords.isEmpty)
    }
}
