import HosoCore
import HosoStore

/// `items.mustache`: the drill-down's last step, a page of the items behind a figure.
struct ItemsPage: Sendable {
    struct Unit: Sendable {
        let name: String
        let dashboard: String
    }

    let unit: Unit
    /// Which figure the items are behind ("Missing", "All items", ...).
    let column: String
    let items: [ItemRow]
    let empty: Bool
    let previous: String?
    let next: String?
    let csv: String
    let xlsx: String
    let page: Int
}

/// One item as `item-list.mustache` shows it.
struct ItemRow: Sendable {
    let id: Int64
    let url: String
    let type: String
    let unit: String
    let unitCode: String
    let owner: String
    let period: String
    let periodDates: String
    let due: String
    let status: String
    let statusCode: String
    let awaiting: String?
    let step: Int?
    let exemptReason: String?

    init(_ row: ObligationRow, _ localizer: Localizer, _ language: Language) {
        id = row.id
        url = SiteURL.record(row.id).path
        type = language == .en ? row.typeNameEn : row.typeNameVi
        unit = language == .en && !row.unitNameEn.isEmpty ? row.unitNameEn : row.unitNameVi
        unitCode = row.unitCode
        owner = row.ownerName
        period = localizer.text("period." + row.periodKind, language, ["n": String(row.periodNumber)])
        periodDates =
            (LocalDate(iso: row.periodFirst)?.vietnamese ?? row.periodFirst) + " – "
            + (LocalDate(iso: row.periodLast)?.vietnamese ?? row.periodLast)
        due = VietnamTime.display(epochSeconds: row.dueAt)
        status = localizer.text(row.status.messageKey, language)
        statusCode = row.status.rawValue
        awaiting = row.awaitingRole.map { localizer.text($0.messageKey, language) }
        if case .awaitingStep(let step) = row.state { self.step = step + 1 } else { self.step = nil }
        exemptReason = row.exemptReason
    }
}
