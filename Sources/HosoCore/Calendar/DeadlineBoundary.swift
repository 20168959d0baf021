/// Whether a deadline naming a day means "by the end of that day" or "before that day" (by the end
/// of the day before). Seed 004: lesson plans go up "trước ngày thứ 4 của tuần liền trước", before
/// the Wednesday of the preceding week; read literally that is the end of Tuesday. The rule-set data
/// says which (`boundary: before_day | end_of_day`); without it a named day means its end.
public enum DeadlineBoundary: String, Sendable, Hashable, CaseIterable {
    case beforeDay = "before_day"
    case endOfDay = "end_of_day"

    /// The boundary a rule-set file wrote, `end_of_day` when it wrote none.
    public static func parse(_ raw: String?) throws -> DeadlineBoundary {
        guard let raw else { return .endOfDay }
        guard let boundary = DeadlineBoundary(rawValue: raw) else {
            throw HosoError("rules.bad_deadline", ["detail": "boundary \(raw)"])
        }
        return boundary
    }
}

extension DeadlineRule {
    /// The boundary this rule applies to the day it names.
    public var boundary: DeadlineBoundary {
        if case .dayBeforeWeekdayOfPrecedingWeek = self { return .beforeDay }
        return .endOfDay
    }
}
