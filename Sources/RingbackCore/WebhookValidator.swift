import Foundation

/// Validates a webhook's create or update body (contract section 5), reporting every invalid field.
public struct WebhookValidator: Sendable {
    public static let maxURLLength = 2048
    public static let maxHeaders = 20
    public static let reservedHeaders: Set<String> = [
        "content-type", "content-length", "host", "user-agent", "x-voipbin-signature",
    ]

    public let allowInsecureURLs: Bool

    public init(allowInsecureURLs: Bool) {
        self.allowInsecureURLs = allowInsecureURLs
    }

    /// Validates `body`; on create, `url` and `event_types` are required.
    public func validate(_ body: JSONValue, creating: Bool) -> Result<WebhookChanges, ValidationFailure> {
        guard case .object = body else {
            return .failure(ValidationFailure([FieldError(field: "body", message: "must be a JSON object")]))
        }
        var errors: [FieldError] = []
        var changes = WebhookChanges()

        changes.name = optionalText(body["name"], field: "name", limit: 255, errors: &errors)
        changes.detail = optionalText(body["detail"], field: "detail", limit: 2000, errors: &errors)

        switch body["url"] {
        case nil, .null?:
            if creating || body["url"] != nil { errors.append(FieldError(field: "url", message: "is required")) }
        case .string(let text)?:
            if let problem = urlProblem(text) {
                errors.append(FieldError(field: "url", message: problem))
            } else {
                changes.url = text
            }
        case let other?:
            errors.append(FieldError(field: "url", message: "must be a string, not \(other.kind)"))
        }

        switch body["method"] {
        case nil, .null?: break
        case .string(let text)?:
            if let method = WebhookMethod(rawValue: text) {
                changes.method = method
            } else {
                errors.append(FieldError(field: "method", message: "must be POST or PUT"))
            }
        case let other?:
            errors.append(FieldError(field: "method", message: "must be a string, not \(other.kind)"))
        }

        switch body["event_types"] {
        case nil, .null?:
            if creating || body["event_types"] != nil {
                errors.append(FieldError(field: "event_types", message: "is required"))
            }
        case .array(let values)?:
            if let types = eventTypes(values, errors: &errors) { changes.eventTypes = types }
        case let other?:
            errors.append(FieldError(field: "event_types", message: "must be an array of strings, not \(other.kind)"))
        }

        switch body["headers"] {
        case nil: break
        case .null?: changes.headers = []
        case .object(let members)?:
            if let headers = headers(members, errors: &errors) { changes.headers = headers }
        case let other?:
            errors.append(FieldError(field: "headers", message: "must be an object of strings, not \(other.kind)"))
        }

        switch body["signature_scheme"] {
        case nil, .null?: break
        case .string(let text)?:
            if let scheme = WebhookSecret.Scheme(rawValue: text) {
                changes.signatureScheme = scheme
            } else {
                errors.append(FieldError(field: "signature_scheme", message: "must be hmac_sha256 or ed25519"))
            }
        case let other?:
            errors.append(FieldError(field: "signature_scheme", message: "must be a string, not \(other.kind)"))
        }

        switch body["secret"] {
        case nil, .null?: break
        case .string(let text)?:
            if let secret = WebhookSecret(text) {
                changes.secret = secret
                if creating, let conflict = changes.schemeConflict(with: changes.schemeForCreate) { errors.append(conflict) }
            } else {
                errors.append(FieldError(field: "secret", message: "must be \(WebhookSecret.Scheme.hmacSHA256.shape), "
                                         + "or \(WebhookSecret.Scheme.ed25519.shape)"))
            }
        case let other?:
            errors.append(FieldError(field: "secret", message: "must be a string, not \(other.kind)"))
        }

        switch body["rate_limit"] {
        case nil: break
        case .null?: changes.rateLimit = .some(nil)
        case .number(let literal)?:
            if let value = Int(literal), (1...10_000).contains(value) {
                changes.rateLimit = value
            } else {
                errors.append(FieldError(field: "rate_limit", message: "must be a whole number of deliveries per second from 1 to 10000, or null"))
            }
        case let other?:
            errors.append(FieldError(field: "rate_limit", message: "must be a number from 1 to 10000 or null, not \(other.kind)"))
        }

        switch body["status"] {
        case nil, .null?: break
        case .string(let text)?:
            if let status = WebhookStatus(rawValue: text) {
                changes.status = status
            } else {
                errors.append(FieldError(field: "status", message: "must be active or disabled"))
            }
        case let other?:
            errors.append(FieldError(field: "status", message: "must be a string, not \(other.kind)"))
        }

        return errors.isEmpty ? .success(changes) : .failure(ValidationFailure(errors))
    }

