import Hummingbird

/// The routes the API registers, kept so that a wrong method answers 405 and the OpenAPI
/// document can be checked against what really exists.
public struct RouteTable: Sendable {
    public struct Route: Sendable, Hashable {
        public let method: HTTPRequest.Method
        /// Hummingbird's pattern, `/v1.0/webhooks/:id`.
        public let path: String
        /// Who may call it: `none`, `operator`, `customer` or `any`.
        public let access: String

        /// The path as OpenAPI writes it, `/v1.0/webhooks/{id}`.
        public var openAPIPath: String {
            path.split(separator: "/", omittingEmptySubsequences: false).map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
        }
    }

    public private(set) var routes: [Route] = []

    mutating func add(_ method: HTTPRequest.Method, _ path: String, access: String) {
        routes.append(Route(method: method, path: path, access: access))
    }

    /// The methods registered for routes whose pattern matches `path`.
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return routes.filter { route in
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == parts.count else { return false }
            return zip(pattern, parts).allSatisfy { $0.hasPrefix(":") ? !$1.isEmpty : $0 == $1 }
        }.map(\.method)
    }
}
