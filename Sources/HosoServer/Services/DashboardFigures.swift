import Foundation
import HosoCore
import HosoStore

/// Everything a unit's dashboard shows that its change counter covers (migration 0013): the
/// figures of the unit and of each child by record type and by week, the signatures, the paper
/// copies, the units above it, and at a school its people, deadlines, overdue items and approval
/// steps. Read in one tenant transaction, then cached under the counter read before it (so never
/// older than that counter): the same for every viewer who may see the unit.
struct DashboardFigures: Sendable {
    let view: ComplianceQuery.View
    let signatures: ComplianceQuery.SignatureTally
    let paper: PaperCopyCount
    /// Every unit above, in no particular order (the page keeps those its viewer may see).
    let ancestors: [StoredUnit]
    let school: School?

    struct School: Sendable {
        /// The Monday of the week the deadlines start from.
        let monday: LocalDate
        let owners: [OwnerFigures]
        let deadlines: [ComplianceStore.DeadlineLine]
        let overdue: [ComplianceStore.OverdueLine]
        let waiting: [ComplianceStore.WaitingLine]
        let signerTotals: [String: (signed: Int, of: Int)]
    }

    /// A rough count of the bytes held, for the cache's bound.
    var cost: Int {
        let view = self.view
        let cells = 1 + view.byType.count + view.childTotals.count + view.childByType.values.reduce(0) { $0 + $1.count }
            + view.weeks.count
        let lines = school.map { $0.owners.count + $0.deadlines.count + $0.overdue.count + $0.waiting.count } ?? 0
        // Measured against the server's resident memory with the cache full: dictionaries of counts
        // cost about twice their payload.
        return 4_096 + cells * 400 + (view.children.count + ancestors.count) * 800 + lines * 600
    }

    /// Reads a unit's figures, and the inspections `viewer` may see when asked, in one transaction.
    static func load(services: AppServices, tenantID: Int64, unit: StoredUnit, selection: ComplianceQuery.Selection,
                     coverageFor viewer: InspectionViewer?) async throws -> (figures: DashboardFigures, coverage: [CoverageLine]) {
        let today = services.clock.today()
        return try await services.database.together(tenantID) { database in
            let logger = services.logger
            let query = ComplianceQuery(services: services, database: database)
            let view = try await query.view(tenantID: tenantID, unit: unit, selection)
            let filter = view.filter
            let signatures = try await query.signatures(
                tenantID: tenantID, unitID: unit.id, schoolYear: filter.schoolYear, basis: filter.basis, total: view.total)
            let paper = try await PaperCopyStore(database: database, logger: logger)
                .count(tenantID: tenantID, unitID: unit.id, schoolYear: filter.schoolYear)
            let ancestors = try await UnitStore(database: database, logger: logger)
                .units(tenantID: tenantID, ids: Array(unit.ancestry.dropLast()))
            var school: School?
            if view.children.isEmpty && !unit.schoolLevels.isEmpty {
                school = try await Self.loadSchool(database: database, services: services, tenantID: tenantID, unit: unit,
                                               filter: filter, monday: today.monday)
            }
            var coverage: [CoverageLine] = []
            if let viewer {
                coverage = try await InspectionStore(database: database, logger: logger).coverage(
                    tenantID: tenantID, unitIDs: [unit.id] + view.children.map(\.id), schoolYear: filter.schoolYear, viewer: viewer)
            }
            return (DashboardFigures(view: view, signatures: signatures, paper: paper, ancestors: ancestors, school: school), coverage)
        }
    }

    /// A school's own sections: its people's figures (kept counts), the next two weeks' deadlines,
    /// who has items overdue, and what waits for approval at which step.
    static func loadSchool(database: Database, services: AppServices, tenantID: Int64, unit: StoredUnit,
                       filter: ComplianceFilter, monday: LocalDate) async throws -> School {
        let store = ComplianceStore(database: database, logger: services.logger)
        let from = VietnamTime.epochSeconds(monday, hour: 0, minute: 0, second: 0)
        let until = VietnamTime.epochSeconds(monday.adding(days: 13))
        return School(
            monday: monday,
            owners: try await store.owners(tenantID: tenantID, schoolID: unit.id, filter: filter),
            deadlines: try await store.deadlines(tenantID: tenantID, schoolID: unit.id, from: from, until: until),
            overdue: try await store.overdueByOwner(tenantID: tenantID, schoolID: unit.id, filter: filter),
            waiting: try await store.awaitingBySteps(tenantID: tenantID, schoolID: unit.id, filter: filter),
            signerTotals: try await ObligationStore(database: database, logger: services.logger)
                .signerTotals(tenantID: tenantID, schoolID: unit.id, schoolYear: filter.schoolYear))
    }
}
