import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PropertyBased
import RingbackCore
import RingbackReceiver
import RingbackReceiverHummingbird
import Testing

/// The receivers' library: what Ringback signs verifies, anything else does not; every catalog
/// shape decodes into its type; duplicates are dropped.
@Suite struct ReceiverTests {
    static let known = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test func theStandardWebhooksKnownAnswerVerifies() throws {
        let verifier = try WebhookVerifier(secrets: [Self.known])
        let now = Date(timeIntervalSince1970: 1614265330)
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let verified = try verifier.verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                                           signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body: body, now: now)
        #expect(verified.id == "msg_p5jXN8AQM9LWM0D4loKWxJek")
        #expect(throws: WebhookVerifier.Failure.noValidSignature) {
            try verifier.verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                                signature: "v1,h0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body: body, now: now)
        }
    }

    /// Headers as Ringback's sender makes them, for `secrets`, at `now`.
    static func signed(_ body: [UInt8], id: String, secrets: [WebhookSecret], at now: Date) -> [String: String] {
        Dictionary(uniqueKeysWithValues: WebhookSigner.headers(secrets: secrets, current: secrets[0], id: id,
                                                               timestamp: Int64(now.timeIntervalSince1970), body: body)
            .map { ($0.name, $0.value) })
    }

    @Test func whatRingbackSignsVerifiesDuringARotationAndTamperingIsCaught() throws {
        let old = WebhookSecret.generate()
        let new = WebhookSecret.generate()
        let now = Date()
        let body = Array(#"{"id":"evt_1","type":"call_hangup","resource_type":"call","timestamp":"t","data":{"id":"c"}}"#.utf8)
        let headers = Self.signed(body, id: "evt_1", secrets: [new, old], at: now)
        for secrets in [[old.text], [new.text], [WebhookSecret.generate().text, old.text]] {
            #expect(try WebhookVerifier(secrets: secrets).verify(headers: headers, body: body, now: now).id == "evt_1")
        }
        let verifier = try WebhookVerifier(secrets: [new.text])
        try verifier.verifyVoipbin(signature: headers["X-VoIPBIN-Signature"], body: body)
        #expect(throws: WebhookVerifier.Failure.noValidSignature) {
            try WebhookVerifier(secrets: [WebhookSecret.generate().text]).verify(headers: headers, body: body, now: now)
        }
        var changed = headers
        changed["webhook-id"] = "evt_2"
        #expect(throws: WebhookVerifier.Failure.noValidSignature) { try verifier.verify(headers: changed, body: body, now: now) }
        changed = headers
        changed["webhook-timestamp"] = String(Int(now.timeIntervalSince1970) + 1)
        #expect(throws: WebhookVerifier.Failure.noValidSignature) { try verifier.verify(headers: changed, body: body, now: now) }
        #expect(throws: WebhookVerifier.Failure.noValidSignature) {
            try verifier.verify(headers: headers, body: body + [UInt8(ascii: " ")], now: now)
        }
        #expect(throws: WebhookVerifier.Failure.noValidSignature) {
            try verifier.verifyVoipbin(signature: headers["X-VoIPBIN-Signature"], body: body.dropLast())
        }
        // Old and future timestamps, beyond the five minutes.
        #expect(throws: WebhookVerifier.Failure.timestampOutsideTolerance) {
            try verifier.verify(headers: headers, body: body, now: now.addingTimeInterval(301))
        }
        #expect(throws: WebhookVerifier.Failure.timestampOutsideTolerance) {
            try verifier.verify(headers: headers, body: body, now: now.addingTimeInterval(-301))
        }
        #expect(try verifier.verify(headers: headers, body: body, now: now.addingTimeInterval(299)).id == "evt_1")
        for (name, failure) in [("webhook-id", WebhookVerifier.Failure.missingHeader("webhook-id")),
                                ("webhook-timestamp", .missingHeader("webhook-timestamp")),
                                ("webhook-signature", .missingHeader("webhook-signature"))] {
            var missing = headers
            missing[name] = nil
            #expect(throws: failure) { try verifier.verify(headers: missing, body: body, now: now) }
        }
        changed = headers
        changed["webhook-timestamp"] = "soon"
        #expect(throws: WebhookVerifier.Failure.malformedTimestamp) { try verifier.verify(headers: changed, body: body, now: now) }
        for bad in ["hunter2", "whsec_", "whsec_c2hvcnQ=", "whsec_!!!"] {
            #expect(throws: WebhookVerifier.Failure.invalidSecret) { try WebhookVerifier(secrets: [bad]) }
        }
    }

    @Test func ed25519SignaturesVerifyWithThePublicKeyDuringARotation() throws {
        let old = WebhookSecret.generate(.ed25519)
        let new = WebhookSecret.generate(.ed25519)
        let now = Date()
        let body = Array(#"{"id":"evt_2"}"#.utf8)
        let headers = Self.signed(body, id: "evt_2", secrets: [new, old], at: now)
        #expect(headers["webhook-signature"]?.split(separator: " ").allSatisfy { $0.hasPrefix("v1a,") } == true)
        #expect(headers["X-VoIPBIN-Signature"] == nil)
        for key in [old, new] {
            let verifier = try WebhookVerifier(secrets: [try #require(key.publicKey)])
            #expect(try verifier.verify(headers: headers, body: body, now: now).id == "evt_2")
            #expect(throws: WebhookVerifier.Failure.noValidSignature) {
                try verifier.verify(headers: headers, body: body + [32], now: now)
            }
        }
        #expect(throws: WebhookVerifier.Failure.noValidSignature) {
            try WebhookVerifier(secrets: [try #require(WebhookSecret.generate(.ed25519).publicKey)])
                .verify(headers: headers, body: body, now: now)
        }
        #expect(throws: WebhookVerifier.Failure.invalidSecret) { try WebhookVerifier(secrets: ["whpk_c2hvcnQ="]) }
    }

    @Test func anyChangedByteOrHeaderValueFailsAndNothingCrashes() async throws {
        let secret = WebhookSecret.generate()
        let verifier = try WebhookVerifier(secrets: [secret.text])
        let now = Date()
        let bodies = Gen<UInt8>.value(in: 0...255).array(of: 1...200)
        let positions = Gen<Int>.value(in: 0...199)
        let noise = Gen<UInt8>.value(in: 0...255).array(of: 0...90).map { String(decoding: $0, as: UTF8.self) }
        await propertyCheck(count: 1000, input: bodies, positions, noise) { body, position, noise in
            let headers = Self.signed(body, id: "evt_x", secrets: [secret], at: now)
            #expect(throws: Never.self) { try verifier.verify(headers: headers, body: body, now: now) }
            var tampered = body
            tampered[position % body.count] ^= 0x01
            #expect(throws: WebhookVerifier.Failure.self) { try verifier.verify(headers: headers, body: tampered, now: now) }
            // Hostile header values are refused, never a crash.
            var hostile = headers
            hostile["webhook-signature"] = noise
            #expect(throws: WebhookVerifier.Failure.self) { try verifier.verify(headers: hostile, body: body, now: now) }
            hostile = headers
            hostile["webhook-timestamp"] = noise
            #expect(throws: WebhookVerifier.Failure.self) { try verifier.verify(headers: hostile, body: body, now: now) }
            #expect(throws: WebhookVerifier.Failure.self) { try verifier.verifyVoipbin(signature: "sha256=" + noise, body: body) }
        }
    }

    /// Every catalog example and thousands of simulated events decode into their typed resource.
    @Test func everyShapeOfTheCatalogDecodesIntoItsType() throws {
        var simulator = Simulator(seed: 3, customerID: UUID(), start: 1_796_000_000_000)
        var events: [(type: String, data: JSONValue)] = EventSchemas.bundled.entries.values.map { ($0.name, $0.example) }
        simulator.run(.all, count: 300) { group, _ in events += group.map { ($0.type, $0.data) } }
        #expect(events.count > 2_000)
        for (type, data) in events {
            let resourceType = EventCatalog.eventType(named: type)?.resourceType ?? "webhook"
            let body = JSONValue.object([JSONMember("id", .string("evt_1")), JSONMember("type", .string(type)),
                                         JSONMember("resource_type", .string(resourceType)),
                                         JSONMember("timestamp", .string("2026-12-01T00:00:00.000Z")), JSONMember("data", data)])
            let event = try WebhookEvent(body: body.serialized())
            let resource = try event.resource
            if case .other = resource { Issue.record("\(type) decoded as other") }
            #expect(event.data["id"]?.string == data["id"]?.stringValue)
        }
    }

    @Test func duplicatesAreDroppedAndTheStoreIsBounded() async throws {
        let store = InMemoryWebhookIDStore(capacity: 3)
        #expect(try await store.insertIfAbsent("a"))
        #expect(try await !store.insertIfAbsent("a"))
        for id in ["b", "c", "d"] { #expect(try await store.insertIfAbsent(id)) }
        #expect(try await store.insertIfAbsent("a"), "the oldest was forgotten to make room")
        #expect(try await !store.insertIfAbsent("d"))
    }

    @Test func theMiddlewareLetsThroughOnlyVerifiedDeliveries() async throws {
        let secret = WebhookSecret.generate()
        let router = Router()
        router.group("hook").add(middleware: WebhookVerificationMiddleware(verifier: try WebhookVerifier(secrets: [secret.text])))
            .post { request, _ -> String in
                let body = try await request.body.collect(upTo: 1 << 20)
                return try WebhookEvent(body: body.readableBytesView).type
            }
        let body = Array(#"{"id":"evt_9","type":"message_created","resource_type":"message","timestamp":"t","data":{"id":"m"}}"#.utf8)
        let headers = Self.signed(body, id: "evt_9", secrets: [secret], at: Date())
        var signedFields = HTTPFields()
        for (name, value) in headers { signedFields[HTTPField.Name(name)!] = value }
        let fields = signedFields
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/hook", method: .post, headers: fields, body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "message_created")
            }
            try await client.execute(uri: "/hook", method: .post, headers: fields, body: ByteBuffer(bytes: body + [32])) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("no signature matches"))
            }
            try await client.execute(uri: "/hook", method: .post, body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}
