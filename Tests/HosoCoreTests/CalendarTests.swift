import HosoCore
import Testing

/// Deadline rules on real school years: 2025-26 (Tết on 17 February 2026) and 2026-27.
@Suite struct CalendarTests {
    static func date(_ iso: String) -> LocalDate {
        guard let date = LocalDate(iso: iso) else { preconditionFailure("bad fixture date \(iso)") }
        return date
    }

    static func off(_ name: String, _ first: String, _ last: String) -> SchoolCalendar.DaysOff {
        SchoolCalendar.DaysOff(nameVi: name, nameEn: name, first: date(first), last: date(last))
    }

    /// 2025-26: opening 5 Sep 2025, teaching from Monday 8 Sep, semester 1 to 10 Jan 2026,
    /// Tết break 14–22 Feb 2026, year ends 30 May 2026.
    static func year2025() throws -> SchoolCalendar {
        try SchoolCalendar(
            schoolYear: "2025-2026", opening: date("2025-09-05"), firstWeekMonday: date("2025-09-08"), last: date("2026-05-30"),
            semesters: [.init(number: 1, first: date("2025-09-05"), last: date("2026-01-10")),
                        .init(number: 2, first: date("2026-01-12"), last: date("2026-05-30"))],
            daysOff: [off("Tết Dương lịch", "2026-01-01", "2026-01-01"), off("Tết Nguyên đán", "2026-02-14", "2026-02-22"),
                      off("30/4 – 1/5", "2026-04-30", "2026-05-01")]
        )
    }

    /// 2026-27: opening Saturday 5 Sep 2026, teaching from Monday 7 Sep; National Day 1–2 Sep.
    static func year2026() throws -> SchoolCalendar {
        try SchoolCalendar(
            schoolYear: "2026-2027", opening: date("2026-09-05"), firstWeekMonday: date("2026-09-07"), last: date("2027-05-29"),
            semesters: [.init(number: 1, first: date("2026-09-05"), last: date("2027-01-09")),
                        .init(number: 2, first: date("2027-01-11"), last: date("2027-05-29"))],
            daysOff: [off("Quốc khánh", "2026-09-01", "2026-09-02"), off("Tết Nguyên đán", "2027-02-03", "2027-02-14")]
        )
    }

