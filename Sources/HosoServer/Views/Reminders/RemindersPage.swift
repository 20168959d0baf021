import HosoCore
import HosoStore

/// `reminders.mustache`: who to remind at a unit, with what is due soon, overdue or returned.
struct RemindersPage: Sendable {
    struct Unit: Sendable {
        let name: String
        let dashboard: String
    }

    struct Person: Sendable {
        let name: String
        let login: String
        let email: String
        let unit: String
        let dueSoon: Int
        let overdue: Int
        let returned: Int
        let earliest: String

        init(_ line: ReminderLine, _ language: Language) {
            name = line.displayName
            login = line.login
            email = line.email ?? ""
            unit = language == .en && !line.unitNameEn.isEmpty ? line.unitNameEn : line.unitNameVi
            dueSoon = line.dueSoon
            overdue = line.overdue
            returned = line.returned
            earliest = VietnamTime.display(epochSeconds: line.earliestDue)
        }
    }

    let unit: Unit
    let days: Int
    let csv: String
    let rows: [Person]
    let empty: Bool
}
