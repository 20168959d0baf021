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
        let head = try await browser.head(actor, .viewCompliance, code: code)
        let selection = try await query.selection(query: DashboardQuery.parameters(request), tenantID: actor.tenantID)
        return try await figures(actor, head, selection, coverageFor: nil).figures.view
    }

    /// What the figures of a unit depend on besides its counter: the filter, the calendars and
    /// record types, and the day (a school's deadlines start from this week's Monday).
    func figuresVariant(_ selection: ComplianceQuery.Selection) -> String {
        "figures|" + SiteURL.query(selection.filter.query) + "|" + selection.catalog + "|" + services.clock.today().iso
    }

    /// The unit's figures from the cache when they were stored under the counter just read, else
    /// read in one transaction (with the inspections `viewer` may see, when asked) and stored.
    func figures(
        _ actor: Actor, _ head: (unit: StoredUnit, counter: Int64), _ selection: ComplianceQuery.Selection,
        coverageFor viewer: InspectionViewer?
    ) async throws -> (figures: DashboardFigures, coverage: [CoverageLine]) {
        let key = ViewCache.Key(tenantID: actor.tenantID, unitID: head.unit.id, counter: head.counter, variant: figuresVariant(selection))
        if let cached = services.views.value(key, as: DashboardFigures.self) {
            guard let viewer else { return (cached, []) }
            let coverage = try await services.inspections.coverage(
                tenantID: actor.tenantID, unitIDs: [head.unit.id] + cached.view.children.map(\.id),
                schoolYear: selection.filter.schoolYear, viewer: viewer)
            return (cached, coverage)
        }
        let loaded = try await DashboardFigures.load(
            services: services, tenantID: actor.tenantID, unit: head.unit, selection: selection, coverageFor: viewer)
        services.views.store(loaded.figures, cost: loaded.figures.cost, for: key)
        return loaded
    }

    /// What the viewer may see of a page beyond the unit: their grants decide the breadcrumbs and the
    /// links; their inspections (planner, team) which surprise inspections count in the coverage.
    static func viewerKey(_ actor: Actor, _ viewer: InspectionViewer) -> String {
        "u\(actor.userID)|" + actor.grants.map { "\($0.role.rawValue)@\($0.unitID)\($0.closed ? "x" : "")" }.joined(separator: ",")
            + "|w" + viewer.watchedUnits.map(String.init).joined(separator: ",")
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
        let head = try await browser.head(actor, .viewCompliance, code: try context.pathParameter("code"))
        let selection = try await query.selection(query: DashboardQuery.parameters(request), tenantID: actor.tenantID)
        let sort = try DashboardQuery.sort(request)
        let language = context.language
        let showAll = request.uri.queryParameters["all"].map(String.init) == "1"
        let viewer = InspectionViewer(actor, policy: services.policy)
        let variant = ["page", figuresVariant(selection), sort.rawValue, showAll ? "all" : "", language.rawValue,
                       Self.viewerKey(actor, viewer)].joined(separator: "|")
        // The frame around the page is the session's: a new session or a new name is a new page.
        let tag = ViewTag(counter: head.counter, ["\(actor.tenantID).\(head.unit.id)", variant, context.session?.csrfToken ?? "", actor.displayName, actor.login, request.uri.path])
        if tag.isMatched(by: request) { return tag.notModified(page: true) }
        let key = ViewCache.Key(tenantID: actor.tenantID, unitID: head.unit.id, counter: head.counter, variant: variant)
        let page: DashboardPage
        if let cached = services.views.value(key, as: DashboardPage.self) {
            page = cached
        } else {
            let (figures, coverage) = try await figures(actor, head, selection, coverageFor: viewer)
            page = DashboardPageModel(services: services, actor: actor, language: language)
                .page(figures, coverage: coverage, sort: sort, showAll: showAll)
            services.views.store(page, cost: DashboardPageModel.cost(page), for: key)
        }
        var response = services.renderer.render(
            .dashboard, page, context: context, request: request,
            title: services.localizer.text("dashboard.title", language, ["unit": head.unit.name(in: language)]))
        if response.status == .ok { tag.apply(to: &response.headers, page: true) }
        return response
    }

    // MARK: - API

    func complianceJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let head = try await browser.head(actor, .viewCompliance, code: try context.pathParameter("code"))
        let selection = try await query.selection(query: DashboardQuery.parameters(request), tenantID: actor.tenantID)
        let sort = try DashboardQuery.sort(request)
        let language = context.language
        // Each child's figures by record type on request (`detail=types`): hundreds of units × dozens of types.
        let detail = request.uri.queryParameters["detail"].map(String.init) == "types"
        // The same for every viewer who may see the unit.
        let variant = ["api", figuresVariant(selection), sort.rawValue, detail ? "types" : "", language.rawValue]
            .joined(separator: "|")
        let tag = ViewTag(counter: head.counter, ["\(actor.tenantID).\(head.unit.id)", variant])
        if tag.isMatched(by: request) { return tag.notModified(page: false) }
        let key = ViewCache.Key(tenantID: actor.tenantID, unitID: head.unit.id, counter: head.counter, variant: variant)
        if let cached = services.views.value(key, as: Data.self) { return JSONResponse.make(bytes: cached, tag: tag) }
        let figures = try await figures(actor, head, selection, coverageFor: nil).figures
        let bytes = try JSONResponse.encode(Self.compliance(figures, sort: sort, detail: detail, language: language))
        services.views.store(bytes, cost: bytes.count + 256, for: key)
        return JSONResponse.make(bytes: bytes, tag: tag)
    }

    /// The API's document of a unit's figures.
    static func compliance(_ figures: DashboardFigures, sort: DashboardQuery.Sort, detail: Bool, language: Language) -> API.Compliance {
        let view = figures.view
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
        return API.Compliance(
            unit: API.UnitRef(view.unit, language),
            filter: API.Filter(
                schoolYear: filter.schoolYear, semester: filter.semester, fromWeek: filter.weeks.lowerBound,
                toWeek: filter.weeks.upperBound, recordType: filter.recordType,
                schoolLevel: filter.schoolLevel?.rawValue, tree: filter.basis.rawValue),
            total: API.Figures(view.total), byType: typeFigures(view.byType),
            children: DashboardQuery.sorted(view, sort, language: language).map { child in
                API.ChildFigures(
                    unit: API.UnitRef(child, language), total: API.Figures(view.counts(of: child)),
                    byType: detail ? typeFigures(view.childByType[child.id] ?? [:]) : nil)
            },
            weeks: view.weeks.sorted { $0.key < $1.key }.map {
                API.WeekFigures(
                    week: $0.key, monday: view.year.weeks.monday(of: $0.key).iso, figures: API.Figures($0.value))
            },
            signatures: API.SignatureCounts(figures.signatures)
        )
    }
}
