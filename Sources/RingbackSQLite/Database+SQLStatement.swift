import RingbackStore
import Foundation
import GRDB

extension Database {
    /// Runs a shared statement; answers the number of rows it changed.
    @discardableResult
    func execute(_ statement: SQLStatement) throws -> Int {
        try prepared(statement).execute()
        return changesCount
    }

    /// Every row of a shared statement.
    func rows(_ statement: SQLStatement) throws -> [Row] {
        try Row.fetchAll(prepared(statement))
    }

    private func prepared(_ statement: SQLStatement) throws -> Statement {
        let (sql, values) = statement.rendered(for: .sqlite)
        let prepared = try cachedStatement(sql: sql)
        prepared.setUncheckedArguments(StatementArguments(values.map(\.databaseValue)))
        return prepared
    }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        // Lists are rendered as JSON text by `SQLStatement`; these never reach SQLite as such.
        case .integers(let numbers): SQLStatement.jsonArray(numbers.map { .number(String($0)) }).databaseValue
        case .texts(let texts): SQLStatement.jsonArray(texts.map { .string($0) }).databaseValue
        }
    }
}