    /// Why `text` is not an acceptable webhook URL, or nil when it is.
    public func urlProblem(_ text: String) -> String? {
        let scheme = allowInsecureURLs ? "an absolute http or https URL" : "an absolute https URL"
        guard text.utf8.count <= Self.maxURLLength else {
            return "must be at most \(Self.maxURLLength) characters"
        }
        guard StorableText.isStorable(text), !text.contains(where: { $0.isWhitespace || $0.isASCIIControl }),
              let components = URLComponents(string: text),
              let urlScheme = components.scheme?.lowercased()
        else { return "must be \(scheme)" }
        let allowed = allowInsecureURLs ? ["https", "http"] : ["https"]
        guard allowed.contains(urlScheme) else {
            return urlScheme == "http" ? "must be an https URL (http needs --allow-insecure-urls)" : "must be \(scheme)"
        }
        guard let host = components.host, !host.isEmpty else { return "must be \(scheme) with a host" }
        guard components.user == nil, components.password == nil else { return "must not contain user-info" }
        guard components.fragment == nil else { return "must not contain a fragment" }
        return nil
    }

    private func optionalText(_ value: JSONValue?, field: String, limit: Int, errors: inout [FieldError]) -> String?? {
        switch value {
        case nil: return nil
        case .null?: return .some(nil)
        case .string(let text)?:
            guard text.count <= limit else {
                errors.append(FieldError(field: field, message: "must be at most \(limit) characters"))
                return nil
            }
            guard StorableText.isStorable(text) else {
                errors.append(FieldError(field: field, message: StorableText.nulMessage))
                return nil
            }
            return .some(text)
        case let other?:
            errors.append(FieldError(field: field, message: "must be a string, not \(other.kind)"))
            return nil
        }
    }

    private func eventTypes(_ values: [JSONValue], errors: inout [FieldError]) -> [String]? {
        guard !values.isEmpty else {
            errors.append(FieldError(field: "event_types", message: "must not be empty"))
            return nil
        }
        var seen: Set<String> = []
        var types: [String] = []
        var valid = true
        for (index, value) in values.enumerated() {
            let field = "event_types[\(index)]"
            guard case .string(let text) = value else {
                errors.append(FieldError(field: field, message: "must be a string, not \(value.kind)"))
                valid = false
                continue
            }
            guard EventTypeFilter(text) != nil else {
                errors.append(FieldError(field: field, message: "unknown event type '\(text)'"))
                valid = false
                continue
            }
            guard seen.insert(text).inserted else {
                errors.append(FieldError(field: field, message: "duplicate event type '\(text)'"))
                valid = false
                continue
            }
            types.append(text)
        }
        return valid ? types : nil
    }

    private func headers(_ members: [JSONMember], errors: inout [FieldError]) -> [WebhookHeader]? {
        guard members.count <= Self.maxHeaders else {
            errors.append(FieldError(field: "headers", message: "must have at most \(Self.maxHeaders) entries"))
            return nil
        }
        var headers: [WebhookHeader] = []
        var seen: Set<String> = []
        var valid = true
        for member in members {
            let field = "headers.\(member.key)"
            let lower = member.key.lowercased()
            if !Self.isToken(member.key) {
                errors.append(FieldError(field: field, message: "is not a valid header name"))
                valid = false
            } else if Self.reservedHeaders.contains(lower) || lower.hasPrefix("webhook-") {
                errors.append(FieldError(field: field, message: "is set by Ringback and cannot be overridden"))
                valid = false
            } else if !seen.insert(lower).inserted {
                errors.append(FieldError(field: field, message: "is given twice"))
                valid = false
            } else if case .string(let value) = member.value {
                if !value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) || value.utf8.count > 4096 {
                    errors.append(FieldError(field: field, message: "must be at most 4096 printable ASCII characters"))
                    valid = false
                } else {
                    headers.append(WebhookHeader(name: member.key, value: value))
                }
            } else {
                errors.append(FieldError(field: field, message: "must be a string, not \(member.value.kind)"))
                valid = false
            }
        }
        return valid ? headers : nil
    }

    /// RFC 9110 token characters.
    private static func isToken(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 256 else { return false }
        return name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
