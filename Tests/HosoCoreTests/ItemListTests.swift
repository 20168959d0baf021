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
        // Past the cap only the deadline order (an index) is read; below it, any order.
        for order in ItemOrder.all {
            #expect(small.allows(order))
            #expect(large.allows(order) == (order.sort == .due), "\(order.parameter)")
        }
    }
}
