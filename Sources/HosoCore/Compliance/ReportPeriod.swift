/// The period a report covers: a month, a semester, the school year, or any range of dates.
/// Figures are kept by the week in which items fall due, so a period resolves to the weeks that
/// hold its days; the report prints both the dates asked for and the weeks counted.
public enum ReportPeriod: Sendable, Equatable {
    case schoolYear
    case semester(Int)
    case month(year: Int, month: Int)
    case custom(from: LocalDate, to: LocalDate)

    /// From a form or query: `period` = `year` | `semester` | `month` | `custom`, with `semester`,
    /// `month` (`YYYY-MM`), `from` and `to` (`YYYY-MM-DD`) as the kind needs.
    public static func parse(_ query: [String: String]) throws -> ReportPeriod {
        func value(_ key: String) -> String? {
            guard let raw = query[key].map(Text.trimmed), !raw.isEmpty else { return nil }
            return raw
        }
        switch value("period") ?? "year" {
        case "year":
            return .schoolYear
        case "semester":
            guard let raw = value("semester"), let number = Int(raw) else {
                throw HosoError("report.bad_period", ["value": String((value("semester") ?? "").prefix(20))])
            }
            return .semester(number)
        case "month":
            let raw = value("month") ?? ""
            guard let first = LocalDate(iso: raw + "-01") else { throw HosoError("report.bad_period", ["value": String(raw.prefix(20))]) }
            return .month(year: first.year, month: first.month)
        case "custom":
            guard let from = value("from").flatMap(LocalDate.init(iso:)), let to = value("to").flatMap(LocalDate.init(iso:)) else {
                throw HosoError("report.bad_period", ["value": String("\(value("from") ?? "")…\(value("to") ?? "")".prefix(30))])
            }
            guard from <= to else { throw HosoError("report.bad_period", ["value": "\(from.vietnamese)…\(to.vietnamese)"]) }
            return .custom(from: from, to: to)
        case let other:
            throw HosoError("report.bad_period", ["value": String(other.prefix(20))])
        }
    }

    /// The dashboard filter's keys for this period in a school year (`semester`, or `from`/`to` weeks).
    public func filterQuery(_ weeks: YearWeeks) throws -> [String: String] {
        switch self {
        case .schoolYear:
            return ["year": weeks.schoolYear]
        case .semester(let number):
            guard weeks.weeks(ofSemester: number) != nil else {
                throw HosoError("dashboard.unknown_semester", ["semester": String(number)])
            }
            return ["year": weeks.schoolYear, "semester": String(number)]
        case .month(let year, let month):
            let first = LocalDate(year, month, 1)!
            return try range(first, first.lastOfMonth, weeks)
        case .custom(let from, let to):
            return try range(from, to, weeks)
        }
    }

    /// How long before the first teaching week a year's deadlines may fall (preparations in the
    /// summer count in week 0); a period that ends earlier is not in the year.
    public static let daysBeforeFirstWeek = 92

    func range(_ from: LocalDate, _ to: LocalDate, _ weeks: YearWeeks) throws -> [String: String] {
        let first = weeks.week(of: from), last = weeks.week(of: to)
        guard last <= weeks.horizon, first <= last, to >= weeks.firstMonday.adding(days: -Self.daysBeforeFirstWeek) else {
            throw HosoError("report.period_outside_year", ["from": from.vietnamese, "to": to.vietnamese, "year": weeks.schoolYear])
        }
        return ["year": weeks.schoolYear, "from": String(first), "to": String(last)]
    }

    /// The period as a report's title says it (Vietnamese first; `english` for the English pages).
    public func label(_ weeks: YearWeeks, english: Bool) -> String {
        switch self {
        case .schoolYear: return english ? "school year \(weeks.schoolYear)" : "năm học \(weeks.schoolYear)"
        case .semester(let number): return english ? "semester \(number), \(weeks.schoolYear)" : "học kỳ \(number) năm học \(weeks.schoolYear)"
        case .month(let year, let month): return english ? "month \(month)/\(year)" : "tháng \(month)/\(year)"
        case .custom(let from, let to): return english ? "\(from.vietnamese) to \(to.vietnamese)" : "từ \(from.vietnamese) đến \(to.vietnamese)"
        }
    }

    /// The query keys that reproduce the period (what a report job stores).
    public var query: [String: String] {
        switch self {
        case .schoolYear: return ["period": "year"]
        case .semester(let number): return ["period": "semester", "semester": String(number)]
        case .month(let year, let month): return ["period": "month", "month": "\(year)-\(month < 10 ? "0" : "")\(month)"]
        case .custom(let from, let to): return ["period": "custom", "from": from.iso, "to": to.iso]
        }
    }
}
