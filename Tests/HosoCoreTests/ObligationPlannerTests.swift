import HosoCore
import Testing

/// Expected items of one school for 2025-26 (the real calendar of `CalendarTests`: 35 teaching weeks,
/// Tết 14–22 Feb 2026), and the status an item shows.
@Suite struct ObligationPlannerTests {
    static func date(_ iso: String) -> LocalDate { CalendarTests.date(iso) }

    static func type(_ code: String, owner: OwnerScope, cadence: Cadence, due: DeadlineRule, levels: Set<SchoolLevel> = [.lowerSecondary],
                     shift: DeadlineRule.Shift = .previousWorkingDay, storage: Storage = .electronic) throws -> RecordType {
        RecordType(code: code, nameVi: code, nameEn: code, basis: "", levels: levels, owner: owner, cadence: cadence, due: due, shift: shift,
                   formats: [.pdf], maxBytes: 1 << 20, submitter: .teacher, chain: try ApprovalChain([.init(role: .principal)]),
                   retention: .unset, storage: storage, entryWindow: false)
    }

    static func ruleSet(_ types: [RecordType]) -> RuleSet {
        RuleSet(id: "t-2025-2026", schoolYear: "2025-2026", nameVi: "T", nameEn: "T", lineage: ["t-2025-2026"], types: types)
    }

    static func span(_ from: String?, _ to: String?) -> SchoolPeople.Span {
        SchoolPeople.Span(from: from.map(date), to: to.map(date))
    }

    /// Teacher 1 all year; teacher 2 joins on Wednesday 5 Nov 2025; teacher 3 leaves on Tuesday
    /// 31 Mar 2026. Subject groups 10 and 11, office group 20. Class 100 has teacher 1 as homeroom
    /// teacher all year; class 101 changes from teacher 4 to teacher 5 between the semesters.
    static let people = SchoolPeople(
        teachers: [.init(userID: 1, span: span(nil, nil)), .init(userID: 2, span: span("2025-11-05", nil)),
                   .init(userID: 3, span: span("2025-09-05", "2026-03-31"))],
        groups: [.init(id: 10, kind: .subject), .init(id: 20, kind: .office), .init(id: 11, kind: .subject)],
        classes: [.init(id: 100, homeroom: [.init(userID: 1, span: span(nil, nil))]),
                  .init(id: 101, homeroom: [.init(userID: 4, span: span(nil, "2026-01-10")), .init(userID: 5, span: span("2026-01-12", nil))])]
    )

    static func plan(_ types: [RecordType], levels: [SchoolLevel] = [.lowerSecondary], people: SchoolPeople = people) throws -> [PlannedObligation] {
        try ObligationPlanner.plan(levels: levels, ruleSet: ruleSet(types), calendar: try CalendarTests.year2025(), people: people)
    }

    // MARK: - Cadences

    @Test func aYearlySchoolBookIsExpectedOnce() throws {
        let planned = try Self.plan([try Self.type("school_education_plan", owner: .school, cadence: .yearly, due: .fixedDate(month: 9, day: 30))])
        #expect(planned.count == 1)
        let item = try #require(planned.first)
        #expect(item.recordType == "school_education_plan")
        #expect(item.owner == .school)
        #expect(item.owner.key == "school")
        #expect(item.responsibleUserID == nil)
        #expect(item.period == ObligationPeriod(kind: .year, number: 1, first: Self.date("2025-09-05"), last: Self.date("2026-05-30")))
        #expect(item.dueDate == Self.date("2025-09-30"))
        #expect(item.dueAt == 1_759_251_599, "2025-09-30T23:59:59+07:00")
    }

    @Test func aSemesterBookIsExpectedTwicePerClass() throws {
        let planned = try Self.plan([try Self.type("class_assessment_book", owner: .schoolClass, cadence: .semester, due: .daysAfterSemesterEnd(7))])
        #expect(planned.count == 4, "two classes, two semesters")
        #expect(Set(planned.map(\.owner)) == [.schoolClass(100), .schoolClass(101)])
        #expect(planned.allSatisfy { $0.responsibleUserID == nil })
        let first = try #require(planned.first { $0.owner == .schoolClass(100) && $0.period.number == 1 })
        #expect(first.period.kind == .semester)
        #expect(first.period.first == Self.date("2025-09-05"))
        #expect(first.period.last == Self.date("2026-01-10"))
        #expect(first.dueDate == Self.date("2026-01-17"), "a Saturday, a working day")
        #expect(first.dueAt == 1_768_669_199)
        let second = try #require(planned.first { $0.owner == .schoolClass(101) && $0.period.number == 2 })
        #expect(second.dueDate == Self.date("2026-06-06"))
        #expect(second.owner.key == "class:101")
    }

