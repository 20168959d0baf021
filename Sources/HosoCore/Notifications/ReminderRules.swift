/// When a person's reminders are made (Vietnam's time). The job runs once a day per tenant, from
/// `sendingHour` on; a digest is made once per week and person, the note once per day and person,
/// so a server that was down on the chosen day catches up once and never twice.
public enum ReminderRules {
    /// Reminders are made from this hour of the day on.
    public static let sendingHour = 7
    /// A weekly digest names what is due this many days ahead.
    public static let horizonDays = 7
    /// Overdue items older than this many days are no longer named (last year's are history).
    public static let overdueDays = 120
    /// An officer's digest names the inspection follow-ups due this many days ahead (and overdue ones).
    public static let followUpDays = 14

    /// Whether the weekly digest is due on `today` for someone who chose `weekday` (1 = Monday):
    /// on that day, or later in the same week when the day was missed.
    public static func weeklyDue(today: LocalDate, chosenWeekday: Int, weekly: Bool) -> Bool {
        weekly && today.weekday.rawValue >= min(max(chosenWeekday, 1), 7)
    }

    /// The period key of a weekly digest: the week's Monday.
    public static func week(of today: LocalDate) -> String { today.monday.iso }

    /// Whether an item due at `dueAt` falls on the day after `today`.
    public static func dueTomorrow(_ dueAt: Int64, today: LocalDate) -> Bool {
        VietnamTime.date(epochSeconds: dueAt) == today.adding(days: 1)
    }
}
