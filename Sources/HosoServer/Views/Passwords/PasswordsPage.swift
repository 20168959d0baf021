import HosoCore
import HosoStore

/// `passwords.mustache`: the accounts under a unit whose password needs a reminder (logins, names,
/// units and ages only).
struct PasswordsPage: Sendable {
    struct Account: Sendable {
        let name: String
        let login: String
        let unit: String
        /// Absent, not empty, when unknown: Mustache treats an empty string as present.
        let age: String?
        let daysLeft: String?
        let reasons: String
    }

    let unit: UnitLink
    let intro: String
    let csv: String
    let rows: [Account]
    let empty: Bool
    let count: Int
}

extension PasswordsPage.Account {
    init(_ line: PasswordReview.Line, _ language: Language, _ localizer: Localizer) {
        name = line.account.displayName
        login = line.account.login
        unit = line.units.first.map { $0.name(in: language) } ?? ""
        age = line.standing.ageDays.map(String.init)
        daysLeft = line.standing.daysLeft.map(String.init)
        reasons = line.standing.reasonKeys.map { localizer.text($0, language) }.joined(separator: ", ")
    }
}
