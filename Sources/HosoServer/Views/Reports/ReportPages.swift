import HosoCore
import HosoStore

/// A report job as the pages list it (`reports.mustache`) and show it (`report.mustache`).
struct ReportJobView: Sendable {
    let id: Int64
    let url: String
    let title: String
    let format: String
    let state: String
    let stateCode: String
    let percent: Int
    let created: String
    let running: Bool
    let done: Bool
    let failed: Bool
    let stage: String?
    let error: String?
    let download: String?
    let size: String?
    /// The unit's report page (set on the job's own page).
    var unitReports: String?
}

/// `reports.mustache`: the form that asks for a report of a unit, and the person's recent jobs.
struct ReportsPage: Sendable {
    struct Unit: Sendable {
        let code: String
        let name: String
        let url: String
        let dashboard: String
        let action: String
    }

    struct Year: Sendable {
        let year: String
        let selected: Bool
    }

    struct Semester: Sendable {
        let number: Int
    }

    struct Choice: Sendable {
        let code: String
        let name: String
    }

    let unit: Unit
    let years: [Year]
    let semesters: [Semester]
    let types: [Choice]
    let levels: [Choice]
    let month: String
    let from: String
    let to: String
    let place: String
    let jobs: [ReportJobView]
    let hasJobs: Bool
}

/// `report.mustache`: one job, reloading itself while it runs.
struct ReportPage: Sendable {
    let job: ReportJobView
    let refresh: Bool
}
