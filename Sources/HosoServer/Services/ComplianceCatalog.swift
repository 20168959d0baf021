import Crypto
import Foundation
import HosoCore
import HosoStore

/// What a dashboard needs to read its filters: each school year with a calendar (its weeks) and the
/// record types of its newest rule-set. Calendars and rule-sets change by import, rarely; they are
/// kept for a short while so that a dashboard does not decode them on every request.
actor ComplianceCatalog {
    struct Year: Sendable {
        let weeks: YearWeeks
        /// Codes in the rule-set's order, with their names.
        let types: [(code: String, nameVi: String, nameEn: String)]
    }

    struct Tenant: Sendable {
        let years: [String: Year]
        /// Newest first.
        let order: [String]
        let loadedAt: ContinuousClock.Instant
        /// Changes when a calendar or a record type's name does (part of a cached view's key).
        let fingerprint: String

        /// The year whose calendar contains today, else the newest that has begun, else the newest.
        func currentYear(today: LocalDate) -> String? {
            let begun = order.filter { years[$0].map { $0.weeks.firstMonday.adding(days: -14) <= today } ?? false }
            return begun.first {
                years[$0].map { today.dayNumber <= $0.weeks.monday(of: $0.weeks.count).adding(days: 6).dayNumber }
                    ?? false
            }
                ?? begun.first ?? order.first
        }
    }

    let ruleSets: RuleSetStore
    let lifetime: Duration
    var tenants: [Int64: Tenant] = [:]

    init(ruleSets: RuleSetStore, lifetime: Duration = .seconds(30)) {
        self.ruleSets = ruleSets
        self.lifetime = lifetime
    }

    func tenant(_ tenantID: Int64) async throws -> Tenant {
        // The cache's age is measured on a monotonic clock: it is no time rule of the domain.
        if let cached = tenants[tenantID], ContinuousClock.now - cached.loadedAt < lifetime { return cached }
        var years: [String: Year] = [:]
        let order = try await ruleSets.schoolYears(tenantID: tenantID)
        for year in order {
            guard let calendar = try await ruleSets.calendar(tenantID: tenantID, schoolYear: year) else { continue }
            let types = try await ruleSets.latest(tenantID: tenantID, schoolYear: year)?.ruleSet.types ?? []
            years[year] = Year(weeks: YearWeeks(calendar), types: types.map { ($0.code, $0.nameVi, $0.nameEn) })
        }
        let kept = order.filter { years[$0] != nil }
        var digest = SHA256()
        for year in kept {
            guard let entry = years[year] else { continue }
            digest.update(data: Data("\(year)|\(entry.weeks.firstMonday.iso)|\(entry.weeks.count)|\(entry.weeks.semesters)\n".utf8))
            for type in entry.types { digest.update(data: Data("\(type.code)|\(type.nameVi)|\(type.nameEn)\n".utf8)) }
        }
        let fingerprint = digest.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
        let loaded = Tenant(years: years, order: kept, loadedAt: ContinuousClock.now, fingerprint: fingerprint)
        tenants[tenantID] = loaded
        return loaded
    }
}
