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
    let items: [ObligationItem]
    let empty: Bool
    let previous: String?
    let next: String?
    let csv: String
    let xlsx: String
    let page: Int
}

