/// The stable code of a failed attempt (contract section 13): what a program matches on.
public enum AttemptErrorCode: String, Sendable, Hashable, CaseIterable, Codable {
    case timeout
    case dns
    case connectionRefused = "connection_refused"
    case connectionReset = "connection_reset"
    case tls
    case blocked
    case status
    case redirect
    case invalidResponse = "invalid_response"
}

/// Why an attempt failed: a stable `code`, and a `description` that customers read in
/// `last_error` (it contains `timeout` for a timeout and starts with `blocked` for a refused
/// target).
public struct AttemptError: Error, Sendable, Hashable, CustomStringConvertible {
    public let code: AttemptErrorCode
    public let description: String

    /// An error as stored: its code and its text.
    public init(code: AttemptErrorCode, description: String) {
        self.code = code
        self.description = description
    }

    /// The whole attempt (lookup, connect, TLS, request, answer) did not finish in time.
    public static func timeout(_ phase: String? = nil) -> AttemptError {
        AttemptError(code: .timeout, description: phase.map { "timeout \($0)" } ?? "timeout")
    }

    public static let dnsFailure = AttemptError(code: .dns, description: "dns lookup failed")
    public static let connectionRefused = AttemptError(code: .connectionRefused, description: "connection refused")
    public static let connectionReset = AttemptError(code: .connectionReset, description: "connection reset")
    public static let blockedPrivateAddress = AttemptError(code: .blocked, description: "blocked: private address")
    public static let blockedUnpinnedHost = AttemptError(
        code: .blocked, description: "blocked: the host to connect to is not the host that was checked")

    public static func connectFailed(_ detail: String) -> AttemptError {
        AttemptError(code: .connectionRefused, description: "connection failed: " + StorableText.clip(detail, 200))
    }

    public static func tls(_ detail: String) -> AttemptError {
        AttemptError(code: .tls, description: "tls error: " + StorableText.clip(detail, 200))
    }

    public static func status(_ code: Int) -> AttemptError {
        AttemptError(code: .status, description: "status \(code)")
    }

    public static func redirect(_ code: Int) -> AttemptError {
        AttemptError(code: .redirect, description: "status \(code) (redirects are not followed)")
    }

    public static func invalidResponse(_ detail: String) -> AttemptError {
        AttemptError(code: .invalidResponse, description: "invalid response: " + StorableText.clip(detail, 200))
    }
}
