import ArgumentParser
import Foundation
import RingbackCore

/// A bad option value: one line naming the option, exit status 64.
struct OptionError: Error, CustomStringConvertible {
    let flag: String
    let env: String
    let message: String

    var description: String { "ringback: invalid \(flag) (\(env)): \(message)" }
}

/// Resolves an option from its flag, else its environment variable, else its default. Flags win.
struct OptionValue {
    let flag: String
    let env: String
    let given: String?

    var raw: String? {
        given ?? ProcessInfo.processInfo.environment[env].flatMap { $0.isEmpty ? nil : $0 }
    }

    func fail(_ message: String) -> OptionError {
        OptionError(flag: flag, env: env, message: message)
    }

    func string(default value: String) -> String {
        raw ?? value
    }

    func duration(default value: String) throws -> Duration {
        let text = raw ?? value
        guard let duration = DurationText.parse(text) else { throw fail("'\(text)' is not a duration like 500ms, 5s, 5m, 2h or 30d") }
        return duration
    }

    func integer(default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = raw else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw fail("'\(text)' is not an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A switch: the flag, or the variable set to 1/true/yes/on (0/false/no/off for off).
    static func toggle(flag: String, env: String, given: Bool) throws -> Bool {
        if given { return true }
        guard let text = ProcessInfo.processInfo.environment[env], !text.isEmpty else { return false }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw OptionError(flag: flag, env: env, message: "'\(text)' is not one of true, false, 1, 0")
        }
    }
}

extension OptionError {
    /// Prints the one line and exits 64.
    func exit() -> ExitCode {
        FileHandle.standardError.write(Data((description + "\n").utf8))
        return ExitCode(64)
    }
}
