/// A school calendar as a tenant writes it (`tenants/<id>/calendars/<year>.yaml`) and the store
/// keeps it; `calendar()` checks it and computes the teaching weeks.
public struct CalendarDefinition: Sendable, Hashable, Codable {
    public let schoolYear: String
    public let opening: LocalDate
    public let firstWeekMonday: LocalDate
    public let last: LocalDate
    public let weeks: Int
    public let semesters: [SchoolCalendar.Semester]
    public let daysOff: [SchoolCalendar.DaysOff]

    public init(schoolYear: String, opening: LocalDate, firstWeekMonday: LocalDate, last: LocalDate, weeks: Int = 35,
                semesters: [SchoolCalendar.Semester], daysOff: [SchoolCalendar.DaysOff]) {
        self.schoolYear = schoolYear
        self.opening = opening
        self.firstWeekMonday = firstWeekMonday
        self.last = last
        self.weeks = weeks
        self.semesters = semesters
        self.daysOff = daysOff
    }

    public func calendar() throws -> SchoolCalendar {
        try SchoolCalendar(schoolYear: schoolYear, opening: opening, firstWeekMonday: firstWeekMonday, last: last,
                           semesters: semesters, daysOff: daysOff, weekCount: weeks)
    }
}
