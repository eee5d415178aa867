// A complete receiver of Ringback webhooks, with RingbackReceiver and its Hummingbird middleware:
// verifies each delivery, drops duplicates, and prints what it got.
//
//     RINGBACK_WEBHOOK_SECRET=whsec_... swift run receiver-example 3000
//     ringback listen --accesskey rbk_... --forward-to http://localhost:3000/hook --secret whsec_...
import Foundation
import Hummingbird
import RingbackReceiver
import RingbackReceiverHummingbird

/// One line on stdout, written at once (also when stdout is a file or a pipe).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 3000
guard let secret = ProcessInfo.processInfo.environment["RINGBACK_WEBHOOK_SECRET"] else {
    FileHandle.standardError.write(Data("receiver-example: set RINGBACK_WEBHOOK_SECRET to the webhook's whsec_ secret\n".utf8))
    exit(64)
}
let verifier = try WebhookVerifier(secrets: [secret])
let seen = InMemoryWebhookIDStore()

let router = Router()
router.group("hook")
    .add(middleware: WebhookVerificationMiddleware(verifier: verifier))
    .post { request, _ -> HTTPResponse.Status in
        let body = try await request.body.collect(upTo: 5 << 20)
        let event = try WebhookEvent(body: body.readableBytesView)
        // Retries can deliver an event twice: handle each webhook-id once.
        guard try await seen.insertIfAbsent(event.id) else { return .noContent }
        switch try event.resource {
        case .call(let call):
            say("\(event.type): call \(call.id) \(call.direction) \(call.status)")
        case .message(let message):
            say("\(event.type): message \(message.id) to \(message.targets.count) targets")
        default:
            say("\(event.type) (\(event.resourceType))")
        }
        return .noContent
    }

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
