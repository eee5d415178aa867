import RingbackCore

/// How list-valued webhook fields are kept in a text column, the same for every backend.
package enum StoredJSON {
    package static func eventTypes(_ types: [String]) -> String {
        String(decoding: JSONValue.array(types.map { .string($0) }).serialized(), as: UTF8.self)
    }

    package static func eventTypes(_ text: String) -> [String] {
        guard case .array(let values)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
        return values.compactMap(\.stringValue)
    }

    package static func headers(_ headers: [WebhookHeader]) -> String {
        String(decoding: JSONValue.object(headers.map { JSONMember($0.name, .string($0.value)) }).serialized(), as: UTF8.self)
    }

    package static func headers(_ text: String) -> [WebhookHeader] {
        guard case .object(let members)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
        return members.compactMap { member in member.value.stringValue.map { WebhookHeader(name: member.key, value: $0) } }
    }

    package static func retiredSecrets(_ secrets: [RetiredSecret]) -> String {
        let values: [JSONValue] = secrets.map {
            .object([JSONMember("secret", .string($0.secret.text)), JSONMember("expires_at", .number(String($0.expiresAt)))])
        }
        return String(decoding: JSONValue.array(values).serialized(), as: UTF8.self)
    }

    package static func retiredSecrets(_ text: String) -> [RetiredSecret] {
        guard case .array(let values)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
        return values.compactMap { value in
            guard let secret = value["secret"]?.stringValue.flatMap(WebhookSecret.init),
                  case .number(let expires)? = value["expires_at"], let expiresAt = Int64(expires)
            else { return nil }
            return RetiredSecret(secret: secret, expiresAt: expiresAt)
        }
    }
}
