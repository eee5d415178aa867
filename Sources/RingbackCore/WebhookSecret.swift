import Crypto
import Foundation

/// A webhook's signing key: an HMAC-SHA256 secret (`whsec_` + base64 of 24 to 64 random
/// bytes; Standard Webhooks `v1` signatures) or an Ed25519 private key (`whsk_` + base64 of its
/// 32-byte seed; `v1a` signatures, verified with the public key `whpk_` + base64 of 32 bytes).
public struct WebhookSecret: Sendable, Hashable {
    /// How deliveries are signed (`signature_scheme`).
    public enum Scheme: String, Sendable, Hashable, CaseIterable {
        case hmacSHA256 = "hmac_sha256"
        case ed25519

        /// The prefix of this scheme's secrets.
        public var prefix: String { self == .hmacSHA256 ? WebhookSecret.prefix : WebhookSecret.privateKeyPrefix }

        /// What a secret of this scheme looks like, for error messages.
        public var shape: String {
            self == .hmacSHA256 ? "whsec_ followed by base64 of 24 to 64 bytes" : "whsk_ followed by base64 of a 32-byte Ed25519 key"
        }
    }

    public static let prefix = "whsec_"
    public static let privateKeyPrefix = "whsk_"
    public static let publicKeyPrefix = "whpk_"

    /// The secret as stored, `whsec_...` or `whsk_...` (a `whsk_` key never leaves Ringback).
    public let text: String
    /// The decoded bytes: the HMAC key, or the Ed25519 seed.
    public let key: [UInt8]
    public let scheme: Scheme

    /// Parses a secret of either scheme; nil unless it has one's prefix and size.
    public init?(_ text: String) {
        if text.hasPrefix(Self.prefix) {
            guard let data = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))), (24...64).contains(data.count)
            else { return nil }
            scheme = .hmacSHA256
            key = Array(data)
        } else if text.hasPrefix(Self.privateKeyPrefix) {
            guard let data = Data(base64Encoded: String(text.dropFirst(Self.privateKeyPrefix.count))), data.count == 32
            else { return nil }
            scheme = .ed25519
            key = Array(data)
        } else {
            return nil
        }
        self.text = text
    }

    /// A new secret of 32 bytes (or a new Ed25519 key) from the system's secure generator.
    public static func generate(_ scheme: Scheme = .hmacSHA256) -> WebhookSecret {
        switch scheme {
        case .hmacSHA256:
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            return WebhookSecret("\(prefix)\(Data(bytes).base64EncodedString())")!
        case .ed25519:
            let key = Curve25519.Signing.PrivateKey()
            return WebhookSecret("\(privateKeyPrefix)\(key.rawRepresentation.base64EncodedString())")!
        }
    }

    /// An Ed25519 key's public half, `whpk_...`; nil for an HMAC secret.
    public var publicKey: String? {
        guard scheme == .ed25519, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: key) else { return nil }
        return Self.publicKeyPrefix + key.publicKey.rawRepresentation.base64EncodedString()
    }

    /// What may be shown of it: the HMAC secret itself, or the Ed25519 public key.
    public var shown: (name: String, value: String) {
        scheme == .hmacSHA256 ? ("secret", text) : ("public_key", publicKey ?? "")
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
