/// One tenant's school year: opening, semesters, holidays and breaks (Tết), and the teaching weeks
/// that follow from them, in Asia/Ho_Chi_Minh dates. Built from tenant data and checked whole.
public struct SchoolCalendar: Sendable, Equatable {
    public struct Semester: Sendable, Hashable, Codable {
        public let number: Int
        public let first: LocalDate
        public let last: LocalDate
        public init(number: Int, first: LocalDate, last: LocalDate) {
            self.number = number
            self.first = first
            self.last = last
        }
    }

    /// Days off: a single holiday (first == last) or a break such as Tết.
    public struct DaysOff: Sendable, Hashable, Codable {
        public let nameVi: String
        public let nameEn: String
        public let first: LocalDate
        public let last: LocalDate
        public init(nameVi: String, nameEn: String, first: LocalDate, last: LocalDate) {
            self.nameVi = nameVi
            self.nameEn = nameEn
            self.first = first
            self.last = last
        }
    }

    public struct TeachingWeek: Sendable, Equatable {
        public let number: Int
        public let monday: LocalDate
        public let semester: Int
    }

    /// e.g. `2025-2026`.
    public let schoolYear: String
    public let opening: LocalDate
    public let last: LocalDate
    public let semesters: [Semester]
    public let daysOff: [DaysOff]
    public let teachingWeeks: [TeachingWeek]

    /// - Parameters:
    ///   - firstWeekMonday: the Monday of teaching week 1 (schools open on 5 September and teach
    ///     from the following week; the tenant says which Monday).
    ///   - weekCount: teaching weeks in the year (35 under the MOET frame: 18 + 17).
    /// A week whose Monday to Friday are all days off is not a teaching week and is skipped.
    public init(
        schoolYear: String, opening: LocalDate, firstWeekMonday: LocalDate, last: LocalDate,
        semesters: [Semester], daysOff: [DaysOff], weekCount: Int = 35
    ) throws {
        var problems: [HosoError] = []
        let years = schoolYear.split(separator: "-").compactMap { Int($0) }
        if years.count != 2 || years[1] != years[0] + 1 || opening.year != years[0] {
            problems.append(HosoError("calendar.bad_school_year", ["year": schoolYear]))
        }
        if firstWeekMonday.weekday != .monday { problems.append(HosoError("calendar.not_monday", ["date": firstWeekMonday.iso])) }
        if !(opening <= firstWeekMonday && firstWeekMonday < last) { problems.append(HosoError("calendar.bad_order", ["year": schoolYear])) }
        let ordered = semesters.sorted { $0.number < $1.number }
        if ordered.isEmpty { problems.append(HosoError("calendar.no_semesters", ["year": schoolYear])) }
        for (index, semester) in ordered.enumerated() {
            let overlapsPrevious = index > 0 && semester.first <= ordered[index - 1].last
            if semester.first > semester.last || semester.first < opening || semester.last > last || overlapsPrevious {
                problems.append(HosoError("calendar.bad_semester", ["year": schoolYear, "semester": String(semester.number)]))
            }
        }
        for off in daysOff where off.first > off.last {
            problems.append(HosoError("calendar.bad_days_off", ["name": off.nameVi, "date": off.first.iso]))
        }
        guard problems.isEmpty else { throw HosoErrors(problems) }

        func isOff(_ date: LocalDate) -> Bool { daysOff.contains { $0.first <= date && date <= $0.last } }
        var weeks: [TeachingWeek] = []
        var monday = firstWeekMonday
        while weeks.count < weekCount && monday <= last {
            let weekdays = (0..<5).map { monday.adding(days: $0) }
            if !weekdays.allSatisfy(isOff) {
                let semester = ordered.last { $0.first <= weekdays[4] }?.number ?? 1
                weeks.append(TeachingWeek(number: weeks.count + 1, monday: monday, semester: semester))
            }
            monday = monday.adding(days: 7)
        }
        guard weeks.count == weekCount else {
            throw HosoErrors([HosoError("calendar.too_few_weeks", ["year": schoolYear, "weeks": String(weeks.count), "expected": String(weekCount)])])
        }
        self.schoolYear = schoolYear
        self.opening = opening
        self.last = last
        self.semesters = ordered
        self.daysOff = daysOff
        self.teachingWeeks = weeks
    }

    public func isDayOff(_ date: LocalDate) -> Bool { daysOff.contains { $0.first <= date && date <= $0.last } }

    /// Sundays and declared days off are not working days (schools work on Saturdays).
    public func isWorkingDay(_ date: LocalDate) -> Bool { date.weekday != .sunday && !isDayOff(date) }

    public func week(_ number: Int) -> TeachingWeek? {
        teachingWeeks.indices.contains(number - 1) ? teachingWeeks[number - 1] : nil
    }

    public func semester(_ number: Int) -> Semester? { semesters.first { $0.number == number } }

    /// The teaching week a date falls in, if any.
    public func week(containing date: LocalDate) -> TeachingWeek? {
        teachingWeeks.first { $0.monday <= date && date < $0.monday.adding(days: 7) }
    }

    /// The nearest working day on or before (or after) `date`.
    public func workingDay(from date: LocalDate, forward: Bool) -> LocalDate {
        var day = date
        // A year has far fewer than 60 consecutive days off; the bound only guards bad data.
        for _ in 0..<60 where !isWorkingDay(day) { day = day.adding(days: forward ? 1 : -1) }
        return day
    }
}
