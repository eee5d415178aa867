import Foundation
import RingbackCore

/// The SQL dialects Ringback's backends speak.
public enum SQLDialect: Sendable, Hashable {
    case sqlite
    case postgres
}

/// A value bound to a statement; never spliced into its text.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case integers([Int64])
    case texts([String])
}

/// One SQL statement, written once for both backends: text with bound values, built by string
/// interpolation (like GRDB's `SQL` and PostgresNIO's `PostgresQuery`), rendered for a dialect
/// with its own placeholders. The few places where the dialects differ are explicit pieces:
/// lists (`IN`), sets of rows passed as JSON, and clauses only one dialect has.
public struct SQLStatement: Sendable, Hashable, ExpressibleByStringInterpolation {
    enum Piece: Sendable, Hashable {
        case sql(String)
        case value(SQLValue)
        /// `IN (...)` over a bound list.
        case inList(SQLValue)
        /// A relation of rows (`alias(column, ...)`) from one bound JSON array of objects.
        case rows(json: String, alias: String, columns: [SQLRows.Column])
        case only(SQLDialect, String)
    }

    var pieces: [Piece]

    init(pieces: [Piece]) {
        self.pieces = pieces
    }

    public init(stringLiteral value: String) {
        pieces = [.sql(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
        pieces = stringInterpolation.pieces
    }

    /// Appends another statement's pieces.
    public static func + (lhs: SQLStatement, rhs: SQLStatement) -> SQLStatement {
        SQLStatement(pieces: lhs.pieces + rhs.pieces)
    }

    public static func += (lhs: inout SQLStatement, rhs: SQLStatement) {
        lhs.pieces += rhs.pieces
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            pieces.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { pieces.append(.sql(literal)) }
        }

        public mutating func appendInterpolation(_ value: Int64?) {
            pieces.append(.value(value.map(SQLValue.integer) ?? .null))
        }

        public mutating func appendInterpolation(_ value: Int?) {
            pieces.append(.value(value.map { .integer(Int64($0)) } ?? .null))
        }

        public mutating func appendInterpolation(_ value: String?) {
            pieces.append(.value(value.map(SQLValue.text) ?? .null))
        }

        public mutating func appendInterpolation(_ value: Bool) {
            pieces.append(.value(.integer(value ? 1 : 0)))
        }

        public mutating func appendInterpolation(_ value: UUID) {
            pieces.append(.value(.text(value.text)))
        }

        public mutating func appendInterpolation(_ value: [UInt8]) {
            pieces.append(.value(.blob(value)))
        }

        /// `IN (...)` over integers.
        public mutating func appendInterpolation(in values: [Int64]) {
            pieces.append(.inList(.integers(values)))
        }

        /// `IN (...)` over texts.
        public mutating func appendInterpolation(in values: [String]) {
            pieces.append(.inList(.texts(values)))
        }

        /// `IN (...)` over ids.
        public mutating func appendInterpolation(in values: [UUID]) {
            pieces.append(.inList(.texts(values.map(\.text))))
        }

        /// A relation of rows, usable in `FROM` and `JOIN` as `alias`.
        public mutating func appendInterpolation(_ rows: SQLRows, as alias: String) {
            pieces.append(.rows(json: rows.json, alias: alias, columns: rows.columns))
        }

        /// Trusted SQL text: column lists, fixed clauses. Never a value.
        public mutating func appendInterpolation(sql: String) {
            pieces.append(.sql(sql))
        }

        /// A nested statement.
        public mutating func appendInterpolation(_ statement: SQLStatement) {
            pieces += statement.pieces
        }

        /// A clause only PostgreSQL has (row locks); nothing on SQLite, where one writer serialises.
        public mutating func appendInterpolation(postgres clause: String) {
            pieces.append(.only(.postgres, clause))
        }

        /// A clause only SQLite needs.
        public mutating func appendInterpolation(sqlite clause: String) {
            pieces.append(.only(.sqlite, clause))
        }

        /// An expression the dialects spell differently.
        public mutating func appendInterpolation(postgres: String, sqlite: String) {
            pieces.append(.only(.postgres, postgres))
            pieces.append(.only(.sqlite, sqlite))
        }
    }

    /// The text with the dialect's placeholders (`?` or `$n`) and the values they bind, in order.
    public func rendered(for dialect: SQLDialect) -> (sql: String, values: [SQLValue]) {
        var sql = ""
        var values: [SQLValue] = []
        func placeholder(_ value: SQLValue) -> String {
            values.append(value)
            return dialect == .sqlite ? "?" : "$\(values.count)"
        }
        for piece in pieces {
            switch piece {
            case .sql(let text):
                sql += text
            case .value(let value):
                sql += placeholder(value)
            case .inList(let list):
                switch (dialect, list) {
                case (.postgres, .integers): sql += "= ANY(\(placeholder(list))::bigint[])"
                case (.postgres, _): sql += "= ANY(\(placeholder(list))::text[])"
                case (.sqlite, .integers(let numbers)):
                    sql += "IN (SELECT value FROM json_each(\(placeholder(.text(Self.jsonArray(numbers.map { .number(String($0)) }))))))"
                case (.sqlite, .texts(let texts)):
                    sql += "IN (SELECT value FROM json_each(\(placeholder(.text(Self.jsonArray(texts.map { .string($0) }))))))"
                case (.sqlite, _):
                    sql += "IN (\(placeholder(list)))"
                }
            case .rows(let json, let alias, let columns):
                switch dialect {
                case .postgres:
                    let declared = columns.map { "\($0.name) \($0.type == .integer ? "bigint" : "text")" }.joined(separator: ", ")
                    sql += "json_to_recordset(\(placeholder(.text(json)))::json) AS \(alias)(\(declared))"
                case .sqlite:
                    let selected = columns.map { "value ->> '\($0.name)' AS \($0.name)" }.joined(separator: ", ")
                    sql += "(SELECT \(selected) FROM json_each(\(placeholder(.text(json))))) AS \(alias)"
                }
            case .only(let only, let clause):
                if only == dialect { sql += clause }
            }
        }
        return (sql, values)
    }

    package static func jsonArray(_ values: [JSONValue]) -> String {
        String(decoding: JSONValue.array(values).serialized(), as: UTF8.self)
    }
}

/// Rows passed to one statement as a single bound value (a JSON array of objects): the
/// set-based form of a batch, one round trip however many rows.
public struct SQLRows: Sendable, Hashable {
    public struct Column: Sendable, Hashable {
        public enum ColumnType: Sendable, Hashable { case integer, text }
        public let name: String
        public let type: ColumnType
    }

    let columns: [Column]
    let json: String

    /// - Parameters:
    ///   - columns: each column's name and type, in order.
    ///   - rows: one array of values per row, in column order (`.null`, `.integer`, `.text`).
    public init(_ columns: [(String, Column.ColumnType)], _ rows: [[SQLValue]]) {
        self.columns = columns.map { Column(name: $0.0, type: $0.1) }
        let objects: [JSONValue] = rows.map { row in
            .object(zip(columns, row).map { column, value in
                switch value {
                case .integer(let number): JSONMember(column.0, .number(String(number)))
                case .text(let text): JSONMember(column.0, .string(text))
                default: JSONMember(column.0, .null)
                }
            })
        }
        json = SQLStatement.jsonArray(objects)
    }
}
