import Foundation
import Hummingbird
import RingbackCore
import RingbackStore

extension Request {
    /// The body parsed as JSON. 415 unless it is `application/json`; 400 when malformed;
    /// nil when the body is empty and `optional`.
    func jsonBody(context: AppContext, limit: Int? = nil, optional: Bool = false) async throws -> JSONValue? {
        let buffer = try await body.collect(upTo: limit ?? context.maxUploadSize)
        if buffer.readableBytes == 0, optional, headers[.contentType] == nil { return nil }
        guard let contentType = headers[.contentType],
              contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
        else { throw Problem(.unsupportedMediaType, "the body must be application/json") }
        if buffer.readableBytes == 0, optional { return nil }
        do {
            return try JSONParser.parse(Array(buffer.readableBytesView))
        } catch {
            throw Problem.badRequest(field: "body", "is not valid JSON: \(error)")
        }
    }

    /// A query parameter, or nil when absent; 400 for a value no backend can store or look up.
    func query(_ name: String) throws -> String? {
        guard let value = uri.queryParameters.get(name) else { return nil }
        guard StorableText.isStorable(value) else { throw Problem.badRequest(field: name, StorableText.nulMessage) }
        return value
    }

    /// A query parameter holding an RFC 3339 time, or nil when absent or empty; a field error in
    /// `errors` when it is not a time.
    func timeQuery(_ name: String, errors: inout [FieldError]) throws -> Millis? {
        guard let text = try query(name), !text.isEmpty else { return nil }
        guard let millis = Timestamp.parse(text) else {
            errors.append(FieldError(field: name, message: "must be an RFC 3339 time, e.g. 2026-12-01T09:00:00Z"))
            return nil
        }
        return millis
    }

    /// A query parameter naming an id, or nil when absent or empty; 400 when longer than any id.
    func idQuery(_ name: String) throws -> String? {
        guard let value = try query(name), !value.isEmpty else { return nil }
        guard value.count <= EventValidator.maxResourceIDLength else {
            throw Problem.badRequest(field: name, "must be at most \(EventValidator.maxResourceIDLength) characters")
        }
        return value
    }

    /// `page_size` (1 to 100, default 10) and `page_token`.
    func pageRequest() throws -> PageRequest {
        var errors: [FieldError] = []
        var size = 10
        if let text = try query("page_size") {
            if let value = Int(text), (1...100).contains(value) {
                size = value
            } else {
                errors.append(FieldError(field: "page_size", message: "must be an integer from 1 to 100"))
            }
        }
        var before: Int64?
        if let token = try query("page_token"), !token.isEmpty {
            if let position = PageToken.decode(token) {
                before = position
            } else {
                errors.append(FieldError(field: "page_token", message: "is not a page token of this listing"))
            }
        }
        guard errors.isEmpty else { throw Problem.badRequest(ValidationFailure(errors)) }
        return PageRequest(size: size, before: before)
    }
}

/// Opaque page tokens: the position after which the next page starts.
enum PageToken {
    static func encode(_ position: Int64) -> String {
        Data("p1:\(position)".utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ token: String) -> Int64? {
        let padded = token + String(repeating: "=", count: (4 - token.count % 4) % 4)
        guard let data = Data(base64Encoded: padded), let text = String(data: data, encoding: .utf8),
              text.hasPrefix("p1:"), let position = Int64(text.dropFirst(3)), position > 0
        else { return nil }
        return position
    }
}

/// A JSON response of an API resource.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status = .ok, _ value: some Encodable) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONValueEncoder().encode(value).serialized())))
    }

    /// JSON already written.
    static func bytes(_ status: HTTPResponse.Status = .ok, _ bytes: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func event(_ status: HTTPResponse.Status = .ok, _ event: Event) -> Response {
        var out: [UInt8] = []
        EventResource(event).write(to: &out)
        return bytes(status, out)
    }

    /// `{"result": [...], "next_page_token": ...}`.
    static func page<T, Item: Encodable & Sendable>(_ page: Page<T>, _ render: (T) -> Item) throws -> Response {
        try make(.ok, PageResource(result: page.items.map(render), nextPageToken: page.next.map(PageToken.encode)))
    }
}

extension Parameters {
    /// A UUID path parameter; 404 when it is not one (no such resource can exist).
    func uuid(_ name: String) throws -> UUID {
        guard let text = get(name), let id = UUID(uuidString: text) else { throw Problem.notFound }
        return id
    }
}
