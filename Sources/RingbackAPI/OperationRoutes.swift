import Hummingbird
import RingbackCore

extension API {
    var operationEndpoints: [Endpoint] {
        [
            Endpoint(.get, "/healthz", .none) { _, _ in
                try JSONResponse.make(.ok, ["status": "ok"] as JSONValue)
            },
            Endpoint(.get, "/readyz", .none) { _, context in
                do {
                    try await store.ping()
                    return try JSONResponse.make(.ok, ["status": "ready"] as JSONValue)
                } catch {
                    context.logger.warning("database not ready")
                    throw Problem(.serviceUnavailable, "the database does not answer")
                }
            },
            Endpoint(.get, "/metrics", .none) { _, _ in
                let text = await configuration.metricsText()
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
            },
            Endpoint(.get, "/v1.0/openapi.json", .none) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"],
                         body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
            },
        ]
    }
}
