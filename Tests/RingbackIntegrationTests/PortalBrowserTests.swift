import Foundation
import RingbackCore
import RingbackTestSupport
import Synchronization
import Testing

/// The customer portal in a real browser: headless Chromium over WebDriver against a real
/// `ringback serve` and a loopback receiver. Each page is saved as a PNG under
/// `.build/<triple>/debug/portal-screenshots` (the README shows two of them).
@Suite struct PortalBrowserTests {
    /// Where screenshots go: beside the test binary, in the build folder.
    static let screenshots: URL = {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("portal-screenshots")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }()

    /// Whether the receiver has been fixed (call_hangup answers 500 until then).
    final class Fixed: Sendable {
        private let value = Atomic(false)
        var isSet: Bool { value.load(ordering: .relaxed) }
        func set() { value.store(true, ordering: .relaxed) }
    }

    /// Runs `body` with a real server (loopback targets allowed, one quick retry so a refused
    /// delivery fails soon), its address, a customer, and a portal link for that customer.
    static func withServer(_ body: (_ base: String, _ customer: (id: String, key: String), _ link: String) async throws -> Void) async throws {
        let port = try ChildProcess.freePort()
        let server = try ChildProcess(["serve"], environment: IsolationTests.environment(port: port, ["RINGBACK_RETRY_SCHEDULE": "200ms"]),
                                      directory: try ChildProcess.temporaryFolder())
        defer { server.kill(SIGKILL) }
        try await waitUntilHealthy(port: port, child: server)
        let base = "http://127.0.0.1:\(port)"
        let customer = try await createCustomer(base, token: IsolationTests.adminToken, name: "acme")
        let session = try await post(base + "/v1.0/customers/\(customer.id)/portal-sessions", token: IsolationTests.adminToken,
                                     json: "{}", expect: 201)
        try await body(base, customer, try #require(session["url"]?.stringValue))
    }

    @Test func aCustomerManagesAnEndpointFromSignInToDelete() async throws {
        try await Receiver.run { receiver in
            let fixed = Fixed()
            receiver.respond("/hook") { request, _ in
                request.json?["type"] == "call_hangup" && !fixed.isSet ? .status(500, body: #"{"error":"database unavailable"}"#) : .status(200)
            }
            try await Self.withServer { base, customer, link in
                #expect(link.hasPrefix("\(base)/portal#session=rbps_"), "the server's own address, the token in the fragment")
                let folder = Self.screenshots

                try await Browser.run { browser in
                    // Signed in by the link; the token leaves the address bar; the style sheet applies under the CSP.
                    try await browser.open(link)
                    try await browser.waitForText("main h1", containing: "Endpoints")
                    try await browser.element("#no-webhooks")
                    #expect(!(try await browser.url).contains("rbps_"))
                    #expect(try await browser.execute("return getComputedStyle(document.querySelector('.top')).backgroundColor")
                        == "rgb(29, 35, 48)")

                    // A new endpoint: a bad URL is refused next to its field, in the API's words.
                    try await browser.element("#new-webhook").click()
                    try await browser.element("#field-url").type("ftp://example.com/hook")
                    try await browser.element("#field-name").type("<script>alert(1)</script>")
                    try await browser.element("input[name=event_types][value=call_hangup]").click()
                    try await browser.element("input[name=event_types][value='message.*']").click()
                    try await browser.element("#save-webhook").click()
                    let refused = try await send(base + "/v1.0/webhooks", token: customer.key,
                                                 json: #"{"url":"ftp://example.com/hook","event_types":["call_hangup"]}"#)
                    let message = try #require(refused.1["errors"]?[0]?["message"]?.stringValue)
                    try await browser.waitForText("#error-url", containing: message)
                    #expect(try await browser.elements("#error-event_types:not([hidden])").isEmpty)
                    try await browser.screenshot("2-new-endpoint-field-error", into: folder)
                    try await browser.element("#field-url").clear()
                    try await browser.element("#field-url").type(receiver.url("/hook"))
                    try await browser.element("#save-webhook").click()

                    // The hostile name shows as text: no alert, no script element made of it.
                    let title = try await browser.waitForText("#webhook-title", containing: "alert(1)")
                    #expect(title == "<script>alert(1)</script>")
                    #expect(try await browser.alertText() == nil)
                    #expect(try await browser.execute("return document.querySelectorAll('main script').length") == 0)
                    let listed = try await send(base + "/v1.0/webhooks", method: .GET, token: customer.key, json: nil).1
                    let webhook = try #require(listed["result"]?[0])
                    #expect(webhook["event_types"] == ["call_hangup", "message.*"])
                    let id = try #require(webhook["id"]?.stringValue)

                    // A test event, answered 200 by the receiver, shown when it settles.
                    try await browser.element("#send-test").click()
                    try await browser.waitForText("#test-result", containing: "Test delivered: HTTP 200", timeout: .seconds(30))
                    #expect(receiver.received(at: "/hook").contains { $0.json?["type"] == "webhook_test" })

                    // The secret: hidden, revealed, rotated with the 24-hour overlap explained.
                    #expect(try await browser.element("#secret-value").text().hasPrefix("••••"))
                    try await browser.element("#reveal-secret").click()
                    let first = try await browser.waitForText("#secret-value", containing: "whsec_")
                    #expect(try await browser.element("#rotate-explained").text().contains("24 hours"))
                    try await browser.element("#rotate-secret").click()
                    try await browser.element("#confirm-rotate-yes").click()
                    var rotated = ""
                    try await browser.waitFor("a new secret") {
                        rotated = try await browser.element("#secret-value").text()
                        return rotated.hasPrefix("whsec_") && rotated != first
                    }
                    let stored = try await send(base + "/v1.0/webhooks/\(id)/secret", method: .GET, token: customer.key, json: nil).1
                    #expect(stored["secret"]?.stringValue == rotated)

                    // The page again: the test attempt is in the last 24 hours' statistics.
                    try await browser.refresh()
                    try await browser.waitForText("#stats-attempts", containing: "1")
                    try await browser.waitForText("#stats-success", containing: "100.0%")
                    #expect(try await browser.elements("svg.chart rect.ok").count == 1)
                    try await browser.resize(width: 1280, height: 1500)
                    try await browser.screenshot("3-endpoint", into: folder)
                    try await browser.resize(width: 1280, height: 1000)

                    // A call_hangup the receiver refuses fails after its retry; the log finds it by status.
                    let published = try #require(await publishBatch(base, token: IsolationTests.adminToken, customerID: customer.id,
                                                                    type: "call_hangup", resources: ["call-7"]))
                    try await eventually {
                        let failed = try await send(base + "/v1.0/webhooks/\(id)/deliveries?status=failed", method: .GET,
                                                    token: customer.key, json: nil).1
                        return failed["result"]?[0]?["event_id"] == published[0]["id"]
                    }
                    try await browser.element("#filter-status option[value=failed]").click()
                    try await browser.element("#apply-filters").click()
                    try await browser.waitFor("one failed call_hangup in the log") {
                        let rows = try await browser.elements("#deliveries tbody tr")
                        guard rows.count == 1 else { return false }
                        return try await rows[0].text().contains("call_hangup")
                    }
                    try await browser.screenshot("4-delivery-log", into: folder)
                    try await browser.element("#deliveries a.delivery-link").click()
                    try await browser.waitForText("#delivery-status", containing: "failed")
                    let attempts = try await browser.waitForText("#attempts", containing: "500")
                    #expect(attempts.contains("status"), "the error names the status")
                    try await browser.waitForText("#event-body", containing: "call-7")
                    try await browser.screenshot("5-failed-delivery", into: folder)

                    // The receiver is fixed; one retry from the page delivers it.
                    fixed.set()
                    try await browser.element("#retry-delivery").click()
                    try await browser.waitForText("#delivery-status", containing: "succeeded", timeout: .seconds(30))

                    // The event catalog, each type with its example.
                    try await browser.element("#nav-catalog").click()
                    try await browser.waitForText("main h1", containing: "Event catalog")
                    try await browser.waitForText("#catalog-call", containing: "call_hangup")
                    #expect(try await browser.elements("details.event-type pre").count >= 60)
                    try await browser.screenshot("6-event-catalog", into: folder)

                    // The list shows the last delivery; delete asks first.
                    try await browser.element("#nav-webhooks").click()
                    try await browser.waitForText("#webhooks", containing: "succeeded")
                    try await browser.screenshot("1-endpoints", into: folder)
                    // On a phone's width the table becomes one column.
                    try await browser.resize(width: 390, height: 844)
                    try await browser.waitFor("one column") {
                        try await browser.execute("return getComputedStyle(document.querySelector('#webhooks td')).display") == "block"
                    }
                    try await browser.screenshot("7-endpoints-phone", into: folder)
                    try await browser.resize(width: 1280, height: 1000)
                    try await browser.element("a.webhook-link").click()
                    try await browser.element("#delete-webhook").click()
                    try await browser.element("#confirm-delete-yes").click()
                    try await browser.element("#no-webhooks")
                    let after = try await send(base + "/v1.0/webhooks", method: .GET, token: customer.key, json: nil).1
                    #expect(after["result"] == [])
                }
            }
        }
    }

    @Test func aBadLinkSaysSoAndAnAccessKeySignsIn() async throws {
        try await Self.withServer { base, customer, link in
            try await Browser.run { browser in
                try await browser.open("\(base)/portal#session=rbps_0000000000000000")
                try await browser.waitForText("#sign-in-message", containing: "expired or is not valid")
                try await browser.screenshot("0-sign-in-bad-link", into: Self.screenshots)

                try await browser.element("#access-key").type("rbk_wrong")
                try await browser.element("#sign-in-form button").click()
                try await browser.waitForText("#sign-in-message", containing: "That access key was refused")

                try await browser.element("#access-key").type(customer.key)
                try await browser.element("#sign-in-form button").click()
                try await browser.waitForText("main h1", containing: "Endpoints")

                // A link of a customer that was deleted no longer opens anything.
                #expect(try await send(base + "/v1.0/customers/\(customer.id)", method: .DELETE, token: IsolationTests.adminToken,
                                       json: nil).0 == 200)
                try await browser.element("#sign-out").click()
                try await browser.open(link)
                try await browser.waitForText("#sign-in-message", containing: "expired or is not valid")
            }
        }
    }
}

extension JSONValue {
    /// The element at `index` when this is an array.
    fileprivate subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
