import Foundation
import HTTPTypes
import Hummingbird

/// The customer portal (contract section 17): one static page, its script and its style sheet,
/// served from the binary's bundle. The page calls only the public REST API with the customer's
/// credentials, so it can do nothing the API cannot.
enum Portal {
    /// One file of the page.
    struct Asset: Sendable {
        let contentType: String
        let bytes: [UInt8]
    }

    /// Route path -> file, from `Resources/portal` (compiled in).
    static let assets: [String: Asset] = {
        let files: [(path: String, file: String, contentType: String)] = [
            ("/portal", "index.html", "text/html; charset=utf-8"),
            ("/portal/portal.js", "portal.js", "text/javascript; charset=utf-8"),
            ("/portal/portal.css", "portal.css", "text/css; charset=utf-8"),
        ]
        var assets: [String: Asset] = [:]
        for file in files {
            guard let text = EmbeddedFiles.files["Resources/portal/\(file.file)"] else {
                fatalError("Resources/portal/\(file.file) was not embedded in RingbackAPI")
            }
            assets[file.path] = Asset(contentType: file.contentType, bytes: Array(text.utf8))
        }
        return assets
    }()

    /// What every portal response carries: scripts and styles from this server only (no inline
    /// script, no inline style), requests to this server only, never inside a frame, no referrer;
    /// and Trusted Types required, so the browser itself refuses any markup parsed from a string.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "form-action 'none'; frame-ancestors 'none'; base-uri 'none'; require-trusted-types-for 'script'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
    ]

    /// Adds `GET /portal` (the router takes `/portal/` as the same path) and its two files to `router`.
    static func add(to router: Router<AppContext>) {
        for (path, asset) in assets {
            router.get(RouterPath(path)) { _, _ in response(asset) }
        }
    }

    private static func response(_ asset: Asset) -> Response {
        var headers = securityHeaders
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
