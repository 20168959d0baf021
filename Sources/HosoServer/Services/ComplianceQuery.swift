import Foundation
import HosoCore
import HosoStore

/// The compliance figures of a unit for a filter, read one way for every reader: the dashboard
/// page, its API and exports, and the periodic reports. A report and a dashboard for the same unit
/// and filter therefore show the same numbers (the lines are added up in one place, `add`).
struct ComplianceQuery: Sendable {
    let services: AppServices
    /// The store the reads go through: the request pool's, or the background reports' (more patience),
    /// or one transaction's (`bound`).
    let store: ComplianceStore
    let units: UnitStore
    let signatureStore: SignatureStore

    init(services: AppServices, store: ComplianceStore? = nil) {
        self.services = services
        self.store = store ?? services.compliance
        self.units = services.units
        self.signatureStore = services.signatures
    }

    /// The same reads on a database bound to one transaction (`Database.together`).
    init(services: AppServices, database: Database) {
        self.services = services
        self.store = ComplianceStore(database: database, logger: services.logger)
        self.units = UnitStore(database: database, logger: services.logger)
        self.signatureStore = SignatureStore(database: database, logger: services.logger, clock: services.clock)
    }

    /// A checked filter and the school year it reads.
    struct Selection: Sendable {
        let filter: ComplianceFilter
        let year: ComplianceCatalog.Year
        /// The tenant's school years, newest first.
        let years: [String]
        /// The calendars' and record types' fingerprint (`ComplianceCatalog`).
        let catalog: String
    }

    /// A unit's figures: its own (in all and by record type), each child's, and by week.
    struct View: Sendable {
        let unit: StoredUnit
        let filter: ComplianceFilter
        let year: ComplianceCatalog.Year
        let years: [String]
        let total: ComplianceCounts
        let byType: [String: ComplianceCounts]
        let children: [StoredUnit]
        let childTotals: [Int64: ComplianceCounts]
        /// Each child's figures by record type (the cells of the dashboard's table).
        let childByType: [Int64: [String: ComplianceCounts]]
        let weeks: [Int: ComplianceCounts]

        /// The record types that have anything in this view, in the rule-set's order.
        var types: [(code: String, nameVi: String, nameEn: String)] {
            year.types.filter { byType[$0.code] != nil && (filter.recordType == nil || filter.recordType == $0.code) }
        }

        func counts(of child: StoredUnit) -> ComplianceCounts { childTotals[child.id] ?? ComplianceCounts() }
    }

    /// Submitted items by the state of their signatures.
    struct SignatureTally: Sendable, Equatable {
        let signed: Int
        let unsigned: Int
        let invalid: Int
    }

    /// The filter of a query (`year`, `semester`, `from`, `to`, `type`, `level`), checked against
    /// the tenant's calendars and rule-sets.
    func selection(query: [String: String], tenantID: Int64) async throws -> Selection {
        let catalog = try await services.catalog.tenant(tenantID)
        guard let defaultYear = catalog.currentYear(today: services.clock.today()) else {
            throw HosoError("dashboard.no_calendar")
        }
        let years = catalog.years.mapValues(\.weeks)
        let requestedYear = query["year"].map(Text.trimmed).flatMap { $0.isEmpty ? nil : $0 } ?? defaultYear
        let types = Set(catalog.years[requestedYear]?.types.map(\.code) ?? [])
        let filter = try ComplianceFilter.parse(query, years: years, defaultYear: defaultYear, recordTypes: types)
        guard let year = catalog.years[filter.schoolYear] else {
            throw HosoError("dashboard.unknown_year", ["year": filter.schoolYear])
        }
        return Selection(filter: filter, year: year, years: catalog.order, catalog: catalog.fingerprint)
    }

