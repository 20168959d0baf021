/// A calendar date without a time or zone (school calendars and deadlines are in dates), with the
/// arithmetic deadlines need. Proleptic Gregorian; day numbers count from 1970-01-01.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    public enum Weekday: Int, Sendable, CaseIterable, Codable {
        case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

        /// The English name in lower case, as rule-set files write it.
        public var name: String { String(describing: self) }

        public init?(name: String) {
            guard let day = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = day
        }
    }

    /// The last day of this date's month.
    public var lastOfMonth: LocalDate { LocalDate(year, month, Self.daysIn(month: month, year: year)) ?? self }
    public var firstOfMonth: LocalDate { LocalDate(year, month, 1) ?? self }

    /// `nil` when the date does not exist (2026-02-30).
    public init?(_ year: Int, _ month: Int, _ day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// `yyyy-MM-dd`.
    public init?(iso: String) {
        guard TenantValidator.isISODate(iso) else { return nil }
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        self.init(parts[0], parts[1], parts[2])
    }

    public init(dayNumber: Int) {
        // Howard Hinnant's civil_from_days.
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        month = m
        day = d
    }

    /// Days since 1970-01-01 (days_from_civil).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public var weekday: Weekday {
        // 1970-01-01 was a Thursday.
        let index = ((dayNumber % 7) + 7 + 3) % 7  // 0 = Monday
        return Weekday(rawValue: index + 1) ?? .monday
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// The Monday of this date's week (weeks run Monday to Sunday in Vietnam).
    public var monday: LocalDate { adding(days: -(weekday.rawValue - 1)) }

    public var iso: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// `dd/MM/yyyy`, as Vietnamese documents write dates.
    public var vietnamese: String {
        let parts = iso.split(separator: "-")
        return "\(parts[2])/\(parts[1])/\(parts[0])"
    }

    public var description: String { iso }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    static func daysIn(month: Int, year: Int) -> Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a yyyy-MM-dd date: \(text)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }
}

/// Vietnam keeps one offset all year (UTC+7, no daylight saving), so a local deadline converts to
/// an instant without time-zone tables.
public enum VietnamTime {
    public static let offsetSeconds = 7 * 3600

    /// Seconds since the Unix epoch (UTC) of `date` at `hour:minute:second` in Asia/Ho_Chi_Minh.
    public static func epochSeconds(_ date: LocalDate, hour: Int = 23, minute: Int = 59, second: Int = 59) -> Int64 {
        Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
    }

    /// The local date of an instant.
    public static func date(epochSeconds: Int64) -> LocalDate {
        let local = epochSeconds + Int64(offsetSeconds)
        return LocalDate(dayNumber: Int((local - ((local % 86_400) + 86_400) % 86_400) / 86_400))
    }

    /// `dd/MM/yyyy HH:mm` in Vietnam time, as pages show instants.
    public static func display(epochSeconds: Int64) -> String {
        let date = date(epochSeconds: epochSeconds)
        let seconds = ((epochSeconds + Int64(offsetSeconds)) % 86_400 + 86_400) % 86_400
        let hour = Int(seconds / 3600), minute = Int(seconds % 3600 / 60)
        return date.vietnamese + " " + (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    /// ISO 8601 with the +07:00 offset, as the API gives instants.
    public static func iso(epochSeconds: Int64) -> String {
        let date = date(epochSeconds: epochSeconds)
        let seconds = ((epochSeconds + Int64(offsetSeconds)) % 86_400 + 86_400) % 86_400
        func two(_ value: Int64) -> String { (value < 10 ? "0" : "") + String(value) }
        return "\(date.iso)T\(two(seconds / 3600)):\(two(seconds % 3600 / 60)):\(two(seconds % 60))+07:00"
    }
}
