import Foundation

/// The OpenAPI 3.1 document of every route (`GET /v1.0/openapi.json`), kept as a file
/// (`Resources/openapi.json`). Tests keep it true: its routes equal the router's, it is a valid
/// OpenAPI document, and what the routes render validates against its schemas.
public enum OpenAPIDocument {
    /// The document's bytes, read once from the bundle.
    public static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url)
        else { fatalError("Resources/openapi.json is missing from the RingbackAPI bundle") }
        return Array(data)
    }()
}
