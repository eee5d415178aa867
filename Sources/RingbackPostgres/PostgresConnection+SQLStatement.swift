import RingbackStore
import Logging
import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// Every row of a shared statement.
    func rows(_ statement: SQLStatement, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await rows(statement.postgresQuery, logger: logger)
    }

    /// Runs a shared statement.
    func execute(_ statement: SQLStatement, logger: Logger) async throws {
        try await send(statement.postgresQuery, logger: logger)
    }
}

extension SQLStatement {
    /// The statement as PostgresNIO sends it: `$n` placeholders and their bindings.
    var postgresQuery: PostgresQuery {
        let (sql, values) = rendered(for: .postgres)
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .integers(let numbers): bindings.append(numbers)
            case .texts(let texts): bindings.append(texts)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }
}