    /// The unit's figures and its children's (each by record type too) in one transaction; by week
    /// too when `weeks`. The children's totals are their lines by type added up, so the unit and all
    /// its children are one read of the kept counts.
    func view(tenantID: Int64, unit: StoredUnit, _ selection: Selection, weeks: Bool = true) async throws -> View {
        let filter = selection.filter
        // Along the tree as it stood, the rows are the units that hung under this one in the year.
        let children: [StoredUnit]
        if filter.basis == .stood, let span = SchoolYearSpan(code: filter.schoolYear) {
            children = try await units.children(tenantID: tenantID, of: unit.id, during: span)
        } else {
            children = try await units.children(tenantID: tenantID, of: unit.id)
        }
        let (lines, weekLines) = try await store.together(tenantID: tenantID) { store in
            let lines = try await store.figures(
                tenantID: tenantID, unitIDs: [unit.id] + children.map(\.id), filter: filter, by: .unitAndType)
            var byWeek: [ComplianceLine] = []
            if weeks {
                byWeek = try await store.figures(tenantID: tenantID, unitIDs: [unit.id], filter: filter, by: .week)
            }
            return (lines, byWeek)
        }
        let (total, byType) = Self.add(lines.filter { $0.unitID == unit.id })
        var childTotals: [Int64: ComplianceCounts] = [:]
        var childByType: [Int64: [String: ComplianceCounts]] = [:]
        for line in lines {
            guard let unitID = line.unitID, unitID != unit.id, let type = line.recordType else { continue }
            childTotals[unitID, default: ComplianceCounts()] += line.counts
            childByType[unitID, default: [:]][type] = line.counts
        }
        var byWeek: [Int: ComplianceCounts] = [:]
        for line in weekLines { if let week = line.week { byWeek[week, default: ComplianceCounts()] += line.counts } }
        return View(
            unit: unit, filter: filter, year: selection.year, years: selection.years, total: total, byType: byType,
            children: children, childTotals: childTotals, childByType: childByType, weeks: byWeek)
    }

    /// A unit's lines by record type, added up: the total and each type's figures.
    static func add(_ lines: [ComplianceLine]) -> (total: ComplianceCounts, byType: [String: ComplianceCounts]) {
        var total = ComplianceCounts()
        var byType: [String: ComplianceCounts] = [:]
        for line in lines {
            guard let type = line.recordType else { continue }
            total += line.counts
            byType[type, default: ComplianceCounts()] += line.counts
        }
        return (total, byType)
    }

    /// The signature state of the submitted items under the unit in the school year: signed and
    /// invalid are counted (a partial index holds the few), the rest of what was submitted is unsigned.
    func signatures(
        tenantID: Int64, unitID: Int64, schoolYear: String, basis: TreeBasis, total: ComplianceCounts
    ) async throws -> SignatureTally {
        let states = try await signatureStore.counts(tenantID: tenantID, unitID: unitID, schoolYear: schoolYear, basis: basis)
        let submitted = total.awaiting + total.returned + total.approved + total.signed + total.locked
        let signed = states[.signed] ?? 0
        let invalid = states[.invalid] ?? 0
        return SignatureTally(signed: signed, unsigned: max(0, submitted - signed - invalid), invalid: invalid)
    }

    /// Every item of a query, `exportPage` rows at a time (each page its own short transaction),
    /// so that an export of any size keeps memory flat.
    /// Every item behind a figure, in batches as one query reads them (an export streams them on).
    /// The query runs in a task of its own and hands each batch over only when `consume` is done
    /// with the previous one, so a slow client holds the rows back instead of piling them up.
    func forEachItemPage(
        tenantID: Int64, unitID: Int64?, filter: ComplianceFilter, column: ComplianceColumn?, owner: Int64?,
        order: ItemOrder = .standard, english: Bool = false,
        body consume: ([ObligationRow]) async throws -> Void
    ) async throws {
        let handoff = Handoff<[ObligationRow]>()
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await store.forEachItem(tenantID: tenantID, unitID: unitID, filter: filter, column: column, ownerUserID: owner,
                                                order: order, english: english, batch: Self.exportPage) { rows in try await handoff.send(rows) }
                    await handoff.finish()
                } catch {
                    await handoff.finish(throwing: error)
                }
            }
            do {
                while let rows = try await handoff.next() { try await consume(rows) }
            } catch {
                await handoff.cancel()
                throw error
            }
            try await group.waitForAll()
        }
    }

    static let exportPage = 1000
}
