import HosoCore

/// Links built on the route table that need more than a route's parameters: a place on a page,
/// an inspection's step by its typed event, and where a follow-up form goes back to.
extension SiteURL {
    /// The path then `#anchor`: the browser scrolls to that element, the server never sees it.
    func path(anchor: String) -> String {
        anchor.isEmpty ? path : path + "#" + anchor
    }

    /// The form target of an inspection's step (start, cancel, conclude, close).
    static func inspectionStep(_ id: Int64, _ event: InspectionEvent) -> SiteURL {
        .inspectionEvent(id, event: event.rawValue)
    }

    /// A record opened from an inspection's checklist or findings: the record page knows which
    /// inspection the viewer came from (`?inspection=`), so the view is logged against it.
    static func record(_ obligationID: Int64, inspection id: Int64) -> String {
        SiteURL.record(obligationID).path(query: [("inspection", String(id))])
    }

    /// Where a form sent from a follow-up table goes back to: an inspection page, or the list
    /// of one's own (never another site).
    static func followUpBack(_ raw: String?) -> String {
        let mine = SiteURL.inspections.path
        return raw.flatMap { $0.hasPrefix(mine) && !$0.contains("//") && !$0.contains("\\") ? $0 : nil } ?? mine
    }
}
