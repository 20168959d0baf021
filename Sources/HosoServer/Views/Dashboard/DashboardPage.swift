import HosoCore
import HosoStore

/// `dashboard.mustache`: a unit's compliance figures, its children × record types, the trend,
/// and at a school its people, deadlines, late items and what waits for approval. The long tables
/// come as rows already written by `TableRow` (typed cells, escaped in one place).
struct DashboardPage: Sendable {
    struct Link: Sendable {
        let name: String
        let url: String
    }

    struct UnitLink: Sendable {
        let code: String
        let name: String
        let url: String
    }

    struct Figures: Sendable {
        let expected, submitted, onTime, late, missing, notDue, awaiting, returned, approved, signed, locked,
            exempt: Int
        let completeness: String
        let timeliness: String
        let band: String

        init(_ c: ComplianceCounts) {
            (expected, submitted, onTime, late, missing, notDue) = (
                c.expected, c.submitted, c.onTime, c.late, c.missing, c.notDue
            )
            (awaiting, returned, approved, signed, locked, exempt) = (
                c.awaiting, c.returned, c.approved, c.signed, c.locked, c.exempt
            )
            completeness = DashboardPage.percent(c.completeness)
            timeliness = DashboardPage.percent(c.timeliness)
            band = ComplianceBand(c.completeness).rawValue
        }
    }

    struct Bucket: Sendable {
        let label: String
        let count: Int
        let url: String
    }

    struct Option: Sendable {
        let value: String
        let label: String
        let selected: Bool
    }

    struct NumberOption: Sendable {
        let value: Int
        let selected: Bool
    }

    struct FilterForm: Sendable {
        let years: [Option]
        let semesters: [NumberOption]
        let from: Int
        let to: Int
        let lastWeek: Int
        let types: [Option]
        let levels: [Option]
        /// Along the tree as it stood on each item's due date, or as it is now.
        let trees: [Option]
    }

    struct SortOption: Sendable {
        let code: String
        let label: String
        let selected: Bool
    }

    struct Links: Sendable {
        let csv, xlsx, items, missing, awaiting, late, reminders, inspections, reports: String
    }

    struct ColumnType: Sendable {
        let name: String
        let code: String
        /// `ShortLabel`: the header's text; the full name is its title and in the legend.
        let short: String
    }

    struct CoverageRow: Sendable {
        let name: String
        let schools: Int
        let planned: Int
        let done: Int
        let share: String
    }

    struct Coverage: Sendable {
        let summary: String
        let rows: [CoverageRow]
        let hasRows: Bool
    }

    struct SignatureCounts: Sendable {
        let signed: Int
        let invalid: Int
        let unsigned: Int
        let hasInvalid: Bool
    }

    /// A school's own sections.
    struct School: Sendable {
        struct Deadline: Sendable {
            let type: String
            let due: String
            let expected: Int
            let submitted: Int
            let open: Int
            let url: String
        }

        /// `deadline-list.mustache`.
        struct DeadlineList: Sendable {
            let rows: [Deadline]
            let empty: Bool
        }

        struct Overdue: Sendable {
            let name: String
            let login: String
            let count: Int
            let oldest: String
            let url: String
        }

        struct Waiting: Sendable {
            let type: String
            let step: Int
            let count: Int
            let role: String
            let since: String
            let url: String
            /// "k of n subject teachers signed" over the step's items, at the subject teachers' step.
            var signers: String? = nil
        }

        let peopleRows: String
        let hasPeople: Bool
        let thisWeek: DeadlineList
        let nextWeek: DeadlineList
        let overdue: [Overdue]
        let hasOverdue: Bool
        let waiting: [Waiting]
        let hasWaiting: Bool
    }

    let unit: UnitLink
    let breadcrumbs: [Link]
    let total: Figures
    let lateBuckets: [Bucket]
    let typeRows: String
    let hasTypes: Bool
    let matrixRows: String
    let hasChildren: Bool
    let shownChildren: String
    let moreChildren: Bool
    let allURL: String
    let weekRows: String
    let hasWeeks: Bool
    let chart: String
    let filter: FilterForm
    let sorts: [SortOption]
    let links: Links
    let canRemind: Bool
    let columnTypes: [ColumnType]
    let school: School?
    let coverage: Coverage
    let signatureCounts: SignatureCounts
    /// "Paper copies filed k of n required" for the year (nil: nothing requires one here).
    var paperCopies: PaperCopies? = nil

    struct PaperCopies: Sendable {
        let filed: Int
        let required: Int
        let summary: String
    }

    static func percent(_ ratio: Double?) -> String {
        guard let ratio else { return "—" }
        return "\(Int((ratio * 100).rounded(.down)))%"
    }
}
