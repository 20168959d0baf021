import Hummingbird
import HosoCore

extension AppServices {
    /// The school year a page is about: `year=` when it has a school year's shape, otherwise the
    /// current school year if the tenant has a rule-set for it, otherwise the newest that has one.
    func schoolYear(_ request: Request, tenantID: Int64) async throws -> String {
        if let year = request.uri.queryParameters.get("year"), year.count == 9 { return String(year) }
        let years = try await ruleSets.schoolYears(tenantID: tenantID)
        let current = clock.currentSchoolYear()
        return years.contains(current) ? current : years.first ?? current
    }
}
