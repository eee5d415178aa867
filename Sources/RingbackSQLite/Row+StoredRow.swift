import RingbackStore
import Foundation
import GRDB

extension Row: StoredRow {
    package func text(_ column: String) -> String { self[column] }
    package func optionalText(_ column: String) -> String? { self[column] }
    package func integer(_ column: String) -> Int64 { self[column] }
    package func optionalInteger(_ column: String) -> Int64? { self[column] }
    package func bytes(_ column: String) -> [UInt8] { Array(self[column] as Data) }
}
