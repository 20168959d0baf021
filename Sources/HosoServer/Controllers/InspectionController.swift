import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// Inspections on the software: the department or an office plans one (periodic or surprise)
/// over schools, record types and a period, naming inspectors who hold inspector roles there; a
/// principal plans the school's self-inspection. Its inspectors start it (the checklist is drawn
/// from the obligations in scope), mark each line, record findings on lines and follow-up
/// actions with an owner and a due date; the leader concludes it with signed minutes (PDF, stored
/// immutably with its hash); it closes when every follow-up is done.
///
/// Split by sub-resource: plans and lists (`+Plans`), an inspection's page and JSON (`+Page`),
/// its steps, lines, findings and follow-ups (`+Steps`), the minutes (`+Minutes`), coverage
/// (`+Coverage`). Who may do what is `InspectionDecisions` (HosoCore), who sees what
/// `InspectionVisibility`; this controller parses requests and shapes answers.
struct InspectionController: Sendable {
    let services: AppServices
    var browser: UnitBrowser { UnitBrowser(services: services) }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.inspections) { request, context in try await self.minePage(request: request, context: context) }
        router.get(.unitInspections) { request, context in
            try await self.listPage(request: request, context: context)
        }
        router.post(.unitInspections) { request, context in
            try await self.planForm(request: request, context: context)
        }
        router.get(.inspection) { request, context in
            try await self.inspectionPage(request: request, context: context)
        }
        router.post(.inspectionItem) { request, context in try await self.markForm(request: request, context: context) }
        router.post(.inspectionFindings) { request, context in
            try await self.findingForm(request: request, context: context)
        }
        router.post(.inspectionFollowUps) { request, context in
            try await self.followUpForm(request: request, context: context)
        }
        router.post(.followUpDone) { request, context in
            try await self.followUpDoneForm(request: request, context: context)
        }
        router.post(.inspectionEvent) { request, context in
            try await self.eventForm(request: request, context: context)
        }
        router.get(.inspectionMinutesPDF) { request, context in
            try await self.minutes(request: request, context: context)
        }

        router.get(.apiUnitInspections) { request, context in
            try await self.listJSON(request: request, context: context)
        }
        router.post(.apiUnitInspections) { request, context in
            try await self.planJSON(request: request, context: context)
        }
        router.get(.apiUnitInspectionCoverage) { request, context in
            try await self.coverageJSON(request: request, context: context)
        }
        router.get(.apiInspection) { request, context in
            try await self.inspectionJSON(request: request, context: context)
        }
        router.get(.apiInspectionItems) { request, context in
            try await self.itemsJSON(request: request, context: context)
        }
        router.put(.apiInspectionItem) { request, context in
            try await self.markJSON(request: request, context: context)
        }
        router.post(.apiInspectionItemAttachments) { request, context in
            try await self.attachJSON(request: request, context: context)
        }
        router.post(.apiInspectionFindings) { request, context in
            try await self.findingJSON(request: request, context: context)
        }
        router.post(.apiInspectionFollowUps) { request, context in
            try await self.followUpJSON(request: request, context: context)
        }
        router.post(.apiFollowUpDone) { request, context in
            try await self.followUpDoneJSON(request: request, context: context)
        }
        router.post(.apiInspectionEvent) { request, context in
            try await self.eventJSON(request: request, context: context)
        }
        router.get(.apiInspectionMinutes) { request, context in
            try await self.minutes(request: request, context: context)
        }
        router.get(.apiInspectionMinutesManifest) { request, context in
            try await self.minutesManifest(request: request, context: context)
        }
    }

    // MARK: - Access

    /// A numeric path parameter; anything else names nothing ("not found").
    func id(
        _ context: SignedInContext, _ name: String = "id", notFound: String = "inspection.not_found"
    ) throws -> Int64 {
        try context.positiveID(name, notFound: notFound)
    }

    /// An inspection the actor sees, with what its pages show of it.
    struct Visible {
        let row: InspectionRow
        let issuer: StoredUnit
        let scope: [StoredUnit]
        let members: [InspectionMember]
        /// What its decisions are asked about.
        let snapshot: InspectionSnapshot
        /// All of it, or the lines of the units the actor watches.
        let sight: InspectionSight
    }

    /// The inspection if the actor sees it (`InspectionVisibility.sight`); anyone else gets "not
    /// found", like an inspection that does not exist.
    func visible(_ actor: Actor, _ id: Int64) async throws -> Visible {
        guard let row = try await services.inspections.inspection(tenantID: actor.tenantID, id: id) else {
            throw HosoError("inspection.not_found")
        }
        let units = try await services.units.units(tenantID: actor.tenantID, ids: [row.issuerUnitID] + row.scopeUnitIDs)
        guard let issuer = units.first(where: { $0.id == row.issuerUnitID }) else {
            throw HosoError("inspection.not_found")
        }
        let scope = units.filter { row.scopeUnitIDs.contains($0.id) }.sorted { $0.code < $1.code }
        let members = try await services.inspections.members(tenantID: actor.tenantID, id: id)
        let snapshot = InspectionSnapshot(
            id: row.id, kind: row.kind, state: row.state, issuer: issuer.position, scope: scope.map(\.position),
            team: members.map { InspectionSnapshot.TeamMember(userID: $0.userID, leader: $0.leader) },
            hasMinutes: row.minutesSHA256 != nil
        )
        let sight = InspectionVisibility.sight(actor, snapshot, policy: services.policy)
        guard sight != .none else { throw HosoError("inspection.not_found") }
        return Visible(row: row, issuer: issuer, scope: scope, members: members, snapshot: snapshot, sight: sight)
    }

    func unitMap(_ actor: Actor, _ rows: [InspectionRow]) async throws -> [Int64: StoredUnit] {
        let ids = Array(Set(rows.flatMap { [$0.issuerUnitID] + $0.scopeUnitIDs }))
        return Dictionary(try await services.units.units(tenantID: actor.tenantID, ids: ids).map { ($0.id, $0) }) {
            a, _ in a
        }
    }

    func t(_ key: String, _ language: Language, _ values: [String: String] = [:]) -> String {
        services.localizer.text(key, language, values)
    }

    /// The school year asked for in `?year=`, or the current one; a year without a calendar is
    /// refused (400 `dashboard.unknown_year`), never quietly replaced.
    func schoolYear(_ request: Request, _ catalog: ComplianceCatalog.Tenant) throws -> String {
        let asked = request.uri.queryParameters["year"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let year = asked ?? catalog.currentYear(today: services.clock.today()) ?? ""
        guard catalog.years[year] != nil else {
            throw HosoError("dashboard.unknown_year", ["year": String(year.prefix(20))])
        }
        return year
    }
}
