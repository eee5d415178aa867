import Hummingbird
import RingbackCore

extension API {
    var operationEndpoints: [Endpoint] {
        [
            Endpoint(.get, "/healthz") { _, _ in
                JSONResponse.make(.ok, .object([JSONMember("status", .string("ok"))]))
            },
            Endpoint(.get, "/readyz") { _, context in
                do {
                    try await store.ping()
                    return JSONResponse.make(.ok, .object([JSONMember("status", .string("ready"))]))
                } catch {
                    context.logger.warning("database not ready")
                    throw Problem(.serviceUnavailable, "the database does not answer")
                }
            },
            Endpoint(.get, "/metrics") { _, _ in
                let text = await configuration.metricsText()
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
            },
            Endpoint(.get, "/v1.0/openapi.json") { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"],
                         body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
            },
        ]
    }
}