    @Test func aMonthlyBookCoversTheMonthsOfTheYear() throws {
        let planned = try Self.plan([try Self.type("class_lesson_log", owner: .schoolClass, cadence: .monthly, due: .daysAfterMonthEnd(5))])
        let months = planned.filter { $0.owner == .schoolClass(100) }.sorted { $0.period.number < $1.period.number }
        // September 2025 to May 2026.
        #expect(months.count == 9)
        #expect(planned.count == 18)
        #expect(months.map(\.period.number) == Array(1...9))
        #expect(months.allSatisfy { $0.period.kind == .month })
        // The first month starts at the opening, the last ends with the year.
        #expect(months.first?.period.first == Self.date("2025-09-05"))
        #expect(months.first?.period.last == Self.date("2025-09-30"))
        #expect(months.last?.period.first == Self.date("2026-05-01"))
        #expect(months.last?.period.last == Self.date("2026-05-30"))
        #expect(months[2].period.first == Self.date("2025-11-01"))
        #expect(months[2].period.last == Self.date("2025-11-30"))
        // 5 October 2025 is a Sunday: the Saturday before.
        #expect(months[0].dueDate == Self.date("2025-10-04"))
        #expect(months[1].dueDate == Self.date("2025-11-05"))
        #expect(months[5].dueDate == Self.date("2026-03-05"), "February has 28 days in 2026")
    }

    @Test func aMonthlyDeadlineOnNewYearsDayMovesBack() throws {
        let planned = try Self.plan([try Self.type("log", owner: .school, cadence: .monthly, due: .daysAfterMonthEnd(1))])
        let december = try #require(planned.first { $0.period.first == Self.date("2025-12-01") })
        #expect(december.dueDate == Self.date("2025-12-31"), "1 January is a holiday")
    }

    @Test func weeklyBooksAreExpectedForEachTeachingWeek() throws {
        let planned = try Self.plan([try Self.type("lesson_plan", owner: .teacher, cadence: .weekly, due: .weekdayOfPrecedingWeek(.wednesday))])
        let mine = planned.filter { $0.owner == .user(1) }.sorted { $0.period.number < $1.period.number }
        #expect(mine.count == 35)
        #expect(mine.map(\.period.number) == Array(1...35))
        #expect(mine.allSatisfy { $0.responsibleUserID == 1 && $0.period.kind == .week })
        #expect(mine.first?.owner.key == "user:1")
        // Week 1 (from Monday 8 Sep 2025) is due on the Wednesday of the week before.
        #expect(mine[0].period.first == Self.date("2025-09-08"))
        #expect(mine[0].period.last == Self.date("2025-09-14"))
        #expect(mine[0].dueDate == Self.date("2025-09-03"))
        #expect(mine[1].dueDate == Self.date("2025-09-10"))
        // Week 24 follows the Tết break: due in the last teaching week before it.
        #expect(mine[23].period.first == Self.date("2026-02-23"))
        #expect(mine[23].dueDate == Self.date("2026-02-11"))
        #expect(mine[34].period.first == Self.date("2026-05-11"))
        // No item covers the Tết week.
        #expect(!planned.contains { $0.period.first == Self.date("2026-02-16") })
    }

    @Test func perLessonBooksAreExpectedWeekly() throws {
        let planned = try Self.plan([try Self.type("lesson_log", owner: .schoolClass, cadence: .perLesson, due: .daysBeforeWeek(0),
                                                   shift: .none)])
        #expect(planned.count == 70, "35 weeks for each of two classes")
        #expect(planned.allSatisfy { $0.dueDate == $0.period.first }, "due on the week's Monday")
    }

    // MARK: - Owners

    @Test func groupBooksGoToGroupsOfTheirKind() throws {
        let planned = try Self.plan([
            try Self.type("group_plan", owner: .subjectGroup, cadence: .yearly, due: .daysBeforeWeek(16)),
            try Self.type("correspondence_register", owner: .officeGroup, cadence: .semester, due: .daysAfterSemesterEnd(15)),
        ])
        let subject = planned.filter { $0.recordType == "group_plan" }
        #expect(Set(subject.map(\.owner)) == [.group(10), .group(11)])
        #expect(subject.count == 2)
        #expect(subject.allSatisfy { $0.dueDate == Self.date("2025-08-23") }, "16 days before Monday 8 Sep 2025, a Saturday")
        let office = planned.filter { $0.recordType == "correspondence_register" }
        #expect(office.map(\.owner) == [.group(20), .group(20)])
        #expect(office.first?.owner.key == "group:20")
    }

