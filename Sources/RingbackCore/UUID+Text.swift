import Foundation

extension UUID {
    /// The lowercase form stored and shown.
    public var text: String { uuidString.lowercased() }
}
