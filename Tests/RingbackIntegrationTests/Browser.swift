import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RingbackCore
import RingbackTestSupport
import Testing

/// A headless Chromium (Debian's `chromium`) driven over W3C WebDriver by `chromedriver`: plain
/// HTTP and JSON, so AsyncHTTPClient is the whole client.
struct Browser: Sendable {
    static let chromedriver = "/usr/bin/chromedriver"
    static let chromium = "/usr/bin/chromium"
    /// The key of an element reference in WebDriver answers.
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// One element of the page.
    struct Element: Sendable {
        let id: String
        let browser: Browser

        func click() async throws { _ = try await browser.call(.POST, "/element/\(id)/click", [:]) }
        func type(_ text: String) async throws { _ = try await browser.call(.POST, "/element/\(id)/value", ["text": .string(text)]) }
        func clear() async throws { _ = try await browser.call(.POST, "/element/\(id)/clear", [:]) }
        /// The rendered text.
        func text() async throws -> String { try await browser.call(.GET, "/element/\(id)/text").stringValue ?? "" }
        func property(_ name: String) async throws -> JSONValue { try await browser.call(.GET, "/element/\(id)/property/\(name)") }
    }

    /// `http://127.0.0.1:PORT/session/ID`.
    let session: String

    /// Starts chromedriver and a browser for `body`, and ends both afterwards.
    static func run<T: Sendable>(_ body: (Browser) async throws -> T) async throws -> T {
        try #require(FileManager.default.isExecutableFile(atPath: chromedriver) && FileManager.default.isExecutableFile(atPath: chromium),
                     "the browser tests need Debian's chromium and chromium-driver: scripts/test installs them")
        let port = try ChildProcess.freePort()
        let devNull = Glibc.open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        let driver = try SpawnedProcess(executable: chromedriver, arguments: ["--port=\(port)"],
                                        environment: ProcessInfo.processInfo.environment, stdout: devNull, stderr: devNull,
                                        onExit: { _ in })
        // The group: chromedriver and the Chromium it started, even when the session's end failed.
        defer { driver.sendToGroup(SIGKILL) }
        let root = "http://127.0.0.1:\(port)"
        try await eventually { (try? await Self.request(.GET, root + "/status", nil))?["value"]?["ready"] == .bool(true) }
        let capabilities: JSONValue = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": [
                "binary": .string(chromium),
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000",
                         "--lang=en-US"],
            ],
        ]]]
        let created = try await request(.POST, root + "/session", capabilities)
        let id = try #require(created["value"]?["sessionId"]?.stringValue, "no WebDriver session: \(created)")
        let browser = Browser(session: "\(root)/session/\(id)")
        do {
            let result = try await body(browser)
            _ = try? await request(.DELETE, browser.session, nil)
            return result
        } catch {
            _ = try? await request(.DELETE, browser.session, nil)
            throw error
        }
    }

    func open(_ url: String) async throws { _ = try await call(.POST, "/url", ["url": .string(url)]) }

    /// Sets the window's size (a taller one shows a whole page in one screenshot).
    func resize(width: Int, height: Int) async throws {
        _ = try await call(.POST, "/window/rect", ["width": JSONValue(integerLiteral: width), "height": JSONValue(integerLiteral: height)])
    }

    /// Loads the page again.
    func refresh() async throws { _ = try await call(.POST, "/refresh", [:]) }

    var url: String { get async throws { try await call(.GET, "/url").stringValue ?? "" } }

    /// The first element matching a CSS selector, once there is one (at most `timeout`).
    func element(_ selector: String, timeout: Duration = .seconds(15), sourceLocation: SourceLocation = #_sourceLocation) async throws -> Element {
        var found: Element?
        try await waitFor("an element \(selector)", timeout: timeout, sourceLocation: sourceLocation) {
            found = try await elements(selector).first
            return found != nil
        }
        return found!
    }

    func elements(_ selector: String) async throws -> [Element] {
        let answer = try await call(.POST, "/elements", ["using": "css selector", "value": .string(selector)])
        guard case .array(let items) = answer else { return [] }
        return items.compactMap { $0[Self.elementKey]?.stringValue }.map { Element(id: $0, browser: self) }
    }

    /// Waits until `selector`'s text contains `text`; answers the whole text.
    @discardableResult
    func waitForText(_ selector: String, containing text: String, timeout: Duration = .seconds(15),
                     sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        var seen = ""
        try await waitFor("\(selector) to show \"\(text)\"", timeout: timeout, sourceLocation: sourceLocation) {
            guard let element = try await elements(selector).first else { return false }
            seen = (try? await element.text()) ?? ""
            return seen.contains(text)
        }
        return seen
    }

    /// Runs a script in the page (its `return` value answered).
    func execute(_ script: String, _ arguments: [JSONValue] = []) async throws -> JSONValue {
        try await call(.POST, "/execute/sync", ["script": .string(script), "args": .array(arguments)])
    }

    /// The text of an open alert, or nil when none is open.
    func alertText() async throws -> String? {
        let answer = try await Self.request(.GET, session + "/alert/text", nil)
        return answer["value"]?["error"] == nil ? answer["value"]?.stringValue : nil
    }

    /// Saves a PNG of the viewport as `folder/name.png`.
    func screenshot(_ name: String, into folder: URL) async throws {
        let encoded = try #require(try await call(.GET, "/screenshot").stringValue)
        let data = try #require(Data(base64Encoded: encoded))
        try data.write(to: folder.appendingPathComponent("\(name).png"))
    }

    /// Polls `condition` every 100 ms until it holds (an element replaced meanwhile counts as not
    /// yet); records an issue and throws past `timeout`.
    func waitFor(_ what: String, timeout: Duration = .seconds(15), sourceLocation: SourceLocation = #_sourceLocation,
                 _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        // An element the page replaced while it was looked at: look again.
        func holds() async throws -> Bool {
            do { return try await condition() } catch let failure as Failure where failure.description.contains("stale element") { return false }
        }
        while try await !holds() {
            guard ContinuousClock.now < deadline else {
                let page = (try? await execute("return document.getElementById('main').innerText").stringValue) ?? "?"
                Issue.record("waited \(timeout) for \(what); the page shows: \(page.prefix(1500))", sourceLocation: sourceLocation)
                throw Failure(description: "timed out waiting for \(what)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// A command of this session; answers its `value`, or throws its error.
    @discardableResult
    func call(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        // Only POST has a body (`nil` here would be JSON null: JSONValue takes nil literals).
        let payload: JSONValue? = method == .POST ? (body ?? [:]) : Optional.none
        let answer = try await Self.request(method, session + path, payload)
        if let error = answer["value"]?["error"]?.stringValue {
            throw Failure(description: "\(method) \(path): \(error): \(answer["value"]?["message"]?.stringValue ?? "")")
        }
        return answer["value"] ?? .null
    }

    static func request(_ method: HTTPMethod, _ url: String, _ body: JSONValue?) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.serialized()))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (try? JSONParser.parse(Array(bytes.readableBytesView))) ?? .null
    }
}
