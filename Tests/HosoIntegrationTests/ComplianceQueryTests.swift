import HosoCore
@testable import HosoServer
@testable import HosoStore
import Testing

/// The one place where a unit's compliance lines are added up (dashboard and reports alike).
@Suite struct ComplianceQueryTests {
    func counts(expected: Int, missing: Int) -> ComplianceCounts {
        var counts = ComplianceCounts()
        counts.expected = expected
        counts.missing = missing
        return counts
    }

    @Test func linesAddUpByTypeAndInAll() {
        // setup: two lines of one type, one of another, one without a type (not a figure line)
        let lines = [
            ComplianceLine(unitID: 1, recordType: "a", week: nil, counts: counts(expected: 3, missing: 1)),
            ComplianceLine(unitID: 1, recordType: "a", week: nil, counts: counts(expected: 2, missing: 0)),
            ComplianceLine(unitID: 1, recordType: "b", week: nil, counts: counts(expected: 4, missing: 4)),
            ComplianceLine(unitID: 1, recordType: nil, week: 3, counts: counts(expected: 100, missing: 100)),
        ]
        // act
        let (total, byType) = ComplianceQuery.add(lines)
        // verify
        #expect(total == counts(expected: 9, missing: 5))
        #expect(byType == ["a": counts(expected: 5, missing: 1), "b": counts(expected: 4, missing: 4)])
    }
}
