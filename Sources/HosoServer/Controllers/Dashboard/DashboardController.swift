import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// Compliance dashboards for any unit the actor may watch: figures over its subtree, a table of
/// its child units × record types (worst first), the trend over the weeks, the overdue counts; at a
/// school, its people and this week's and next week's deadlines, what is late and what waits for
/// approval. The drill-down goes province → office → school → person → item (`ItemsController`);
/// every table exports to CSV and XLSX (`DashboardExportController`); the filters live in the URL.
struct DashboardController: Sendable {
    let services: AppServices
    var browser: UnitBrowser { UnitBrowser(services: services) }
    var query: ComplianceQuery { ComplianceQuery(services: services) }

    /// The dashboard's routes and those of its sub-resources.
    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.dashboard) { request, context in try await self.entry(request: request, context: context) }
        router.get(.unitDashboard) { request, context in
            try await self.dashboardPage(request: request, context: context)
        }
        router.get(.apiUnitCompliance) { request, context in
            try await self.complianceJSON(request: request, context: context)
        }
        DashboardExportController(services: services).addRoutes(to: router)
        ItemsController(services: services).addRoutes(to: router)
        RemindersController(services: services).addRoutes(to: router)
    }

    /// The unit's figures for the request's filter, if the actor may watch the unit.
    func view(_ actor: Actor, code: String, request: Request) async throws -> ComplianceQuery.View {
        let unit = try await browser.authorize(actor, .viewCompliance, code: code)
        let selection = try await query.selection(query: DashboardQuery.parameters(request), tenantID: actor.tenantID)
        return try await query.view(tenantID: actor.tenantID, unit: unit, selection)
    }

    // MARK: - Pages

    /// `/dashboard`: the top of what the actor watches, or their own deadlines for a teacher.
    func entry(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let (_, tops) = try await browser.grantUnits(actor)
        if let top = tops.first(where: { services.policy.allows(actor, .viewCompliance, on: $0.position) }) {
            return Response.redirect(to: SiteURL.unitDashboard(top.code).path, type: .found)
        }
        return Response.redirect(to: SiteURL.owe.path, type: .found)
    }

    func dashboardPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let view = try await view(actor, code: try context.pathParameter("code"), request: request)
        let sort = try DashboardQuery.sort(request)
        let language = context.language
        let showAll = request.uri.queryParameters["all"].map(String.init) == "1"
        var page = try await DashboardPageModel(services: services, actor: actor, language: language)
            .page(view, sort: sort, showAll: showAll)
        let paper = try await PaperCopyStore(database: services.database, logger: services.logger)
            .count(tenantID: actor.tenantID, unitID: view.unit.id, schoolYear: view.filter.schoolYear)
        if paper.required > 0 {
            page.paperCopies = .init(
                filed: paper.filed, required: paper.required,
                summary: services.localizer.text(
                    "paper_copy.dashboard", language,
                    ["filed": String(paper.filed), "required": String(paper.required), "year": view.filter.schoolYear]))
        }
        return services.renderer.render(
            .dashboard, page, context: context, request: request,
            title: services.localizer.text("dashboard.title", language, ["unit": view.unit.name(in: language)]))
    }

    // MARK: - API

    func complianceJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        var view = try await view(actor, code: try context.pathParameter("code"), request: request)
        let language = context.language
        // Each child's figures by record type on request (`detail=types`): hundreds of units × dozens of types.
        let detail = request.uri.queryParameters["detail"].map(String.init) == "types"
        if detail { view.childByType = try await query.childTypes(tenantID: actor.tenantID, view, view.children) }
        func typeFigures(_ byType: [String: ComplianceCounts]) -> [API.TypeFigures] {
            view.types.compactMap { type in
                byType[type.code].map {
                    API.TypeFigures(
                        recordType: type.code, name: language == .en ? type.nameEn : type.nameVi,
                        figures: API.Figures($0))
                }
            }
        }
        let filter = view.filter
        let signatures = try await query.signatures(
            tenantID: actor.tenantID, unitID: view.unit.id, schoolYear: filter.schoolYear, basis: filter.basis,
            total: view.total)
        return try JSONResponse.make(
            API.Compliance(
                unit: API.UnitRef(view.unit, language),
                filter: API.Filter(
                    schoolYear: filter.schoolYear, semester: filter.semester, fromWeek: filter.weeks.lowerBound,
                    toWeek: filter.weeks.upperBound, recordType: filter.recordType,
                    schoolLevel: filter.schoolLevel?.rawValue, tree: filter.basis.rawValue),
                total: API.Figures(view.total), byType: typeFigures(view.byType),
                children: DashboardQuery.sorted(view, try DashboardQuery.sort(request), language: language).map {
                    child in
                    API.ChildFigures(
                        unit: API.UnitRef(child, language), total: API.Figures(view.counts(of: child)),
                        byType: detail ? typeFigures(view.childByType[child.id] ?? [:]) : nil)
                },
                weeks: view.weeks.sorted { $0.key < $1.key }.map {
                    API.WeekFigures(
                        week: $0.key, monday: view.year.weeks.monday(of: $0.key).iso, figures: API.Figures($0.value))
                },
                signatures: API.SignatureCounts(signatures)
            ))
    }
}
