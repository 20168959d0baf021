/// Every template of `web/templates` the code renders or includes, checked at start-up (with the
/// locale keys each one uses) so that a missing one stops the server instead of a page.
enum Template: String, CaseIterable, Sendable {
    // Pages
    case approvals
    case dashboard
    case error
    case home
    case inspection
    case inspections
    case inspectionsMine = "inspections-mine"
    case items
    case owe
    case passwords
    case people
    case record
    case reminders
    case report
    case reports
    case search
    case signatures
    case signIn = "signin"
    case unit
    case windows
    case choices
    case notifications
    case outbox
    case unsubscribe
    // Frame and partials the pages include
    case layout
    case deadlineList = "deadline-list"
    case followUpTable = "follow-up-table"
    case itemList = "item-list"
}
