import Foundation
import Logging
import RingbackCore
import Synchronization

/// `--log-format json`: one JSON object per line on stderr, with `timestamp`, `level`, `label`,
/// `message` and `metadata` (values as strings, nested metadata as objects).
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    /// Lines from many threads do not interleave.
    private static let output = Mutex(())

    init(label: String, level: Logger.Level) {
        self.label = label
        logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line = Self.line(level: event.level, message: "\(event.message)", label: label, metadata: merged,
                             at: Timestamp.format(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)))
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line)) }
    }

    static func line(level: Logger.Level, message: String, label: String, metadata: Logger.Metadata, at time: String) -> [UInt8] {
        var object: [JSONMember] = [
            JSONMember("timestamp", .string(time)), JSONMember("level", .string(level.rawValue)),
            JSONMember("label", .string(label)), JSONMember("message", .string(message)),
        ]
        if !metadata.isEmpty { object.append(JSONMember("metadata", value(.dictionary(metadata)))) }
        return JSONValue.object(object).serialized() + [UInt8(ascii: "\n")]
    }

    static func value(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let items): .array(items.map(Self.value))
        case .dictionary(let members): .object(members.sorted { $0.key < $1.key }.map { JSONMember($0.key, Self.value($0.value)) })
        }
    }
}
