import Foundation
import Hummingbird
import HosoCore
import HosoStore

/// The home page and the tree: a unit with its way up and its children, and the people holding
/// roles at a unit. Pages and `/api/v1/units` share the same `UnitBrowser` answers.
struct UnitController: Sendable {
    let services: AppServices
    var browser: UnitBrowser { UnitBrowser(services: services) }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(RouterPath(SiteURL.home.path)) { request, context in try await self.homePage(request: request, context: context) }
        router.get(RouterPath(SiteURL.Pattern.unit)) { request, context in try await self.unitPage(request: request, context: context) }
        router.get(RouterPath(SiteURL.Pattern.unitPeople)) { request, context in try await self.peoplePage(request: request, context: context) }

        let api = router.group("/api/v1")
        api.get(RouterPath(SiteURL.Pattern.unit)) { request, context in try await self.unitJSON(request: request, context: context) }
        api.get(RouterPath(SiteURL.Pattern.unitPeople)) { request, context in try await self.peopleJSON(request: request, context: context) }
    }

    // MARK: - Pages

    func homePage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let (units, tops) = try await browser.grantUnits(actor)
        let language = context.language
        let grants: [[String: Any]] = actor.grants.map { grant in
            var row: [String: Any] = ["role": services.localizer.text(grant.role.messageKey, language), "roleCode": grant.role.rawValue,
                                      "inspector": grant.role.isInspector]
            if let unit = units[grant.unitID] { row["unit"] = unitValues(unit, language) }
            return row
        }
        return services.renderer.render(
            "home", ["grants": grants, "noGrants": actor.grants.isEmpty, "tops": tops.map { unitValues($0, language) }],
            context: context, request: request, title: services.localizer.text("home.title", language)
        )
    }

    func unitPage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let page = try await browser.page(actor, code: try context.pathParameter("code"))
        let language = context.language
        let levels = try await levelNames(actor.tenantID, language)
        var unit = unitValues(page.unit, language)
        unit["kindName"] = levels[page.unit.kind] ?? page.unit.kind
        // Absent, not empty: Mustache treats an empty string as present.
        if !page.unit.schoolLevels.isEmpty {
            unit["schoolLevels"] = page.unit.schoolLevels.map { services.localizer.text($0.messageKey, language) }.joined(separator: ", ")
        }
        if let opensOn = page.unit.opensOn { unit["opensOn"] = Self.vietnameseDate(opensOn) }
        if let closesOn = page.unit.closesOn { unit["closesOn"] = Self.vietnameseDate(closesOn) }
        let counts = page.subtreeCounts.sorted { $0.key < $1.key }.map { ["kind": levels[$0.key] ?? $0.key, "count": $0.value] as [String: Any] }
        return services.renderer.render(
            "unit",
            [
                "unit": unit,
                "breadcrumbs": page.breadcrumbs.map { unitValues($0, language) },
                "children": page.children.map { child -> [String: Any] in
                    var values = unitValues(child, language)
                    values["kindName"] = levels[child.kind] ?? child.kind
                    return values
                },
                "hasChildren": !page.children.isEmpty,
                "counts": counts,
                "hasCounts": !counts.isEmpty,
                "canViewPeople": page.canViewPeople,
                "peopleURL": SiteURL.unitPeople(page.unit.code).path,
                "rolesHere": page.rolesHere.map { services.localizer.text($0.messageKey, language) }.joined(separator: ", "),
            ],
            context: context, request: request, title: displayName(page.unit, language)
        )
    }

    func peoplePage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let unit = try await browser.authorize(actor, .viewPeople, code: try context.pathParameter("code"))
        let members = try await services.users.members(tenantID: actor.tenantID, unitID: unit.id)
        let language = context.language
        return services.renderer.render(
            "people",
            [
                "unit": unitValues(unit, language),
                "people": members.map { ["login": $0.login, "displayName": $0.displayName,
                                         "role": services.localizer.text($0.role.messageKey, language), "lastSignInAt": $0.lastSignInAt ?? "—"] },
                "empty": members.isEmpty,
            ],
            context: context, request: request, title: services.localizer.text("people.title", language)
        )
    }

    // MARK: - API

    func unitJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let page = try await browser.page(actor, code: try context.pathParameter("code"))
        let language = context.language
        return try JSONResponse.make(API.UnitDetail(
            unit: API.UnitRef(page.unit, language), schoolLevels: page.unit.schoolLevels.map(\.rawValue),
            opensOn: page.unit.opensOn, closesOn: page.unit.closesOn,
            breadcrumbs: page.breadcrumbs.map { API.UnitRef($0, language) }, children: page.children.map { API.UnitRef($0, language) },
            subtreeCounts: page.subtreeCounts, rolesHere: page.rolesHere.map(\.rawValue)
        ))
    }

    func peopleJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let unit = try await browser.authorize(actor, .viewPeople, code: try context.pathParameter("code"))
        let members = try await services.users.members(tenantID: actor.tenantID, unitID: unit.id)
        return try JSONResponse.make(API.People(unit: API.UnitRef(unit, context.language), people: members.map {
            API.Member(login: $0.login, displayName: $0.displayName, role: $0.role.rawValue,
                       roleName: services.localizer.text($0.role.messageKey, context.language), lastSignInAt: $0.lastSignInAt)
        }))
    }

    // MARK: - Helpers

    func displayName(_ unit: StoredUnit, _ language: Language) -> String { unit.name(in: language) }

    func unitValues(_ unit: StoredUnit, _ language: Language) -> [String: Any] {
        ["code": unit.code, "name": displayName(unit, language), "url": SiteURL.unit(unit.code).path, "closed": unit.isClosed]
    }

    func levelNames(_ tenantID: Int64, _ language: Language) async throws -> [String: String] {
        guard let tenant = try await services.tenants.tenant(id: tenantID) else { return [:] }
        return Dictionary(tenant.levels.map { ($0.kind, language == .vi ? $0.nameVi : $0.nameEn) }, uniquingKeysWith: { $1 })
    }

    /// `yyyy-MM-dd` → `dd/MM/yyyy`, as Vietnamese pages show dates.
    static func vietnameseDate(_ iso: String) -> String { LocalDate(iso: iso)?.vietnamese ?? iso }
}

extension StoredUnit {
    /// The unit's name in the page's language (Vietnamese when it has no English name).
    func name(in language: Language) -> String { language == .en && !nameEn.isEmpty ? nameEn : nameVi }
}