    @Test func homeroomBooksBelongToTheClassAndTheHomeroomTeacherOfThePeriodAnswers() throws {
        let planned = try Self.plan([
            try Self.type("student_transcript", owner: .homeroomTeacher, cadence: .yearly, due: .daysAfterYearEnd(0)),
            try Self.type("homeroom_book", owner: .homeroomTeacher, cadence: .semester, due: .daysAfterSemesterEnd(7)),
        ])
        let transcripts = planned.filter { $0.recordType == "student_transcript" }
        #expect(transcripts.count == 2)
        #expect(transcripts.first { $0.owner == .schoolClass(100) }?.responsibleUserID == 1)
        #expect(transcripts.first { $0.owner == .schoolClass(101) }?.responsibleUserID == 5, "the teacher at the end of the year")
        #expect(transcripts.allSatisfy { $0.dueDate == Self.date("2026-05-30") })
        let books = planned.filter { $0.recordType == "homeroom_book" && $0.owner == .schoolClass(101) }
        #expect(books.first { $0.period.number == 1 }?.responsibleUserID == 4)
        #expect(books.first { $0.period.number == 2 }?.responsibleUserID == 5)
    }

    @Test func aTeacherWhoJoinsMidYearOwesNothingForEarlierWeeks() throws {
        let planned = try Self.plan([try Self.type("lesson_plan", owner: .teacher, cadence: .weekly, due: .weekdayOfPrecedingWeek(.wednesday))])
        let joiner = planned.filter { $0.owner == .user(2) }
        // 5 Nov 2025 is the Wednesday of teaching week 9 (3–9 Nov): weeks 9 to 35.
        #expect(joiner.count == 27)
        #expect(joiner.map(\.period.number).min() == 9)
        #expect(joiner.allSatisfy { $0.period.last >= Self.date("2025-11-05") })
        #expect(joiner.allSatisfy { $0.responsibleUserID == 2 })
    }

    @Test func aTeacherWhoLeavesOwesNothingForLaterWeeks() throws {
        let planned = try Self.plan([try Self.type("lesson_plan", owner: .teacher, cadence: .weekly, due: .weekdayOfPrecedingWeek(.wednesday))])
        let leaver = planned.filter { $0.owner == .user(3) }
        // 31 Mar 2026 is the Tuesday of teaching week 29 (from 30 Mar; the Tết week is not counted).
        #expect(leaver.count == 29)
        #expect(leaver.map(\.period.number).max() == 29)
        #expect(leaver.allSatisfy { $0.period.first <= Self.date("2026-03-31") })
        #expect(planned.count == 35 + 27 + 29)
    }

    @Test func aTeacherListedTwiceOwesOneItemPerWeek() throws {
        // e.g. a member of two subject groups: two memberships, one teacher
        let people = SchoolPeople(teachers: [.init(userID: 7, span: Self.span(nil, nil)), .init(userID: 7, span: Self.span("2026-01-12", nil))],
                                  groups: [], classes: [])
        let planned = try Self.plan([try Self.type("lesson_plan", owner: .teacher, cadence: .weekly, due: .daysBeforeWeek(10))], people: people)
        #expect(planned.count == 35)
        // A teacher who left and came back: the weeks of either span, once.
        let returning = SchoolPeople(teachers: [.init(userID: 8, span: Self.span(nil, "2025-10-31")), .init(userID: 8, span: Self.span("2026-03-02", nil))],
                                     groups: [], classes: [])
        let weeks = try Self.plan([try Self.type("lesson_plan", owner: .teacher, cadence: .weekly, due: .daysBeforeWeek(10))], people: returning)
            .map(\.period.number)
        #expect(weeks == Array(1...8) + Array(25...35))
    }

    @Test func aSchoolWithNobodyOwesOnlyItsSchoolBooks() throws {
        let planned = try Self.plan([
            try Self.type("school_education_plan", owner: .school, cadence: .yearly, due: .fixedDate(month: 9, day: 30)),
            try Self.type("lesson_plan", owner: .teacher, cadence: .weekly, due: .weekdayOfPrecedingWeek(.wednesday)),
            try Self.type("class_book", owner: .schoolClass, cadence: .semester, due: .daysAfterSemesterEnd(7)),
            try Self.type("group_plan", owner: .subjectGroup, cadence: .yearly, due: .daysBeforeWeek(16)),
        ], people: SchoolPeople(teachers: [], groups: [], classes: []))
        #expect(planned.map(\.recordType) == ["school_education_plan"])
    }

