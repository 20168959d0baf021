/// How a list of items is ordered and paged (`sort` and `page` in its URL), one reading for every
/// list (a unit's items, a person's own, their exports). Unknown values are refused with a stable
/// code before anything is read; a page past the end is simply empty.
public enum ItemSort: String, Sendable, CaseIterable {
    /// By deadline, then by item.
    case due
    /// By record type, then deadline.
    case type
    /// By the owner's name (a person, a group or a class), then deadline.
    case owner
    /// The most urgent status first (overdue, returned, late, waiting, ...), then deadline.
    case status
    /// By unit code, then deadline.
    case unit
}

/// A list's order: a key and a direction (`sort=due`, `sort=-due` for the latest first).
public struct ItemOrder: Sendable, Equatable {
    public var sort: ItemSort
    public var descending: Bool

    public init(_ sort: ItemSort, descending: Bool = false) {
        self.sort = sort
        self.descending = descending
    }

    /// The soonest deadline first: every list's default.
    public static let standard = ItemOrder(.due)

    /// The value of `sort` that asks for this order.
    public var parameter: String { (descending ? "-" : "") + sort.rawValue }

    /// Every order a list offers, ascending and descending, in the form's order.
    public static var all: [ItemOrder] {
        ItemSort.allCases.flatMap { [ItemOrder($0), ItemOrder($0, descending: true)] }
    }

    /// - Throws: `list.unknown_sort` for anything but a known key, optionally after a `-`.
    public static func parse(_ raw: String?) throws -> ItemOrder {
        guard let raw = raw.map(Text.trimmed), !raw.isEmpty else { return .standard }
        let descending = raw.hasPrefix("-")
        guard let sort = ItemSort(rawValue: descending ? String(raw.dropFirst()) : raw) else {
            throw HosoError("list.unknown_sort", ["sort": String(raw.prefix(20))])
        }
        return ItemOrder(sort, descending: descending)
    }
}

/// One page of a list: its number (from 1) and size.
public struct ListPage: Sendable, Equatable {
    /// Beyond this a page number is refused: no list is that long, and the offset stays small.
    public static let maxNumber = 100_000

    public let number: Int
    public let size: Int

    public init(number: Int, size: Int) {
        self.number = number
        self.size = size
    }

    /// The rows before this page.
    public var offset: Int { (number - 1) * size }

    /// - Throws: `list.bad_page` for anything but a whole number from 1 to `maxNumber`. A number
    ///   past the end of the list is accepted: its page is empty.
    public static func parse(_ raw: String?, size: Int) throws -> ListPage {
        guard let raw = raw.map(Text.trimmed), !raw.isEmpty else { return ListPage(number: 1, size: size) }
        guard raw.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let number = Int(raw), (1...maxNumber).contains(number) else {
            throw HosoError("list.bad_page", ["page": String(raw.prefix(20)), "max": String(maxNumber)])
        }
        return ListPage(number: number, size: size)
    }
}

/// How many rows a list has, counted up to a cap: a province's list of hundreds of thousands of
/// items says "more than 10,000" rather than scanning them all for one figure.
public struct ListCount: Sendable, Equatable {
    public static let cap = 10_000

    /// The rows counted (at most `cap`).
    public let total: Int
    /// False when the list has more than `cap` rows.
    public let exact: Bool

    public init(counted: Int, cap: Int = ListCount.cap) {
        self.total = min(counted, cap)
        self.exact = counted <= cap
    }

    /// The rows a page shows, counted from 1: `rows` of them after the pages before (`nil` when
    /// the page is empty, past the end).
    public static func shown(_ page: ListPage, rows: Int) -> ClosedRange<Int>? {
        rows > 0 ? (page.offset + 1)...(page.offset + rows) : nil
    }

    /// Whether a list this long may be read in `order`. The deadline order follows an index at any
    /// length; another order sorts every row, which a province's hundreds of thousands would make a
    /// minute's work: past the cap, the list asks for a narrower filter instead.
    public func allows(_ order: ItemOrder) -> Bool { order.sort == .due || (exact && total <= Self.cap) }

    /// Whether a page in deadline order is best read by walking the deadline index from its start
    /// (and stopping at the page's end) rather than by sorting every item of the unit: when, if
    /// the `matching` items are spread evenly among `all`, the walk would pass at most half of them.
    /// A rare status (a few exempt items in a province) would make the walk pass nearly every row.
    public static func walksDeadlineIndex(_ order: ItemOrder, page: ListPage, matching: Int, outOf all: Int) -> Bool {
        guard order.sort == .due, matching > 0, all > 0 else { return false }
        let passed = Double(page.offset + page.size + 1) * Double(all) / Double(matching)
        return 2 * passed <= Double(all)
    }

    /// The number of pages when the count is exact (at least 1: an empty list has one empty page).
    public func pages(size: Int) -> Int? {
        guard exact else { return nil }
        return max(1, (total + size - 1) / size)
    }

}
