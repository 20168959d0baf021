import HosoCore
import Testing

/// Issue 14, part 5: the lesson plan's deadline boundary, the Pioneer book owed by the Pioneer leader
/// alone, office books owed by the school when it has no office group, and the `duty` column of the
/// people import. The real 2025-26 calendar of `CalendarTests` (Tết 14–22 Feb 2026).
@Suite struct MissingBooksTests {
    static func date(_ iso: String) -> LocalDate { CalendarTests.date(iso) }
    static func span(_ from: String?, _ to: String?) -> SchoolPeople.Span { ObligationPlannerTests.span(from, to) }

    // MARK: - Lesson plans: "trước ngày thứ 4 của tuần liền trước"

    @Test func beforeWednesdayMeansByTheEndOfTuesdayAndEndOfDayMeansWednesday() throws {
        let calendar = try CalendarTests.year2025()
        let before = DeadlineRule.dayBeforeWeekdayOfPrecedingWeek(.wednesday)
        let endOfDay = DeadlineRule.weekdayOfPrecedingWeek(.wednesday)
        #expect(
            try before.dueDate(for: .week(1), in: calendar) == Self.date("2025-09-02"),
            "Tuesday of the week before week 1")
        #expect(try endOfDay.dueDate(for: .week(1), in: calendar) == Self.date("2025-09-03"))
        #expect(try before.dueDate(for: .week(10), in: calendar) == Self.date("2025-11-04"))
        #expect(try endOfDay.dueDate(for: .week(10), in: calendar) == Self.date("2025-11-05"))
        // The instant it is late after: 23:59:59 in Vietnam of the due day, a day apart.
        let late = try before.dueEpochSeconds(for: .week(10), in: calendar)
        #expect(try endOfDay.dueEpochSeconds(for: .week(10), in: calendar) - late == 86_400)
        #expect(VietnamTime.date(epochSeconds: late) == Self.date("2025-11-04"))
        #expect(before.boundary == .beforeDay && endOfDay.boundary == .endOfDay)
        // 2026-27 week 1: the Wednesday before is 2 September (National Day), the Tuesday 1 September is
        // off too; both readings fall back to the last working day before, Monday 31 August.
        let next = try CalendarTests.year2026()
        #expect(try before.dueDate(for: .week(1), in: next) == Self.date("2026-08-31"))
        #expect(
            try before.dueDate(for: .week(2), in: next)
                == (try endOfDay.dueDate(for: .week(2), in: next)).adding(days: -1))
    }

    func draft(_ due: RecordTypeDraft.Due, cadence: String = "weekly") -> RecordTypeDraft {
        var draft = RecordTypeDraft(code: "lesson_plan")
        draft.nameVi = "Kế hoạch bài dạy"
        draft.levels = ["primary"]
        draft.owner = "teacher"
        draft.cadence = cadence
        draft.due = due
        draft.formats = ["pdf"]
        draft.maxSizeMB = 20
        draft.submitter = "teacher"
        draft.chain = [.init(role: "principal")]
        return draft
    }

    @Test func theBoundaryIsReadFromTheDataAndKeptWhenStored() throws {
        let before = try RuleSetResolver.check(
            draft(.init(rule: "weekday_of_preceding_week", weekday: "wednesday", boundary: "before_day")))
        #expect(before.due == .dayBeforeWeekdayOfPrecedingWeek(.wednesday))
        let end = try RuleSetResolver.check(
            draft(.init(rule: "weekday_of_preceding_week", weekday: "wednesday", boundary: "end_of_day")))
        #expect(end.due == .weekdayOfPrecedingWeek(.wednesday))
        let unsaid = try RuleSetResolver.check(draft(.init(rule: "weekday_of_preceding_week", weekday: "wednesday")))
        #expect(unsaid.due == .weekdayOfPrecedingWeek(.wednesday), "a named day without a boundary means its end")
        // Stored and read back (the store keeps the draft of a checked type).
        let stored = RuleSetResolver.draft(of: before)
        #expect(stored.due?.boundary == "before_day")
        #expect(try RuleSetResolver.check(stored).due == .dayBeforeWeekdayOfPrecedingWeek(.wednesday))
        #expect(RuleSetResolver.draft(of: end).due?.boundary == nil)
    }

    @Test func aBadBoundaryOrABoundaryOnAnotherRuleIsRefused() throws {
        for due in [
            RecordTypeDraft.Due(rule: "weekday_of_preceding_week", weekday: "wednesday", boundary: "noon"),
            RecordTypeDraft.Due(rule: "days_before_week", days: 10, boundary: "before_day"),
        ] {
            let error = #expect(throws: HosoErrors.self) { try RuleSetResolver.check(draft(due)) }
            #expect(error?.errors.map(\.code) == ["rules.bad_deadline"], "\(due)")
        }
        // end_of_day is what every other rule means already: accepted.
        #expect(
            try RuleSetResolver.check(draft(.init(rule: "days_before_week", days: 10, boundary: "end_of_day"))).due
                == .daysBeforeWeek(10))
    }

    // MARK: - Owners

    static func type(_ code: String, owner: OwnerScope, levels: Set<SchoolLevel> = [.primary]) throws -> RecordType {
        try ObligationPlannerTests.type(
            code, owner: owner, cadence: .semester, due: .daysAfterSemesterEnd(7), levels: levels)
    }

    @Test func thePioneerBookIsOwedByThePioneerLeaderAloneOverTheDutysDates() throws {
        let base = ObligationPlannerTests.people
        // Teacher 1 leads the Pioneers in semester 1, teacher 2 from 12 January 2026 (semester 2).
        let people = SchoolPeople(
            teachers: base.teachers, groups: base.groups, classes: base.classes,
            duties: [
                .init(userID: 1, duty: .pioneerLeader, span: Self.span("2025-09-05", "2026-01-10")),
                .init(userID: 2, duty: .pioneerLeader, span: Self.span("2026-01-12", nil)),
            ])
        let planned = try ObligationPlannerTests.plan(
            [try Self.type("pioneer_book", owner: .pioneerLeader)], levels: [.primary], people: people)
        #expect(planned.count == 2, "one leader per semester, not every teacher: \(planned)")
        #expect(planned.first { $0.period.number == 1 }?.owner == .user(1))
        #expect(planned.first { $0.period.number == 1 }?.responsibleUserID == 1)
        #expect(planned.first { $0.period.number == 2 }?.owner == .user(2))
        // Nobody holds the duty: nothing is owed (the import names the holder), never every teacher.
        let none = try ObligationPlannerTests.plan(
            [try Self.type("pioneer_book", owner: .pioneerLeader)], levels: [.primary], people: base)
        #expect(none.isEmpty)
        // The same teacher named twice in the year owes one item per period.
        let twice = SchoolPeople(
            teachers: base.teachers, groups: base.groups, classes: base.classes,
            duties: [
                .init(userID: 3, duty: .pioneerLeader, span: Self.span("2025-09-05", "2025-10-31")),
                .init(userID: 3, duty: .pioneerLeader, span: Self.span("2025-11-01", nil)),
            ])
        let once = try ObligationPlannerTests.plan(
            [try Self.type("pioneer_book", owner: .pioneerLeader)], levels: [.primary], people: twice)
        #expect(once.filter { $0.period.number == 1 }.count == 1)
    }

    @Test func officeBooksAreOwedByTheSchoolWhenItHasNoOfficeGroup() throws {
        let correspondence = try Self.type("correspondence_register", owner: .officeGroup)
        let withOffice = try ObligationPlannerTests.plan([correspondence], levels: [.primary])
        #expect(Set(withOffice.map(\.owner)) == [.group(20)], "one item per office group where there is one")
        let base = ObligationPlannerTests.people
        let noOffice = SchoolPeople(
            teachers: base.teachers, groups: base.groups.filter { $0.kind == .subject }, classes: base.classes)
        let planned = try ObligationPlannerTests.plan([correspondence], levels: [.primary], people: noOffice)
        #expect(planned.count == 2, "one school-owned item per semester, not none")
        #expect(planned.allSatisfy { $0.owner == .school && $0.responsibleUserID == nil })
        // Subject-group books are not moved to the school: a school without subject groups owes none.
        let subject = try Self.type("group_activity_book", owner: .subjectGroup)
        let noGroups = SchoolPeople(teachers: base.teachers, groups: [], classes: base.classes)
        #expect(try ObligationPlannerTests.plan([subject], levels: [.primary], people: noGroups).isEmpty)
    }

    // MARK: - People import

    @Test func theDutyColumnNamesThePioneerLeaderAndAnUnknownDutyIsRefused() throws {
        let csv = """
            login,display_name,subject_group,group_role,valid_from,valid_to,duty
            s3.pioneer,Lương Thị Mai,,,2025-09-05,,pioneer_leader
            s3.teacher,Trần Văn An,toan,member,2025-09-05,,
            s3.other,Lê Thị Bình,,,2025-09-05,,lop_truong
            """
        let (rows, rejected) = try PeopleImport.parse(csv)
        #expect(rows.map(\.login) == ["s3.pioneer", "s3.teacher"])
        #expect(rows[0].duty == .pioneerLeader && rows[0].group == nil)
        #expect(rows[1].duty == nil)
        #expect(rejected.map(\.error.code) == ["people.bad_duty"])
        #expect(rejected.first?.line == 4)
        // A file without the column still reads (the column is additive).
        let (plain, none) = try PeopleImport.parse("login,subject_group\ns1.teacher,toan\n")
        #expect(plain.count == 1 && plain[0].duty == nil && none.isEmpty)
    }

    // MARK: - XML is recognised by its content

    @Test func xmlIsRecognisedByItsContent() {
        #expect(FileSniffer.detect(head: Array("<?xml version=\"1.0\"?><a/>".utf8), tail: []) == .xml)
        #expect(
            FileSniffer.detect(
                head: [0xEF, 0xBB, 0xBF] + Array("\n<?xml version=\"1.0\"?><HocBa xmlns=\"urn:x\"/>".utf8), tail: [])
                == .xml)
        // Without its declaration a document is not taken for XML (HTML stays unrecognised).
        #expect(FileSniffer.detect(head: Array("<HocBa xmlns=\"urn:x\"/>".utf8), tail: []) == nil)
        #expect(FileSniffer.detect(head: Array("<html><body>x</body></html>".utf8), tail: []) == nil)
        #expect(FileSniffer.detect(head: Array("plain text".utf8), tail: []) == nil)
        #expect(FileSniffer.detect(head: Array("%PDF-1.7 <?xml".utf8), tail: []) == .pdf)
        #expect(FileFormat.xml.mediaType == "application/xml")
    }
}