    // MARK: - Which types

    @Test func aTypeOfAnotherLevelIsNotExpected() throws {
        let types = [try Self.type("primary_only", owner: .school, cadence: .yearly, due: .fixedDate(month: 10, day: 15), levels: [.primary]),
                     try Self.type("secondary", owner: .school, cadence: .yearly, due: .fixedDate(month: 10, day: 15),
                                   levels: [.lowerSecondary, .upperSecondary])]
        #expect(try Self.plan(types, levels: [.lowerSecondary]).map(\.recordType) == ["secondary"])
        #expect(try Self.plan(types, levels: [.preschool]).isEmpty)
        // A school of two levels keeps the books of both, each once.
        #expect(try Self.plan(types, levels: [.primary, .lowerSecondary, .upperSecondary]).map(\.recordType) == ["primary_only", "secondary"])
    }

    @Test func paperBooksAreListedButNeverExpected() throws {
        let types = [try Self.type("diploma_register", owner: .school, cadence: .yearly, due: .daysAfterYearEnd(60), storage: .paper),
                     try Self.type("lesson_plan", owner: .teacher, cadence: .weekly, due: .weekdayOfPrecedingWeek(.wednesday), storage: .paper)]
        #expect(try Self.plan(types).isEmpty)
        #expect(Self.ruleSet(types).type("diploma_register")?.storage == .paper, "still in the catalog")
    }

    @Test func planningIsDeterministicAndEveryKeyIsUnique() throws {
        let types = [
            try Self.type("school_education_plan", owner: .school, cadence: .yearly, due: .fixedDate(month: 9, day: 30)),
            try Self.type("lesson_plan", owner: .teacher, cadence: .weekly, due: .weekdayOfPrecedingWeek(.wednesday)),
            try Self.type("class_lesson_log", owner: .schoolClass, cadence: .monthly, due: .daysAfterMonthEnd(5)),
            try Self.type("homeroom_book", owner: .homeroomTeacher, cadence: .semester, due: .daysAfterSemesterEnd(7)),
            try Self.type("group_plan", owner: .subjectGroup, cadence: .weekly, due: .daysBeforeWeek(16)),
        ]
        let first = try Self.plan(types)
        #expect(try Self.plan(types) == first)
        let keys = first.map { "\($0.recordType)|\($0.owner.key)|\($0.period.kind.rawValue)|\($0.period.number)" }
        #expect(Set(keys).count == keys.count)
        #expect(first.allSatisfy { VietnamTime.date(epochSeconds: $0.dueAt) == $0.dueDate })
    }

    /// Whatever deadline rule the resolver accepts for a cadence, the planner can compute.
    @Test(arguments: Cadence.allCases)
    func everyDeadlineTheResolverAcceptsCanBePlanned(cadence: Cadence) throws {
        let dues: [RecordTypeDraft.Due] = [
            .init(rule: "weekday_of_preceding_week", weekday: "saturday"), .init(rule: "days_before_week", days: 10),
            .init(rule: "fixed_date", date: "09-30"), .init(rule: "days_after_semester_end", days: 7),
            .init(rule: "days_after_year_end", days: 0), .init(rule: "days_after_month_end", days: 5),
        ]
        var accepted = 0
        for due in dues {
            var draft = RuleSetResolverTests.draft("x", owner: "school", cadence: cadence.rawValue, due: due)
            draft.levels = ["lower_secondary"]
            guard let type = try? RuleSetResolver.check(draft) else { continue }
            accepted += 1
            let planned = try Self.plan([type])
            #expect(!planned.isEmpty, "\(due.rule)")
        }
        #expect(accepted > 0, "some deadline fits every cadence")
    }

    @Test func twentyNinthOfFebruaryIsRefusedBecauseMostYearsLackIt() throws {
        let refusal = #expect(throws: HosoErrors.self) {
            try RuleSetResolver.check(RuleSetResolverTests.draft("x", levels: ["lower_secondary"], owner: "school", cadence: "yearly",
                                                                   due: .init(rule: "fixed_date", date: "02-29")))
        }
        #expect(refusal?.errors.map(\.code) == ["rules.bad_deadline"])
        let type = try RuleSetResolver.check(RuleSetResolverTests.draft("x", levels: ["lower_secondary"], owner: "school", cadence: "yearly",
                                                                          due: .init(rule: "fixed_date", date: "02-28")))
        #expect(try Self.plan([type]).count == 1)
    }
}

