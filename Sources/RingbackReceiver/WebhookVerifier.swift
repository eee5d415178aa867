import Crypto
import Foundation

/// Verifies that a request is a delivery from Ringback: the Standard Webhooks headers
/// (`webhook-id`, `webhook-timestamp`, `webhook-signature`) against one or more secrets, or
/// `X-VoIPBIN-Signature`. Comparisons are constant-time (swift-crypto's MAC check).
///
///     let verifier = try WebhookVerifier(secrets: ["whsec_..."])
///     let delivery = try verifier.verify(headers: ["webhook-id": ..., ...], body: body)
public struct WebhookVerifier: Sendable {
    /// Why a request is not a verified delivery.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case missingHeader(String)
        case malformedTimestamp
        /// The timestamp is further from now than the tolerance (a replay, or a wrong clock).
        case timestampOutsideTolerance
        case noValidSignature
        case invalidSecret

        public var description: String {
            switch self {
            case .missingHeader(let name): "the \(name) header is missing"
            case .malformedTimestamp: "webhook-timestamp is not a number of seconds"
            case .timestampOutsideTolerance: "webhook-timestamp is too far from now"
            case .noValidSignature: "no signature matches a secret"
            case .invalidSecret: "a secret is not whsec_ and base64 of 24 to 64 bytes, nor whpk_ and a 32-byte Ed25519 public key"
            }
        }
    }

    /// A request that verified.
    public struct Verified: Sendable, Hashable {
        /// The event's id: the same on every attempt, so duplicates can be dropped by it.
        public let id: String
        public let timestamp: Date
    }

    let secrets: [(text: String, key: SymmetricKey)]
    let publicKeys: [Curve25519.Signing.PublicKey]
    public let tolerance: Duration

    /// `secrets`: every key that may sign (several during a rotation): HMAC secrets `whsec_...`
    /// (`v1` signatures) and Ed25519 public keys `whpk_...` (`v1a` signatures).
    public init(secrets: [String], tolerance: Duration = .seconds(300)) throws {
        var symmetric: [(text: String, key: SymmetricKey)] = []
        var publicKeys: [Curve25519.Signing.PublicKey] = []
        for text in secrets {
            if text.hasPrefix("whpk_") {
                guard let raw = Data(base64Encoded: String(text.dropFirst(5))), raw.count == 32,
                      let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
                else { throw Failure.invalidSecret }
                publicKeys.append(key)
            } else {
                guard text.hasPrefix("whsec_"), let key = Data(base64Encoded: String(text.dropFirst(6))), (24...64).contains(key.count)
                else { throw Failure.invalidSecret }
                symmetric.append((text, SymmetricKey(data: key)))
            }
        }
        self.secrets = symmetric
        self.publicKeys = publicKeys
        self.tolerance = tolerance
    }

    /// Verifies the Standard Webhooks headers of a request (names in any case).
    public func verify(headers: [String: String], body: some DataProtocol, now: Date = Date()) throws -> Verified {
        let lowered = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        return try verify(id: lowered["webhook-id"], timestamp: lowered["webhook-timestamp"],
                          signature: lowered["webhook-signature"], body: body, now: now)
    }

    /// Verifies the three Standard Webhooks header values.
    public func verify(id: String?, timestamp: String?, signature: String?, body: some DataProtocol,
                       now: Date = Date()) throws -> Verified {
        guard let id else { throw Failure.missingHeader("webhook-id") }
        guard let timestamp else { throw Failure.missingHeader("webhook-timestamp") }
        guard let signature else { throw Failure.missingHeader("webhook-signature") }
        guard let seconds = Int64(timestamp.trimmingCharacters(in: .whitespaces)) else { throw Failure.malformedTimestamp }
        let sent = Date(timeIntervalSince1970: TimeInterval(seconds))
        let limit = Double(tolerance.components.seconds)
        guard abs(sent.timeIntervalSince(now)) <= limit else { throw Failure.timestampOutsideTolerance }
        var message = Data()
        message.append(contentsOf: Array(id.utf8))
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: Array(String(seconds).utf8))
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: body)
        for entry in signature.split(separator: " ") {
            if entry.hasPrefix("v1a,"), let signature = Data(base64Encoded: String(entry.dropFirst(4))) {
                for key in publicKeys where key.isValidSignature(signature, for: message) {
                    return Verified(id: id, timestamp: sent)
                }
                continue
            }
            guard entry.hasPrefix("v1,"), let mac = Data(base64Encoded: String(entry.dropFirst(3))) else { continue }
            for secret in secrets where HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: secret.key) {
                return Verified(id: id, timestamp: sent)
            }
        }
        throw Failure.noValidSignature
    }

    /// Verifies `X-VoIPBIN-Signature` (`sha256=<hex>`, over the body alone) against any secret.
    public func verifyVoipbin(signature: String?, body: some DataProtocol) throws {
        guard let signature else { throw Failure.missingHeader("X-VoIPBIN-Signature") }
        guard signature.hasPrefix("sha256="), let mac = Self.bytes(hex: signature.dropFirst(7)) else {
            throw Failure.noValidSignature
        }
        for secret in secrets
        where HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: SymmetricKey(data: Array(secret.text.utf8))) {
            return
        }
        throw Failure.noValidSignature
    }

    static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var high: UInt8?
        for character in hex.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }
}
