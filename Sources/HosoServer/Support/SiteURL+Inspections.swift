import HosoCore

/// The paths of inspections: the routes' patterns and the links that point at them, so that no
/// inspection path is written twice.
extension SiteURL {
    enum Inspections {
        static let mine = "/inspections"

        static func unitList(_ code: String) -> String { "/units/" + SiteURL.segment(code) + "/inspections" }
        static func unitDashboard(_ code: String) -> String { "/units/" + SiteURL.segment(code) + "/dashboard" }
        static func unitReports(_ code: String) -> String { "/units/" + SiteURL.segment(code) + "/reports" }
        static func page(_ id: Int64, anchor: String = "") -> String { "/inspections/\(id)" + anchor }
        static func event(_ id: Int64, _ event: InspectionEvent) -> String { "/inspections/\(id)/" + event.rawValue }
        static func item(_ id: Int64, _ item: Int64) -> String { "/inspections/\(id)/items/\(item)" }
        static func findings(_ id: Int64) -> String { "/inspections/\(id)/findings" }
        static func followUps(_ id: Int64) -> String { "/inspections/\(id)/follow-ups" }
        static func followUpDone(_ id: Int64) -> String { "/follow-ups/\(id)/done" }
        static func minutesPDF(_ id: Int64) -> String { "/inspections/\(id)/minutes.pdf" }
        static func apiMinutes(_ id: Int64) -> String { "/api/v1/inspections/\(id)/minutes" }
        static func minutesManifest(_ id: Int64) -> String { "/api/v1/inspections/\(id)/minutes/manifest" }
        static func record(_ obligationID: Int64, inspection id: Int64) -> String {
            "/records/\(obligationID)?inspection=\(id)"
        }

        /// Where a form sent from a follow-up table goes back to: an inspection page, or the list
        /// of one's own (never another site).
        static func followUpBack(_ raw: String?) -> String {
            raw.flatMap { $0.hasPrefix(mine) && !$0.contains("//") && !$0.contains("\\") ? $0 : nil } ?? mine
        }

        /// Route patterns (Hummingbird syntax), pages then the API.
        enum Pattern {
            static let mine = "/inspections"
            static let unitList = "/units/:code/inspections"
            static let page = "/inspections/:id"
            static let item = "/inspections/:id/items/:item"
            static let findings = "/inspections/:id/findings"
            static let followUps = "/inspections/:id/follow-ups"
            static let followUpDone = "/follow-ups/:id/done"
            static let event = "/inspections/:id/:event"
            static let minutesPDF = "/inspections/:id/minutes.pdf"

            static let coverage = "/units/:code/inspection-coverage"
            static let items = "/inspections/:id/items"
            static let attachments = "/inspections/:id/items/:item/attachments"
            static let minutes = "/inspections/:id/minutes"
            static let manifest = "/inspections/:id/minutes/manifest"
        }
    }
}
