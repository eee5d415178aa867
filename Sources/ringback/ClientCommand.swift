import ArgumentParser
import Foundation

/// What the commands that talk to a running server (`simulate`, `listen`) share: one-line
/// errors on stderr and the exit statuses of sysexits (64 usage, 69 unavailable).
enum ClientCommand {
    static func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Says `message` as `ringback <command>: ...` and answers exit status 64.
    static func usage(_ command: String, _ message: String) -> ExitCode {
        say("ringback \(command): \(message)")
        return ExitCode(64)
    }

    /// An `http://` or `https://` URL with a host, without a trailing slash; 64 otherwise.
    static func httpURL(_ text: String, flag: String, command: String, allowPath: Bool = false) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false, allowPath || url.query == nil
        else { throw usage(command, "\(flag) must be an http:// or https:// URL, not '\(text)'") }
        return text.hasSuffix("/") && !allowPath ? String(text.dropLast()) : text
    }

    /// An error's description on one line.
    static func oneLine(_ error: any Error) -> String {
        String(String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ").prefix(200))
    }
}
