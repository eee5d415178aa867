import GRDB
import Synchronization

/// Group commit for the one writer: writes that arrive while a transaction runs wait together
/// and share the next one, each in its own savepoint, with one commit (and, when any of them is
/// durable, one fsync) for all. Each caller is answered only after the commit that holds its
/// write; a write that fails rolls back its savepoint alone and its caller gets its error.
///
/// Under load this turns many small transactions (a publish per request, a claim, a batch of
/// outcomes) into few larger ones: fewer fsyncs, and pages that several writes touch are
/// written to the WAL once.
final class GroupCommit: Sendable {
    /// One caller's write: runs it in its savepoint and answers how to tell the caller, given
    /// the commit's error (nil when it committed).
    struct Write: Sendable {
        let durable: Bool
        let run: @Sendable (Database) -> @Sendable ((any Error)?) -> Void
        /// Answers the caller with an error, its write not run.
        let fail: @Sendable (any Error) -> Void
    }

    private struct Queue {
        var writes: [Write] = []
        var draining = false
    }

    /// How many writes one transaction takes at most, so that none waits behind an unbounded one.
    static let maxWrites = 256

    private let pool: DatabasePool
    private let queue = Mutex(Queue())
    /// Whether the connection's `synchronous` is FULL now (it is switched only when needed).
    private let synchronousFull = Mutex(true)

    init(pool: DatabasePool) {
        self.pool = pool
    }

    func write<T: Sendable>(durable: Bool, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let write = Write(durable: durable, run: { db in
                let result: Result<T, any Error>
                do {
                    var value: T?
                    try db.inSavepoint {
                        value = try body(db)
                        return .commit
                    }
                    result = .success(value!)
                } catch {
                    result = .failure(error)
                }
                return { commitError in
                    if let commitError, case .success = result {
                        continuation.resume(throwing: commitError)
                    } else {
                        continuation.resume(with: result)
                    }
                }
            }, fail: { continuation.resume(throwing: $0) })
            let start = queue.withLock { queue in
                queue.writes.append(write)
                defer { queue.draining = true }
                return !queue.draining
            }
            // The drain runs on the writer's own queue: no task to schedule, nothing to await.
            if start { pool.asyncWriteWithoutTransaction { db in self.drain(db) } }
        }
    }

    /// Commits what waits, then, while more waits, schedules itself again behind whatever else
    /// the writer has to do.
    private func drain(_ db: Database) {
        let batch = queue.withLock { queue -> [Write] in
            let taken = Array(queue.writes.prefix(Self.maxWrites))
            queue.writes.removeFirst(taken.count)
            return taken
        }
        do {
            try commit(batch, db)
        } catch {
            for write in batch { write.fail(error) }
        }
        let more = queue.withLock { queue in
            if queue.writes.isEmpty { queue.draining = false }
            return queue.draining
        }
        if more { pool.asyncWriteWithoutTransaction { db in self.drain(db) } }
    }

    private func commit(_ batch: [Write], _ db: Database) throws {
        let durable = batch.contains(where: \.durable)
        try synchronousFull.withLock { full in
            guard full != durable else { return }
            try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            full = durable
        }
        var waiting = batch[...]
        while !waiting.isEmpty {
            var answers: [@Sendable ((any Error)?) -> Void] = []
            do {
                try db.beginTransaction(.immediate)
            } catch {
                for write in waiting { write.fail(error) }
                return
            }
            while let write = waiting.popFirst() {
                answers.append(write.run(db))
                // Some errors (a full disk, I/O) end the whole transaction, not only the savepoint:
                // the writes before lost their changes too. The rest go on in a new transaction.
                if !db.isInsideTransaction { break }
            }
            guard db.isInsideTransaction else {
                let error = DatabaseError(resultCode: .SQLITE_ABORT, message: "the transaction was rolled back")
                for answer in answers { answer(error) }
                continue
            }
            do {
                try db.commit()
            } catch {
                try? db.rollback()
                for answer in answers { answer(error) }
                continue
            }
            for answer in answers { answer(nil) }
        }
    }

}
