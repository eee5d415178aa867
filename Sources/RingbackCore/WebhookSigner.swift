import Crypto
import Foundation

/// Signs delivery bodies: Standard Webhooks `webhook-signature` and VoIPBIN's `X-VoIPBIN-Signature`.
public enum WebhookSigner {
    /// One `v1,<base64>` entry: HMAC-SHA256 over `<id>.<timestamp>.<body>` keyed by the secret's bytes.
    /// With an Ed25519 key, one `v1a,<base64>` entry: its signature over the same message.
    public static func standardSignature(secret: WebhookSecret, id: String, timestamp: Int64, body: [UInt8]) -> String {
        var message: [UInt8] = []
        message.reserveCapacity(id.utf8.count + body.count + 24)
        message.append(contentsOf: id.utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: String(timestamp).utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: body)
        if secret.scheme == .ed25519 {
            // A key that parsed has 32 bytes, so this cannot fail; an empty entry would verify nothing.
            guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: secret.key),
                  let signature = try? key.signature(for: message) else { return "v1a," }
            return "v1a," + signature.base64EncodedString()
        }
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret.key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The `webhook-signature` header: one entry per valid secret, space-separated.
    public static func standardHeader(secrets: [WebhookSecret], id: String, timestamp: Int64, body: [UInt8]) -> String {
        secrets.map { standardSignature(secret: $0, id: id, timestamp: timestamp, body: body) }
            .joined(separator: " ")
    }

    /// `sha256=<hex>`: HMAC-SHA256 over the body alone, keyed by the secret string's UTF-8 bytes.
    public static func voipbinHeader(secret: WebhookSecret, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.text.utf8)))
        return "sha256=" + mac.hexString
    }

    /// The headers that identify and sign a delivery: `webhook-id` (the event's id, which
    /// receivers de-duplicate by), `webhook-timestamp` (seconds), `webhook-signature` (one entry
    /// per secret in `secrets`) and `X-VoIPBIN-Signature` (with `current`; HMAC secrets only:
    /// an Ed25519 webhook has no shared secret to sign with).
    public static func headers(secrets: [WebhookSecret], current: WebhookSecret, id: String, timestamp: Int64,
                               body: [UInt8]) -> [(name: String, value: String)] {
        var headers = [("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                       ("webhook-signature", standardHeader(secrets: secrets, id: id, timestamp: timestamp, body: body))]
        if current.scheme == .hmacSHA256 { headers.append(("X-VoIPBIN-Signature", voipbinHeader(secret: current, body: body))) }
        return headers
    }

    /// Verifies a `webhook-signature` header as a receiver would (any entry may match).
    public static func verify(header: String, secret: WebhookSecret, id: String, timestamp: Int64, body: [UInt8]) -> Bool {
        let expected = standardSignature(secret: secret, id: id, timestamp: timestamp, body: body)
        return header.split(separator: " ").contains { $0 == expected }
    }
}
