import HosoCore
import Testing

/// How an item counts on a dashboard, and how a dashboard's filter is read from its URL.
@Suite struct ComplianceTests {
    static let due: Int64 = VietnamTime.epochSeconds(CalendarTests.date("2026-10-07"))

    static func of(_ state: RecordWorkflow.State, status: ObligationStatus = .pending, submitted: Int64? = nil,
                   exempt: Bool = false, withdrawn: Bool = false) -> ComplianceCounts {
        ComplianceCounts.of(withdrawn: withdrawn, exempt: exempt, status: status, state: state, firstSubmittedAt: submitted, dueAt: due)
    }

    @Test func eachItemCountsOnceAsExpectedOnceForTimelinessAndAtMostOnceForWorkflow() {
        let onTime = Self.of(.awaitingStep(0), status: .submitted, submitted: Self.due)
        #expect(onTime.vector == [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
        let pending = Self.of(.open)
        #expect(pending.expected == 1 && pending.notDue == 1 && pending.submitted == 0)
        let missing = Self.of(.open, status: .missing)
        #expect(missing.missing == 1 && missing.notDue == 0 && missing.overdue == 1)
        let signed = Self.of(.approved, status: .signed, submitted: Self.due - 60)
        #expect(signed.signed == 1 && signed.approved == 0 && signed.onTime == 1)
        #expect(Self.of(.correcting, status: .returned, submitted: Self.due).returned == 1)
        #expect(Self.of(.locked, status: .locked, submitted: Self.due).locked == 1)
    }

    @Test func lateIsCountedInWholeDaysBegun() {
        #expect(Self.of(.awaitingStep(0), submitted: Self.due + 1).late1to3 == 1, "one second late is a day late")
        #expect(Self.of(.awaitingStep(0), submitted: Self.due + 3 * 86_400).late1to3 == 1)
        #expect(Self.of(.awaitingStep(0), submitted: Self.due + 3 * 86_400 + 1).late4to7 == 1)
        #expect(Self.of(.awaitingStep(0), submitted: Self.due + 7 * 86_400).late4to7 == 1)
        #expect(Self.of(.awaitingStep(0), submitted: Self.due + 7 * 86_400 + 1).lateOver7 == 1)
        #expect(Self.of(.awaitingStep(0), submitted: Self.due + 30 * 86_400).late == 1)
    }

    @Test func exemptAndWithdrawnItemsAreNotExpected() {
        #expect(Self.of(.open, exempt: true).vector == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(Self.of(.locked, submitted: Self.due, withdrawn: true) == ComplianceCounts())
        var sum = ComplianceCounts()
        sum += Self.of(.open, exempt: true)
        sum += Self.of(.awaitingStep(0), submitted: Self.due)
        sum += Self.of(.open, status: .missing)
        #expect(sum.completeness == 0.5 && sum.timeliness == 0.5 && sum.exempt == 1)
        #expect(ComplianceCounts().completeness == nil)
        #expect(ComplianceBand(nil) == .none && ComplianceBand(0.95) == .good && ComplianceBand(0.7) == .fair && ComplianceBand(0.69) == .poor)
    }

    static func weeks() throws -> YearWeeks { YearWeeks(try CalendarTests.year2026()) }

    @Test func weeksOfTheYearRunFromTheFirstTeachingMonday() throws {
        let weeks = try Self.weeks()
        #expect(weeks.firstMonday == CalendarTests.date("2026-09-07"))
        #expect(weeks.week(of: CalendarTests.date("2026-09-06")) == 0)
        #expect(weeks.week(of: CalendarTests.date("2026-09-07")) == 1)
        #expect(weeks.week(of: CalendarTests.date("2026-09-13")) == 1)
        #expect(weeks.week(of: CalendarTests.date("2026-09-14")) == 2)
        // 29 May 2027 is the Saturday of week 38 (the Tết weeks count too: these are calendar weeks).
        #expect(weeks.count == 38)
        #expect(weeks.monday(of: 38) == CalendarTests.date("2027-05-24"))
        // Semester 1 ends Saturday 9 January 2027, in week 18; semester 2 starts on Monday 11 January.
        #expect(weeks.weeks(ofSemester: 1) == 0...18)
        // The last semester runs to the horizon: summer deadlines (17 weeks on) belong to the year.
        #expect(weeks.horizon == 55)
        #expect(weeks.weeks(ofSemester: 2) == 19...55)
        #expect(weeks.weeks(ofSemester: 3) == nil)
        // An instant late on Sunday in Vietnam is still that week, though it is Sunday afternoon in UTC.
        #expect(weeks.week(ofEpoch: VietnamTime.epochSeconds(CalendarTests.date("2026-09-13"), hour: 23, minute: 30)) == 1)
    }

    static func parse(_ query: [String: String]) throws -> ComplianceFilter {
        let weeks = try Self.weeks()
        return try ComplianceFilter.parse(query, years: [weeks.schoolYear: weeks], defaultYear: weeks.schoolYear,
                                          recordTypes: ["lesson_plan", "school_plan"])
    }

    @Test func aFilterComesFromTheURLAndGoesBackIntoIt() throws {
        let all = try Self.parse([:])
        #expect(all == ComplianceFilter(schoolYear: "2026-2027", weeks: 0...55, wholeYear: true))
        #expect(all.query.map(\.0) == ["year", "tree"], "the whole year needs no weeks in its URL")
        #expect(all.basis == .now, "the current year follows today's tree")
        #expect(try Self.parse(["tree": "stood"]).basis == .stood)
        #expect(throws: HosoError("dashboard.unknown_tree", ["tree": "then"])) { try Self.parse(["tree": "then"]) }
        #expect(try Self.parse(["from": "0", "to": "55"]).wholeYear)
        let narrowed = try Self.parse(["semester": "2", "from": "20", "to": "25", "type": "lesson_plan", "level": "primary", "year": " "])
        #expect(narrowed == ComplianceFilter(schoolYear: "2026-2027", semester: 2, weeks: 20...25, recordType: "lesson_plan", schoolLevel: .primary))
        let back = Dictionary(uniqueKeysWithValues: narrowed.query)
        #expect(try Self.parse(back) == narrowed)
        #expect(try Self.parse(["from": "10"]).weeks == 10...55)
        #expect(try Self.parse(["semester": "1"]).weeks == 0...18)
    }

    @Test func unknownValuesAndWeeksOutsideTheYearAreRefusedByName() {
        let cases: [([String: String], String)] = [
            (["year": "2019-2020"], "dashboard.unknown_year"), (["semester": "3"], "dashboard.unknown_semester"),
            (["semester": "x"], "dashboard.unknown_semester"), (["from": "56"], "dashboard.bad_weeks"), (["to": "-1"], "dashboard.bad_weeks"),
            (["from": "12", "to": "11"], "dashboard.bad_weeks"), (["semester": "1", "to": "19"], "dashboard.bad_weeks"),
            (["from": "one"], "dashboard.bad_weeks"), (["type": "grade_book'--"], "dashboard.unknown_type"),
            (["level": "university"], "dashboard.unknown_level"),
        ]
        for (query, code) in cases {
            let error = #expect(throws: HosoError.self, "\(query)") { try Self.parse(query) }
            #expect(error?.code == code, "\(query)")
        }
    }
}
