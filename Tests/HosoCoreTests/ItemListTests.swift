import HosoCore
import Testing

/// A list's order, page and count read from its URL: known values pass, anything else is refused
/// with its code, and a count past the cap says so.
@Suite struct ItemListParsingTests {
    @Test func ordersAreAKnownKeyOptionallyDescending() throws {
        #expect(try ItemOrder.parse(nil) == .standard)
        #expect(try ItemOrder.parse("  ") == .standard)
        #expect(try ItemOrder.parse("owner") == ItemOrder(.owner))
        #expect(try ItemOrder.parse("-due") == ItemOrder(.due, descending: true))
        for order in ItemOrder.all { #expect(try ItemOrder.parse(order.parameter) == order) }
        #expect(ItemOrder.all.count == 2 * ItemSort.allCases.count)
        for bad in ["size", "--due", "-", "DUE", "due;drop", "due desc", String(repeating: "x", count: 10_000)] {
            #expect(throws: HosoError("list.unknown_sort", ["sort": String(bad.prefix(20))])) { try ItemOrder.parse(bad) }
        }
    }

    @Test func pagesAreWholeNumbersFromOne() throws {
        #expect(try ListPage.parse(nil, size: 100) == ListPage(number: 1, size: 100))
        #expect(try ListPage.parse("3", size: 100).offset == 200)
        #expect(try ListPage.parse(String(ListPage.maxNumber), size: 10).number == ListPage.maxNumber)
        for bad in ["0", "-1", "+2", "1.5", "abc", "١", "99999999999999999999", String(ListPage.maxNumber + 1)] {
            #expect(throws: HosoError.self) { try ListPage.parse(bad, size: 100) }
            do { _ = try ListPage.parse(bad, size: 100) } catch let error as HosoError { #expect(error.code == "list.bad_page") }
        }
    }

    @Test func countsStopAtTheCapAndPagesShowTheirRows() {
        let small = ListCount(counted: 250)
        #expect(small.exact && small.total == 250 && small.pages(size: 100) == 3)
        #expect(ListCount(counted: 0).pages(size: 100) == 1, "an empty list is one empty page")
        let large = ListCount(counted: ListCount.cap + 1)
        #expect(!large.exact && large.total == ListCount.cap && large.pages(size: 100) == nil)
        let second = ListPage(number: 2, size: 100)
        #expect(ListCount.shown(second, rows: 50) == 101...150)
        #expect(ListCount.shown(ListPage(number: 9, size: 100), rows: 0) == nil, "past the end: nothing shown")
        // Past the cap only the deadline order (an index) is read; below it, any order. A count
        // taken from the kept figures is exact at any size, and the cap still holds for the order.
        let kept = ListCount(counted: 50_000, cap: .max)
        #expect(kept.exact && kept.total == 50_000 && kept.pages(size: 100) == 500)
        for order in ItemOrder.all {
            #expect(small.allows(order))
            #expect(large.allows(order) == (order.sort == .due), "\(order.parameter)")
            #expect(kept.allows(order) == (order.sort == .due), "\(order.parameter)")
        }
    }

    @Test func aPageWalksTheDeadlineIndexOnlyWhenItsRowsAreNearItsStart() {
        let first = ListPage(number: 1, size: 100)
        // Every item, or a common status: the first 101 are found at once.
        #expect(ListCount.walksDeadlineIndex(.standard, page: first, matching: 5_000_000, outOf: 5_000_000))
        #expect(ListCount.walksDeadlineIndex(.standard, page: first, matching: 250_000, outOf: 5_000_000))
        #expect(ListCount.walksDeadlineIndex(ItemOrder(.due, descending: true), page: first, matching: 250_000, outOf: 5_000_000))
        // A rare one: the walk would pass most of the province; and deep pages of a common one.
        #expect(!ListCount.walksDeadlineIndex(.standard, page: first, matching: 120, outOf: 5_000_000))
        #expect(!ListCount.walksDeadlineIndex(.standard, page: ListPage(number: 20_000, size: 100), matching: 2_500_000, outOf: 5_000_000))
        // Other orders sort (at most 10,000 rows); nothing matching, nothing to walk.
        #expect(!ListCount.walksDeadlineIndex(ItemOrder(.owner), page: first, matching: 5_000, outOf: 5_000))
        #expect(!ListCount.walksDeadlineIndex(.standard, page: first, matching: 0, outOf: 5_000))
    }
}
