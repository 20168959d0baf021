/// What a person of a tenant gets before they choose for themselves (the tenant file's
/// `notifications:` block): the weekly digest and on which weekday, the note the day before a
/// deadline, and the language. Stored with the tenant; a person's own choice overrides it.
public struct NotificationDefaults: Sendable, Equatable, Codable {
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

    /// The fields a tenant file may not set as it did, with the field's name (empty: all valid).
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
