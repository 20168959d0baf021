import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// Coverage: schools planned for and inspected in a school year, for a unit and its children,
/// counted as the viewer sees inspections (a school never counts a surprise before it starts).
extension InspectionController {
    func coverageLines(
        _ actor: Actor, unit: StoredUnit, children: [StoredUnit], year: String
    ) async throws -> [CoverageLine] {
        try await services.inspections.coverage(
            tenantID: actor.tenantID, unitIDs: [unit.id] + children.map(\.id), schoolYear: year,
            viewer: InspectionViewer(actor, policy: services.policy))
    }

    func coverageRows(
        _ actor: Actor, unit: StoredUnit, children: [StoredUnit], year: String,
        language: Language
    ) async throws -> [InspectionPages.List.Coverage] {
        let lines = try await coverageLines(actor, unit: unit, children: children, year: year)
        let byUnit = Dictionary(lines.map { ($0.unitID, $0) }) { a, _ in a }
        return ([unit] + children).compactMap { child in
            guard let line = byUnit[child.id], line.schools > 0 else { return nil }
            return InspectionPages.List.Coverage(
                name: child.name(in: language), own: child.id == unit.id, schools: line.schools, planned: line.planned,
                done: line.done, inspections: line.inspections, percent: "\(line.done * 100 / line.schools)%")
        }
    }

    func coverageJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let unit = try await browser.authorize(actor, .viewCompliance, code: try context.pathParameter("code"))
        let year = try schoolYear(request, try await services.catalog.tenant(actor.tenantID))
        let children = try await services.units.children(tenantID: actor.tenantID, of: unit.id)
        let lines = try await coverageLines(actor, unit: unit, children: children, year: year)
        let codes = Dictionary(uniqueKeysWithValues: ([unit] + children).map { ($0.id, $0.code) })
        return try JSONResponse.make(
            API.Coverage(
                schoolYear: year,
                units: lines.map {
                    API.CoverageLine(
                        unit: codes[$0.unitID] ?? "", schools: $0.schools, planned: $0.planned, done: $0.done,
                        inspections: $0.inspections)
                }.sorted { $0.unit < $1.unit }))
    }
}
