/// The weeks of a school year as dashboards count them: week 1 is the week (Monday to Sunday) of
/// the first teaching Monday, and weeks run on to the year's last day. An item belongs to the week
/// in which it is due; anything due before week 1 counts in week 0.
public struct YearWeeks: Sendable, Equatable {
    public let schoolYear: String
    public let firstMonday: LocalDate
    public let count: Int
    public let semesters: [SchoolCalendar.Semester]

    public init(_ calendar: SchoolCalendar) {
        schoolYear = calendar.schoolYear
        firstMonday = calendar.teachingWeeks.first?.monday ?? calendar.opening.monday
        count = (calendar.last.dayNumber - firstMonday.dayNumber) / 7 + 1
        semesters = calendar.semesters
    }

    public func week(of date: LocalDate) -> Int {
        date < firstMonday ? 0 : (date.dayNumber - firstMonday.dayNumber) / 7 + 1
    }

    public func week(ofEpoch seconds: Int64) -> Int { week(of: VietnamTime.date(epochSeconds: seconds)) }

    public func monday(of week: Int) -> LocalDate { firstMonday.adding(days: 7 * (max(week, 1) - 1)) }

    /// The last week that still holds the year's deadlines: reports due after the last day of
    /// school (in the summer) belong to the year too.
    public var horizon: Int { count + 17 }

    /// The weeks a semester covers: from its first week (week 0 for the first semester) to the
    /// week before the next one begins, the last semester to the horizon. Every week belongs to
    /// exactly one semester.
    public func weeks(ofSemester number: Int) -> ClosedRange<Int>? {
        guard let index = semesters.firstIndex(where: { $0.number == number }) else { return nil }
        let first = index == 0 ? 0 : week(of: semesters[index].first)
        let last = index + 1 < semesters.count ? week(of: semesters[index + 1].first) - 1 : horizon
        return first...max(first, last)
    }
}

/// Along which tree figures are added up.
public enum TreeBasis: String, Sendable, Equatable, CaseIterable {
    /// Each item under the ancestors its school had on the item's due date: what a past period
    /// and a report said, whatever moved since (the default for past years and reports).
    case stood
    /// Each item under its school's ancestors today (the default for the current year's dashboards).
    case now

    /// The stored counts' `basis` values this reading adds up (migration 0011).
    public var storedBases: [String] { self == .stood ? ["b", "s"] : ["b", "n"] }
}

/// What a dashboard shows: a school year, a range of its weeks (a semester or any range), and
/// optionally one record type and one school level. Parsed from the query string, so a view can
/// be shared by its URL; anything unknown is refused with a message naming it.
public struct ComplianceFilter: Sendable, Equatable {
    public var schoolYear: String
    public var semester: Int?
    public var weeks: ClosedRange<Int>
    public var recordType: String?
    public var schoolLevel: SchoolLevel?
    /// The whole school year, every week of it (the stored year totals answer it).
    public var wholeYear: Bool
    /// The tree the figures follow (`tree=stood|now`).
    public var basis: TreeBasis

    public init(schoolYear: String, semester: Int? = nil, weeks: ClosedRange<Int>, recordType: String? = nil, schoolLevel: SchoolLevel? = nil,
                wholeYear: Bool = false, basis: TreeBasis = .now) {
        self.basis = basis
        self.schoolYear = schoolYear
        self.semester = semester
        self.weeks = weeks
        self.recordType = recordType
        self.schoolLevel = schoolLevel
        self.wholeYear = wholeYear
    }

    /// - Parameters:
    ///   - query: `year`, `semester`, `from`, `to` (weeks), `type`, `level`, `tree`; empty values are absent.
    ///   - years: the school years that have a calendar, with their weeks.
    ///   - defaultYear: the year shown when none is asked for.
    ///   - recordTypes: the codes the year's rule-set knows.
    public static func parse(_ query: [String: String], years: [String: YearWeeks], defaultYear: String,
                             recordTypes: Set<String>) throws -> ComplianceFilter {
        func value(_ key: String) -> String? {
            guard let raw = query[key].map(Text.trimmed), !raw.isEmpty else { return nil }
            return raw
        }
        let year = value("year") ?? defaultYear
        guard let weeks = years[year] else { throw HosoError("dashboard.unknown_year", ["year": String(year.prefix(20))]) }
        var range = 0...weeks.horizon
        var semester: Int?
        if let raw = value("semester") {
            guard let number = Int(raw), let semesterWeeks = weeks.weeks(ofSemester: number) else {
                throw HosoError("dashboard.unknown_semester", ["semester": String(raw.prefix(20))])
            }
            semester = number
            range = semesterWeeks
        }
        let from = try value("from").map { try week($0, weeks) }
        let to = try value("to").map { try week($0, weeks) }
        if from != nil || to != nil {
            let lower = from ?? range.lowerBound, upper = to ?? range.upperBound
            // Within a semester the weeks must lie inside it; otherwise anywhere in the year.
            guard lower <= upper, range.contains(lower), range.contains(upper) else {
                throw HosoError("dashboard.bad_weeks", ["from": String(lower), "to": String(upper), "last": String(weeks.horizon)])
            }
            range = lower...upper
        }
        var type: String?
        if let raw = value("type") {
            guard recordTypes.contains(raw) else { throw HosoError("dashboard.unknown_type", ["type": String(raw.prefix(40))]) }
            type = raw
        }
        var level: SchoolLevel?
        if let raw = value("level") {
            guard let known = SchoolLevel(rawValue: raw) else { throw HosoError("dashboard.unknown_level", ["level": String(raw.prefix(40))]) }
            level = known
        }
        // The current year follows today's tree; a past one the tree as it stood.
        var basis: TreeBasis = year == defaultYear ? .now : .stood
        if let raw = value("tree") {
            guard let known = TreeBasis(rawValue: raw) else { throw HosoError("dashboard.unknown_tree", ["tree": String(raw.prefix(20))]) }
            basis = known
        }
        return ComplianceFilter(schoolYear: year, semester: semester, weeks: range, recordType: type, schoolLevel: level,
                                wholeYear: range == 0...weeks.horizon, basis: basis)
    }

    static func week(_ raw: String, _ weeks: YearWeeks) throws -> Int {
        guard let number = Int(raw), (0...weeks.horizon).contains(number) else {
            throw HosoError("dashboard.bad_weeks", ["from": String(raw.prefix(10)), "to": String(raw.prefix(10)), "last": String(weeks.horizon)])
        }
        return number
    }

    /// The query string that reproduces this filter (what links and exports carry).
    public var query: [(String, String)] {
        var items: [(String, String)] = [("year", schoolYear)]
        if let semester { items.append(("semester", String(semester))) }
        if !wholeYear {
            items.append(("from", String(weeks.lowerBound)))
            items.append(("to", String(weeks.upperBound)))
        }
        if let recordType { items.append(("type", recordType)) }
        if let schoolLevel { items.append(("level", schoolLevel.rawValue)) }
        items.append(("tree", basis.rawValue))
        return items
    }
}