@Suite struct ObligationStatusTests {
    static let due: Int64 = 1_759_251_599

    @Test func beforeAnythingIsSubmittedTheItemIsPendingThenMissing() {
        #expect(ObligationStatus.of(state: .open, exempt: false, submittedAt: nil, dueAt: Self.due, now: Self.due - 3600) == .pending)
        #expect(ObligationStatus.of(state: .open, exempt: false, submittedAt: nil, dueAt: Self.due, now: Self.due) == .pending, "the due second itself")
        #expect(ObligationStatus.of(state: .open, exempt: false, submittedAt: nil, dueAt: Self.due, now: Self.due + 1) == .missing)
    }

    @Test func aSubmissionIsOnTimeOrLateByItsFirstSubmissionTime() {
        // Submitted on time, reviewed long after the due time: still on time.
        #expect(ObligationStatus.of(state: .awaitingStep(0), exempt: false, submittedAt: Self.due, dueAt: Self.due, now: Self.due + 86_400) == .submitted)
        #expect(ObligationStatus.of(state: .awaitingStep(1), exempt: false, submittedAt: Self.due - 10, dueAt: Self.due, now: Self.due + 86_400) == .submitted)
        #expect(ObligationStatus.of(state: .awaitingStep(0), exempt: false, submittedAt: Self.due + 1, dueAt: Self.due, now: Self.due + 2) == .late)
        // Without a known submission time, now decides.
        #expect(ObligationStatus.of(state: .awaitingStep(0), exempt: false, submittedAt: nil, dueAt: Self.due, now: Self.due + 5) == .late)
        #expect(ObligationStatus.of(state: .awaitingStep(0), exempt: false, submittedAt: nil, dueAt: Self.due, now: Self.due - 5) == .submitted)
    }

    @Test func laterStatesFollowTheWorkflow() {
        let late = Self.due + 86_400
        #expect(ObligationStatus.of(state: .returned(step: 1), exempt: false, submittedAt: late, dueAt: Self.due, now: late) == .returned)
        #expect(ObligationStatus.of(state: .correcting, exempt: false, submittedAt: Self.due, dueAt: Self.due, now: late) == .returned)
        #expect(ObligationStatus.of(state: .approved, exempt: false, submittedAt: late, dueAt: Self.due, now: late) == .approved)
        #expect(ObligationStatus.of(state: .approved, exempt: false, submittedAt: late, dueAt: Self.due, now: late, signed: true) == .signed)
        #expect(ObligationStatus.of(state: .locked, exempt: false, submittedAt: late, dueAt: Self.due, now: late, signed: true) == .locked)
    }

    @Test(arguments: [RecordWorkflow.State.open, .awaitingStep(0), .returned(step: 0), .approved, .locked, .correcting])
    func anExemptionOverridesEveryState(state: RecordWorkflow.State) {
        #expect(ObligationStatus.of(state: state, exempt: true, submittedAt: Self.due + 10, dueAt: Self.due, now: Self.due + 100) == .exempt)
    }

    @Test func statusesHaveMessageKeys() {
        #expect(ObligationStatus.late.messageKey == "status.late")
        #expect(Set(ObligationStatus.allCases.map(\.messageKey)).count == ObligationStatus.allCases.count)
    }

    @Test(arguments: [RecordWorkflow.State.open, .awaitingStep(0), .awaitingStep(2), .returned(step: 0), .returned(step: 3), .approved,
                      .locked, .correcting])
    func aStateRoundTripsThroughItsStoredForm(state: RecordWorkflow.State) {
        let stored = state.stored
        #expect(RecordWorkflow.State(stored: stored.name, step: stored.step) == state)
    }

    @Test func storedNamesAreStable() {
        #expect(RecordWorkflow.State.awaitingStep(2).stored == ("awaiting", 2))
        #expect(RecordWorkflow.State.returned(step: 1).stored == ("returned", 1))
        #expect(RecordWorkflow.State.open.stored == ("open", nil))
        #expect(RecordWorkflow.State.correcting.stored == ("correcting", nil))
        #expect(RecordWorkflow.State(stored: "awaiting", step: nil) == .awaitingStep(0))
        #expect(RecordWorkflow.State(stored: "submitted", step: 0) == nil)
        #expect(RecordWorkflow.State(stored: "", step: nil) == nil)
    }
}
