import HosoCore
import Testing

/// Who may ask for a report, how many may wait, who sees a job.
@Suite struct ReportDecisionsTests {
    static let district = UnitPosition(tenantID: 1, unitID: 5, ancestry: [1, 5])
    static func actor(_ id: Int64, _ role: Role, at unit: Int64) -> Actor {
        Actor(userID: id, tenantID: 1, login: "u\(id)", displayName: "U\(id)", grants: [Grant(role: role, unitID: unit, unitCode: "U")])
    }

    @Test func aRequestNeedsTheRightAndAShortPlace() throws {
        let officer = Self.actor(1, .districtOfficer, at: 5)
        #expect(try ReportDecisions.request(officer, unit: Self.district, place: "  ", suggested: "Hải Phòng") == "Hải Phòng")
        #expect(try ReportDecisions.request(officer, unit: Self.district, place: " Kiến An ", suggested: "Hải Phòng") == "Kiến An")
        #expect(throws: HosoError("report.bad_place")) {
            try ReportDecisions.request(officer, unit: Self.district, place: String(repeating: "x", count: 101), suggested: "")
        }
        #expect(throws: HosoError("scope.forbidden")) {
            try ReportDecisions.request(Self.actor(2, .teacher, at: 5), unit: Self.district, place: nil, suggested: "")
        }
        #expect(throws: HosoError("scope.not_found")) {
            try ReportDecisions.request(Self.actor(3, .districtOfficer, at: 6), unit: Self.district, place: nil, suggested: "")
        }
    }

    @Test func fourMayWaitAndAJobIsItsRequesters() throws {
        try ReportDecisions.queue(pending: 3)
        #expect(throws: HosoError("report.too_many", ["count": "4"])) { try ReportDecisions.queue(pending: 4) }
        let officer = Self.actor(1, .districtOfficer, at: 5)
        #expect(ReportDecisions.isVisible(officer, requestedBy: 1, unit: Self.district))
        #expect(!ReportDecisions.isVisible(officer, requestedBy: 2, unit: Self.district))
        // A requester who lost the right to export there no longer sees it.
        #expect(!ReportDecisions.isVisible(Self.actor(1, .teacher, at: 5), requestedBy: 1, unit: Self.district))
    }
}
