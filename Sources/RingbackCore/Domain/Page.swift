/// A page of a newest-first listing; `next` continues after its last item.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let next: Int64?

    public init(items: [Item], next: Int64?) {
        self.items = items
        self.next = next
    }
}

/// Where a listing starts and how much it returns.
public struct PageRequest: Sendable, Hashable {
    public let size: Int
    /// Only items older than this position (from a previous page's `next`).
    public let before: Int64?

    public init(size: Int, before: Int64?) {
        self.size = size
        self.before = before
    }
}
