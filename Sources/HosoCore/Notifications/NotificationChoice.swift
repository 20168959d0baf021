/// Which reminders a person gets: the weekly digest and on which weekday, the note the day before
/// a deadline, and the language. A person's own (`/settings/notifications`), or a tenant's
/// defaults for those who have not chosen (the tenant file's `notifications:` block).
public struct NotificationChoice: Sendable, Equatable, Codable {
    public var weekly: Bool
    public var dayBefore: Bool
    /// 1 = Monday … 7 = Sunday.
    public var weekday: Int
    /// `vi` or `en`.
    public var language: String

    public init(weekly: Bool = true, dayBefore: Bool = true, weekday: Int = 1, language: String = "vi") {
        self.weekly = weekly
        self.dayBefore = dayBefore
        self.weekday = weekday
        self.language = language
    }

    public static let languages = ["vi", "en"]

    /// The fields set to what no choice may be, named as in the tenant file (empty: all valid).
    public var invalidFields: [String] {
        var fields: [String] = []
        if !(1...7).contains(weekday) { fields.append("notifications.weekday") }
        if !Self.languages.contains(language) { fields.append("notifications.language") }
        return fields
    }

    enum CodingKeys: String, CodingKey {
        case weekly, dayBefore = "day_before", weekday, language
    }
}