    @Test func datesCountDaysAndWeekdays() throws {
        #expect(Self.date("2026-02-17").weekday == .tuesday)
        #expect(Self.date("1970-01-01").dayNumber == 0)
        #expect(LocalDate(2026, 2, 29) == nil)
        #expect(LocalDate(2024, 2, 29) != nil)
        for number in stride(from: -1000, through: 30000, by: 37) { #expect(LocalDate(dayNumber: number).dayNumber == number) }
        #expect(Self.date("2026-02-28").adding(days: 1) == Self.date("2026-03-01"))
        #expect(Self.date("2026-02-19").monday == Self.date("2026-02-16"))
        #expect(Self.date("2026-09-02").vietnamese == "02/09/2026")
    }

    @Test func teachingWeeksSkipTheTetBreak() throws {
        let calendar = try Self.year2025()
        #expect(calendar.teachingWeeks.count == 35)
        #expect(calendar.week(1)?.monday == Self.date("2025-09-08"))
        #expect(calendar.week(18)?.monday == Self.date("2026-01-05"))
        #expect(calendar.week(18)?.semester == 1)
        #expect(calendar.week(19)?.semester == 2, "18 + 17 weeks")
        #expect(calendar.week(23)?.monday == Self.date("2026-02-09"))
        #expect(calendar.week(24)?.monday == Self.date("2026-02-23"), "the week of 16 Feb is all Tết")
        #expect(calendar.week(35)?.monday == Self.date("2026-05-11"))
        #expect(calendar.week(containing: Self.date("2026-02-18")) == nil)
        #expect(calendar.teachingWeeks.filter { $0.semester == 1 }.count == 18)
    }

    @Test func lessonPlansAreDueOnTheWednesdayOfTheTeachingWeekBefore() throws {
        let calendar = try Self.year2025()
        let rule = DeadlineRule.weekdayOfPrecedingWeek(.wednesday)
        #expect(try rule.dueDate(for: .week(1), in: calendar) == Self.date("2025-09-03"))
        #expect(try rule.dueDate(for: .week(2), in: calendar) == Self.date("2025-09-10"))
        #expect(try rule.dueDate(for: .week(24), in: calendar) == Self.date("2026-02-11"), "the week before Tết, not the Tết week")
        // 2026-27: week 1's Wednesday before is 2 September, National Day: due on the last working day before.
        #expect(try rule.dueDate(for: .week(1), in: try Self.year2026()) == Self.date("2026-08-31"))
    }

    @Test func groupAndIndividualPlansAreDueDaysBeforeTheWeek() throws {
        let calendar = try Self.year2025()
        let group = DeadlineRule.daysBeforeWeek(16), individual = DeadlineRule.daysBeforeWeek(10)
        #expect(try group.dueDate(for: .week(24), in: calendar) == Self.date("2026-02-07"), "a Saturday is a working day")
        #expect(try group.dueDate(for: .week(25), in: calendar) == Self.date("2026-02-13"), "14 Feb is Tết: the Friday before")
        #expect(try individual.dueDate(for: .week(24), in: calendar) == Self.date("2026-02-13"))
        #expect(try individual.dueDate(for: .week(25), in: calendar, shift: .nextWorkingDay) == Self.date("2026-02-23"))
        #expect(try individual.dueDate(for: .week(25), in: calendar, shift: .none) == Self.date("2026-02-20"))
    }

    @Test func fixedDatesAndSemesterEnds() throws {
        let calendar = try Self.year2025()
        #expect(try DeadlineRule.fixedDate(month: 9, day: 30).dueDate(for: .year, in: calendar) == Self.date("2025-09-30"))
        #expect(try DeadlineRule.fixedDate(month: 5, day: 31).dueDate(for: .year, in: calendar) == Self.date("2026-05-30"), "a Sunday")
        #expect(try DeadlineRule.daysAfterSemesterEnd(7).dueDate(for: .semester(1), in: calendar) == Self.date("2026-01-17"))
        #expect(try DeadlineRule.daysAfterYearEnd(0).dueDate(for: .year, in: calendar) == Self.date("2026-05-30"))
        #expect(throws: HosoError("deadline.period_mismatch")) { try DeadlineRule.daysAfterSemesterEnd(3).dueDate(for: .week(4), in: calendar) }
        // A yearly or semester plan "N days before" is due before the first teaching week of its period.
        #expect(try DeadlineRule.daysBeforeWeek(10).dueDate(for: .year, in: calendar) == calendar.week(1)?.monday.adding(days: -10))
        #expect(try DeadlineRule.daysAfterMonthEnd(5).dueDate(for: .month(Self.date("2025-10-01")), in: calendar, shift: .none) == Self.date("2025-11-05"))
        #expect(throws: HosoError("deadline.no_such_week", ["week": "36"])) {
            try DeadlineRule.daysBeforeWeek(3).dueDate(for: .week(36), in: calendar)
        }
    }

    @Test func dueTimesAreTheEndOfTheDayInVietnam() throws {
        let due = try DeadlineRule.weekdayOfPrecedingWeek(.wednesday).dueEpochSeconds(for: .week(1), in: try Self.year2025())
        #expect(due == 1_756_918_799, "2025-09-03T23:59:59+07:00 = 16:59:59Z")
        #expect(VietnamTime.date(epochSeconds: due) == Self.date("2025-09-03"))
        #expect(VietnamTime.date(epochSeconds: due + 1) == Self.date("2025-09-04"))
    }

    @Test func badCalendarsAreRefusedWhole() {
        #expect(throws: HosoErrors.self) {
            try SchoolCalendar(schoolYear: "2025-2027", opening: Self.date("2025-09-05"), firstWeekMonday: Self.date("2025-09-09"),
                               last: Self.date("2026-05-30"), semesters: [], daysOff: [])
        }
        do {
            _ = try SchoolCalendar(schoolYear: "2025-2026", opening: Self.date("2025-09-05"), firstWeekMonday: Self.date("2025-09-08"),
                                   last: Self.date("2025-12-31"),
                                   semesters: [.init(number: 1, first: Self.date("2025-09-05"), last: Self.date("2025-12-31"))], daysOff: [])
            Issue.record("a year too short for 35 weeks must be refused")
        } catch let error as HosoErrors {
            #expect(error.errors.map(\.code) == ["calendar.too_few_weeks"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
