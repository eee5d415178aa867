import Crypto
import Foundation

/// A signing secret: `whsec_` + base64 of 24 to 64 random bytes.
public struct WebhookSecret: Sendable, Hashable {
    public static let prefix = "whsec_"

    /// The secret as customers see it, `whsec_...`.
    public let text: String
    /// The decoded key bytes (HMAC key of the Standard Webhooks signature).
    public let key: [UInt8]

    /// Parses a secret; nil unless it is `whsec_` + base64 of 24 to 64 bytes.
    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix),
              let data = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))),
              (24...64).contains(data.count)
        else { return nil }
        self.text = text
        self.key = Array(data)
    }

    /// A new secret of 32 bytes from the system's secure generator.
    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return WebhookSecret("\(prefix)\(Data(bytes).base64EncodedString())")!
    }
}

/// Credentials (access keys, the admin token) are kept only as SHA-256 hashes.
public enum CredentialHash {
    /// SHA-256 of the token, in hex.
    public static func of(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).hexString
    }

    /// A new random token with a recognisable prefix (`rbk_...`).
    public static func newToken(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + bytes.hexString
    }
}
