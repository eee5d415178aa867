import Foundation

/// The OpenAPI 3.1 document of every route (`GET /v1.0/openapi.json`), kept as a file
/// (`Resources/openapi.json`). Tests keep it true: its routes equal the router's, it is a valid
/// OpenAPI document, and what the routes render validates against its schemas.
public enum OpenAPIDocument {
    /// The document's bytes (the file is compiled in).
    public static let bytes: [UInt8] = {
        guard let text = EmbeddedFiles.files["Resources/openapi.json"] else {
            fatalError("Resources/openapi.json was not embedded in RingbackAPI")
        }
        return Array(text.utf8)
    }()
}
