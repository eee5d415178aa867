/// One invalid field of a request, as listed in a problem's `errors`.
public struct FieldError: Sendable, Hashable, Codable, Error {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// Every invalid field of one request: validation reports all of them at once.
public struct ValidationFailure: Error, Sendable, Hashable {
    public let errors: [FieldError]

    public init(_ errors: [FieldError]) {
        self.errors = errors
    }

    /// A one-sentence summary for the problem's `detail`: the first error, and how many more.
    public var summary: String {
        guard let first = errors.first else { return "invalid request" }
        let text = "\(first.field) \(first.message)"
        return errors.count == 1 ? text : "\(text) (and \(errors.count - 1) more)"
    }
}
