/// Why an attempt failed; `description` is what customers read in `last_error`.
public enum AttemptError: Sendable, Hashable, CustomStringConvertible {
    case status(Int)
    case timeout
    case connectionRefused
    case connectionReset
    case tls(String)
    case blockedPrivateAddress
    case dnsFailure
    case redirect(Int)
    case other(String)

    public var description: String {
        switch self {
        case .status(let code): "status \(code)"
        case .timeout: "timeout"
        case .connectionRefused: "connection refused"
        case .connectionReset: "connection reset"
        case .tls(let detail): "tls error: \(detail)"
        case .blockedPrivateAddress: "blocked: private address"
        case .dnsFailure: "dns lookup failed"
        case .redirect(let code): "status \(code) (redirects are not followed)"
        case .other(let detail): detail
        }
    }
}
