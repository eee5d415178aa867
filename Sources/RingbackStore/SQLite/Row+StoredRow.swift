import Foundation
import GRDB

extension Row: StoredRow {
    func text(_ column: String) -> String { self[column] }
    func optionalText(_ column: String) -> String? { self[column] }
    func integer(_ column: String) -> Int64 { self[column] }
    func optionalInteger(_ column: String) -> Int64? { self[column] }
    func bytes(_ column: String) -> [UInt8] { Array(self[column] as Data) }
}
