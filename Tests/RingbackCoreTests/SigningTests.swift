import Foundation
import RingbackCore
import Testing

@Suite struct SigningTests {
    @Test func standardWebhooksKnownAnswer() throws {
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = WebhookSigner.standardSignature(
            secret: secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func oneEntryPerSecretAndEachVerifies() throws {
        let old = WebhookSecret.generate()
        let new = WebhookSecret.generate()
        let body = Array(#"{"a":1}"#.utf8)
        let header = WebhookSigner.standardHeader(secrets: [new, old], id: "evt_1", timestamp: 1700000000, body: body)
        #expect(header.split(separator: " ").count == 2)
        #expect(WebhookSigner.verify(header: header, secret: old, id: "evt_1", timestamp: 1700000000, body: body))
        #expect(WebhookSigner.verify(header: header, secret: new, id: "evt_1", timestamp: 1700000000, body: body))
        #expect(!WebhookSigner.verify(header: header, secret: new, id: "evt_2", timestamp: 1700000000, body: body))
        #expect(!WebhookSigner.verify(header: header, secret: WebhookSecret.generate(), id: "evt_1", timestamp: 1700000000, body: body))
    }

    @Test func voipbinSignatureIsHexHMACOverTheBodyKeyedByTheSecretText() throws {
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        // Computed independently: printf '{"test": 2432232314}' | openssl dgst -sha256 -hmac whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
        #expect(WebhookSigner.voipbinHeader(secret: secret, body: Array(#"{"test": 2432232314}"#.utf8))
            == "sha256=" + VoipbinFixture.expectedHex)
    }

    @Test func secretsAreWhsecBase64Of24To64Bytes() {
        let generated = WebhookSecret.generate()
        #expect(generated.text.hasPrefix("whsec_"))
        #expect(generated.key.count == 32)
        #expect(WebhookSecret.generate() != generated)
        #expect(WebhookSecret("whsec_" + Data(count: 24).base64EncodedString()) != nil)
        #expect(WebhookSecret("whsec_" + Data(count: 64).base64EncodedString()) != nil)
        #expect(WebhookSecret("whsec_" + Data(count: 23).base64EncodedString()) == nil)
        #expect(WebhookSecret("whsec_" + Data(count: 65).base64EncodedString()) == nil)
        #expect(WebhookSecret("secret_" + Data(count: 32).base64EncodedString()) == nil)
        #expect(WebhookSecret("whsec_not base64!") == nil)
    }

    @Test func hexIsLowercaseAndComplete() {
        #expect([0x00, 0x0f, 0xa0, 0xff].hexString == "000fa0ff")
        #expect(CredentialHash.of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// RFC 8032's first test key, and a Standard Webhooks `v1a` signature computed independently
    /// with Python's `cryptography` package for the same id, timestamp and body as the `v1` one.
    @Test func ed25519KnownAnswer() throws {
        let key = try #require(WebhookSecret("whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="))
        #expect(key.scheme == .ed25519)
        #expect(key.publicKey == "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
        let body = Array(#"{"test": 2432232314}"#.utf8)
        #expect(WebhookSigner.standardSignature(secret: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: body)
            == "v1a,fldxM4gAKugP6nnt1hdz3sgGfZ6d99nzrMFnZOELIxbzEHoVmAb2ADpkJK7zgPePmPsle0zV9jSeGlHFG2NVAw==")
        let headers = WebhookSigner.headers(secrets: [key], current: key, id: "evt_1", timestamp: 1, body: body)
        #expect(!headers.contains { $0.name == "X-VoIPBIN-Signature" }, "no shared secret to sign with")
        #expect(key.shown.name == "public_key" && key.shown.value == key.publicKey)
        let generated = WebhookSecret.generate(.ed25519)
        #expect(generated.text.hasPrefix("whsk_") && generated.publicKey?.hasPrefix("whpk_") == true)
        for bad in ["whsk_", "whsk_c2hvcnQ=", "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="] {
            #expect(WebhookSecret(bad) == nil, "\(bad)")
        }
    }
}
