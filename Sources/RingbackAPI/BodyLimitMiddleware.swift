import Hummingbird

/// Refuses any request body over the limit with 413, on every route, also those that take no
/// body (contract section 13): the body is read here, up to the limit, before the route runs.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > context.maxUploadSize {
            throw Problem(.contentTooLarge, "the request body is larger than 5 MiB")
        }
        var request = request
        _ = try await request.collectBody(upTo: context.maxUploadSize)
        return try await next(request, context)
    }
}
