import HTTPTypes
import Hummingbird
import RingbackReceiver

/// Lets through only requests that verify as Ringback deliveries (Standard Webhooks headers);
/// any other gets 401 with the reason. The body is collected (up to `maxBody` bytes) and stays
/// readable for the handlers after it.
public struct WebhookVerificationMiddleware<Context: RequestContext>: RouterMiddleware {
    public let verifier: WebhookVerifier
    public let maxBody: Int

    public init(verifier: WebhookVerifier, maxBody: Int = 5 << 20) {
        self.verifier = verifier
        self.maxBody = maxBody
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: maxBody)
        do {
            _ = try verifier.verify(id: request.headers[HTTPField.Name("webhook-id")!],
                                    timestamp: request.headers[HTTPField.Name("webhook-timestamp")!],
                                    signature: request.headers[HTTPField.Name("webhook-signature")!],
                                    body: body.readableBytesView)
        } catch let failure as WebhookVerifier.Failure {
            return Response(status: .unauthorized, headers: [.contentType: "text/plain"],
                            body: .init(byteBuffer: ByteBuffer(string: "\(failure)\n")))
        }
        return try await next(request, context)
    }
}
