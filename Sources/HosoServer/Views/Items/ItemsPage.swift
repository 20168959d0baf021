import HosoCore
import HosoStore

/// `items.mustache`: a list of items with its filter form, its count and its pager (`ItemListing`):
/// a unit's items behind a figure, or a person's own.
struct ItemsPage: Sendable {
    struct Link: Sendable {
        let text: String
        let url: String
    }

    struct Option: Sendable {
        let value: String
        let label: String
        let selected: Bool
    }

    struct Hidden: Sendable {
        let name: String
        let value: String
    }

    /// The filter form (GET, so the URL keeps the list's state).
    struct Form: Sendable {
        let action: String
        let years: [Option]
        let semesters: [Option]
        let from: Int
        let to: Int
        let lastWeek: Int
        let types: [Option]
        let statuses: [Option]
        let people: [Option]
        let hasPeople: Bool
        let sorts: [Option]
        let hidden: [Hidden]
        /// The list without any filter.
        let reset: String
    }

    struct Pager: Sendable {
        let first: String?
        let previous: String?
        let next: String?
        let last: String?
        /// "Trang 2/13", or "Trang 2" when the list is longer than it counts.
        let position: String
    }

    let heading: String
    let back: Link?
    let form: Form
    /// A refused filter value, in the reader's language (the page then answers 400).
    let error: String?
    /// "Hồ sơ 101–200 trong 1.234", or that there are none.
    let summary: String
    let items: [ObligationItem]
    let empty: Bool
    let pager: Pager
    let csv: String?
    let xlsx: String?
}
