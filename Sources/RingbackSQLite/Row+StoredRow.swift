import RingbackStore
import Foundation
import GRDB

extension Row: StoredRow {
    package func text(_ column: String) -> String { self[position(column)] }
    package func optionalText(_ column: String) -> String? { self[position(column)] }
    package func integer(_ column: String) -> Int64 { self[position(column)] }
    package func optionalInteger(_ column: String) -> Int64? { self[position(column)] }
    package func bytes(_ column: String) -> [UInt8] { Array(self[position(column)] as Data) }

    /// Where `column` is in the row. Our statements name their columns exactly, and GRDB's own
    /// lookup of a fetched row lowercases every column's name on each access (about 1% of the
    /// server's CPU while delivering, in a profile).
    private func position(_ column: String) -> Int {
        for (index, name) in columnNames.enumerated() where name == column { return index }
        preconditionFailure("no column \(column) in the row")
    }
}
