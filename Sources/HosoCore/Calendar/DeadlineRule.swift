/// When an expected item is due, as tenant data (never code): e.g. a lesson plan for teaching week
/// W is due on the Wednesday of the teaching week before; a subject-group plan 16 days before the
/// week; the school plan on 30 September.
public enum DeadlineRule: Sendable, Hashable {
    /// On `weekday` of the teaching week before week W (for week 1: the calendar week before it).
    case weekdayOfPrecedingWeek(LocalDate.Weekday)
    /// The day before `weekday` of the teaching week before week W: "trước ngày thứ 4 của tuần liền
    /// trước" (seed 004) read literally, i.e. by the end of Tuesday (`boundary: before_day`).
    case dayBeforeWeekdayOfPrecedingWeek(LocalDate.Weekday)
    /// `days` days before the Monday of week W.
    case daysBeforeWeek(Int)
    /// A date of the school year (September–December in its first calendar year, else its second).
    case fixedDate(month: Int, day: Int)
    /// `days` days after the last day of semester S.
    case daysAfterSemesterEnd(Int)
    /// `days` days after the last day of the school year.
    case daysAfterYearEnd(Int)
    /// `days` days after the last day of a month.
    case daysAfterMonthEnd(Int)

    /// What a deadline falling on a Sunday or a day off does.
    public enum Shift: String, Sendable, Hashable, Codable {
        /// Earlier, to the last working day before: people are not asked to work through Tết.
        case previousWorkingDay = "previous_working_day"
        case nextWorkingDay = "next_working_day"
        case none
    }

    /// The period an expected item covers.
    public enum Period: Sendable, Hashable {
        case week(Int)
        case semester(Int)
        /// A month of the school year, named by its first day.
        case month(LocalDate)
        case year
    }

    /// The due date of the item for `period`, shifted off days off as `shift` says.
    public func dueDate(for period: Period, in calendar: SchoolCalendar, shift: Shift = .previousWorkingDay) throws -> LocalDate {
        let raw: LocalDate
        switch (self, period) {
        case (.weekdayOfPrecedingWeek(let weekday), .week(let number)):
            guard let week = calendar.week(number) else { throw HosoError("deadline.no_such_week", ["week": String(number)]) }
            let precedingMonday = number > 1 ? (calendar.week(number - 1)?.monday ?? week.monday.adding(days: -7)) : week.monday.adding(days: -7)
            raw = precedingMonday.adding(days: weekday.rawValue - 1)
        case (.dayBeforeWeekdayOfPrecedingWeek(let weekday), .week):
            let named = try DeadlineRule.weekdayOfPrecedingWeek(weekday).dueDate(for: period, in: calendar, shift: .none)
            raw = named.adding(days: -1)
        case (.daysBeforeWeek(let days), .week(let number)):
            guard let week = calendar.week(number) else { throw HosoError("deadline.no_such_week", ["week": String(number)]) }
            raw = week.monday.adding(days: -days)
        case (.daysBeforeWeek(let days), .year):
            // A yearly plan: before the first teaching week.
            guard let week = calendar.week(1) else { throw HosoError("deadline.no_such_week", ["week": "1"]) }
            raw = week.monday.adding(days: -days)
        case (.daysBeforeWeek(let days), .semester(let number)):
            // A semester plan: before the semester's first teaching week.
            guard let week = calendar.teachingWeeks.first(where: { $0.semester == number }) else {
                throw HosoError("deadline.no_such_semester", ["semester": String(number)])
            }
            raw = week.monday.adding(days: -days)
        case (.daysAfterMonthEnd(let days), .month(let first)):
            raw = first.lastOfMonth.adding(days: days)
        case (.fixedDate(let month, let day), _):
            let years = calendar.schoolYear.split(separator: "-").compactMap { Int($0) }
            let year = month >= 8 ? years.first ?? calendar.opening.year : years.last ?? calendar.last.year
            guard let date = LocalDate(year, month, day) else {
                throw HosoError("deadline.bad_date", ["month": String(month), "day": String(day)])
            }
            raw = date
        case (.daysAfterSemesterEnd(let days), .semester(let number)):
            guard let semester = calendar.semester(number) else { throw HosoError("deadline.no_such_semester", ["semester": String(number)]) }
            raw = semester.last.adding(days: days)
        case (.daysAfterYearEnd(let days), _):
            raw = calendar.last.adding(days: days)
        default:
            throw HosoError("deadline.period_mismatch")
        }
        switch shift {
        case .none: return raw
        case .previousWorkingDay: return calendar.workingDay(from: raw, forward: false)
        case .nextWorkingDay: return calendar.workingDay(from: raw, forward: true)
        }
    }

    /// The instant the item is late after: the end of the due day in Vietnam (23:59:59, UTC+7).
    public func dueEpochSeconds(for period: Period, in calendar: SchoolCalendar, shift: Shift = .previousWorkingDay) throws -> Int64 {
        VietnamTime.epochSeconds(try dueDate(for: period, in: calendar, shift: shift))
    }
}
