import Hummingbird
import NIOCore
import RingbackCore
import RingbackStore

/// An RFC 9457 problem: every error the API answers is one of these, as `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let detail: String
    public let errors: [FieldError]
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ detail: String, errors: [FieldError] = []) {
        self.status = status
        self.detail = detail
        self.errors = errors
    }

    public static func badRequest(_ failure: ValidationFailure) -> Problem {
        Problem(.badRequest, failure.summary, errors: failure.errors)
    }

    public static func badRequest(field: String, _ message: String) -> Problem {
        badRequest(ValidationFailure([FieldError(field: field, message: message)]))
    }

    public static let notFound = Problem(.notFound, "no such resource")

    public static var unauthorized: Problem {
        var problem = Problem(.unauthorized, "missing or invalid credentials")
        problem.headers[.wwwAuthenticate] = "Bearer"
        return problem
    }

    public static let forbidden = Problem(.forbidden, "this route is for the platform operator")

    /// The problem a store error is for a client.
    init(_ error: StoreError) {
        if error == .notFound {
            self = .notFound
        } else if let limit = error.webhookLimit {
            self.init(.conflict, "the customer has \(limit) webhooks, the most --max-webhooks-per-customer allows")
        } else if error == .webhookDisabled {
            self.init(.conflict, "the webhook is disabled; enable it to send a test")
        } else if let index = error.unknownCustomerIndex {
            self = .badRequest(field: "events[\(index)].customer_id", "is not a known customer")
        } else {
            self.init(.serviceUnavailable, "the database is unavailable; nothing was changed, try again")
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response
    }

    /// The problem+json response.
    public var response: Response {
        var members: [JSONMember] = [
            JSONMember("type", .string("about:blank")),
            JSONMember("title", .string(status.reasonPhrase)),
            JSONMember("status", .number(String(status.code))),
            JSONMember("detail", .string(detail)),
        ]
        if !errors.isEmpty {
            members.append(JSONMember("errors", .array(errors.map {
                .object([JSONMember("field", .string($0.field)), JSONMember("message", .string($0.message))])
            })))
        }
        var headers = headers
        headers[.contentType] = "application/problem+json"
        let bytes = JSONValue.object(members).serialized()
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Renders every error as problem+json, in one place: our problems, the store's errors (404 for
/// what does not exist, 409 for limits and states, 503 when the database fails), validation
/// failures (400), Hummingbird's HTTP errors (404 and 405 for unknown routes, 413), and anything
/// unexpected as a generic 500 whose detail goes to the log only.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response
        } catch let error as StoreError {
            return Problem(error).response
        } catch let failure as ValidationFailure {
            return Problem.badRequest(failure).response
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                let allowed = routes.methods(matching: request.uri.path)
                guard !allowed.isEmpty else { return Problem(.notFound, "no route \(request.uri.path)").response }
                var problem = Problem(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path)")
                problem.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return problem.response
            case .contentTooLarge:
                return Problem(.contentTooLarge, "the request body is larger than the limit").response
            default:
                return Problem(error.status, error.body ?? error.status.reasonPhrase).response
            }
        } catch is NIOTooManyBytesError {
            return Problem(.contentTooLarge, "the request body is larger than 5 MiB").response
        } catch {
            context.logger.error("unexpected error", metadata: ["error.type": "\(type(of: error))"])
            return Problem(.internalServerError, "internal error").response
        }
    }
}
