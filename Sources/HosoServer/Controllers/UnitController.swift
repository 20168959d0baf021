import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// The home page and the tree: a unit with its way up and its children, and the people holding
/// roles at a unit. Pages and `/api/v1/units` share the same `UnitBrowser` answers.
struct UnitController: Sendable {
    let services: AppServices
    var browser: UnitBrowser { UnitBrowser(services: services) }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.home) { request, context in try await self.homePage(request: request, context: context) }
        router.get(.unit) { request, context in try await self.unitPage(request: request, context: context) }
        router.get(.unitPeople) { request, context in try await self.peoplePage(request: request, context: context) }
        router.get(.apiUnit) { request, context in try await self.unitJSON(request: request, context: context) }
        router.get(.apiUnitPeople) { request, context in try await self.peopleJSON(request: request, context: context) }
        router.get(.apiTree) { request, context in try await self.treeJSON(request: request, context: context) }
    }

    // MARK: - Pages

    func homePage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let (units, tops) = try await browser.grantUnits(actor)
        let language = context.language
        let notice = try await services.sessions.passwordNotice(token: context.signedIn.token)
        let next = SiteURL.safeNext(request.uri.queryParameters.get("next"))
        let page = HomePage(
            grants: actor.grants.map { grant in
                .init(
                    role: services.localizer.text(grant.role.messageKey, language), roleCode: grant.role.rawValue,
                    inspector: grant.role.isInspector, unit: units[grant.unitID].map { UnitLink($0, language) })
            },
            noGrants: actor.grants.isEmpty, tops: tops.map { UnitLink($0, language) },
            passwordNotice: notice.map { PasswordNoticeText.message($0, language, services.localizer) },
            continueURL: notice != nil && next != SiteURL.home.path ? next : nil
        )
        return services.renderer.render(
            .home, page, context: context, request: request,
            title: services.localizer.text("home.title", language))
    }

    func unitPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let page = try await browser.page(actor, code: try context.pathParameter("code"))
        let language = context.language
        let levels = try await levelNames(actor.tenantID, language)
        let unit = page.unit
        let counts = page.subtreeCounts.sorted { $0.key < $1.key }.map {
            UnitDetailPage.Count(kind: levels[$0.key] ?? $0.key, count: $0.value)
        }
        let model = UnitDetailPage(
            unit: .init(
                code: unit.code, name: unit.name(in: language), url: SiteURL.unit(unit.code).path,
                closed: unit.isClosed,
                kindName: levels[unit.kind] ?? unit.kind,
                schoolLevels: unit.schoolLevels.isEmpty
                    ? nil
                    : unit.schoolLevels.map { services.localizer.text($0.messageKey, language) }.joined(
                        separator: ", "),
                opensOn: unit.opensOn.map(Self.vietnameseDate), closesOn: unit.closesOn.map(Self.vietnameseDate)
            ),
            breadcrumbs: page.breadcrumbs.map { UnitLink($0, language) },
            children: page.children.map { child in
                .init(
                    code: child.code, name: child.name(in: language), url: SiteURL.unit(child.code).path,
                    closed: child.isClosed,
                    kindName: levels[child.kind] ?? child.kind)
            },
            hasChildren: !page.children.isEmpty, counts: counts, hasCounts: !counts.isEmpty,
            canViewPeople: page.canViewPeople, peopleURL: SiteURL.unitPeople(unit.code).path,
            canReviewPasswords: services.policy.allows(actor, .reviewPasswords, on: unit.position),
            passwordsURL: SiteURL.unitPasswords(unit.code).path,
            rolesHere: page.rolesHere.map { services.localizer.text($0.messageKey, language) }.joined(separator: ", "),
            parents: page.parents.map { span in
                let text = { (key: String) in services.localizer.text(key, language) }
                return .init(
                    name: span.parent?.name(in: language)
                        ?? text("unit.history_hidden"),
                    url: span.parent.map { SiteURL.unit($0.code).path },
                    from: span.from.map(Self.vietnameseDate) ?? text("unit.history_beginning"),
                    to: span.to.map(Self.vietnameseDate) ?? text("unit.history_now"))
            },
            hasHistory: page.parents.count > 1
        )
        return services.renderer.render(
            .unit, model, context: context, request: request, title: unit.name(in: language))
    }

    func peoplePage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let unit = try await browser.authorize(actor, .viewPeople, code: try context.pathParameter("code"))
        let members = try await services.users.members(tenantID: actor.tenantID, unitID: unit.id)
        let language = context.language
        let page = PeoplePage(
            unit: UnitLink(unit, language),
            people: members.map {
                .init(
                    login: $0.login, displayName: $0.displayName,
                    role: services.localizer.text($0.role.messageKey, language),
                    lastSignInAt: $0.lastSignInAt ?? "—")
            },
            empty: members.isEmpty
        )
        return services.renderer.render(
            .people, page, context: context, request: request,
            title: services.localizer.text("people.title", language))
    }

    // MARK: - API

    func unitJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let page = try await browser.page(actor, code: try context.pathParameter("code"))
        let language = context.language
        return try JSONResponse.make(
            API.UnitDetail(
                unit: API.UnitRef(page.unit, language), schoolLevels: page.unit.schoolLevels.map(\.rawValue),
                opensOn: page.unit.opensOn, closesOn: page.unit.closesOn,
                breadcrumbs: page.breadcrumbs.map { API.UnitRef($0, language) },
                children: page.children.map { API.UnitRef($0, language) },
                subtreeCounts: page.subtreeCounts, rolesHere: page.rolesHere.map(\.rawValue),
                parents: page.parents.map { API.ParentSpan(parent: $0.parent.map { API.UnitRef($0, language) }, from: $0.from, to: $0.to) }
            ))
    }

    /// The tree as it stood on `on` (today when absent): the units the actor may see today, each
    /// with the parent it had then (named only when the actor may see it).
    func treeJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let raw = request.uri.queryParameters.get("on") ?? ""
        let date: LocalDate
        if raw.isEmpty { date = services.clock.today() } else {
            guard let parsed = LocalDate(iso: raw), TenantValidator.isISODate(raw) else {
                throw HosoError("tree.bad_date", ["value": String(raw.prefix(20))])
            }
            date = parsed
        }
        let tree = try await services.units.tree(tenantID: actor.tenantID, asOf: date)
        let visible = tree.filter { services.policy.allows(actor, .viewUnit, on: $0.unit.position) }
        let codes = Dictionary(uniqueKeysWithValues: visible.map { ($0.unit.id, $0.unit.code) })
        return try JSONResponse.make(API.Tree(on: date.iso, units: visible.map {
            API.TreeUnit(unit: API.UnitRef($0.unit, context.language), parent: $0.parentID.flatMap { codes[$0] })
        }))
    }

    func peopleJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let unit = try await browser.authorize(actor, .viewPeople, code: try context.pathParameter("code"))
        let members = try await services.users.members(tenantID: actor.tenantID, unitID: unit.id)
        return try JSONResponse.make(
            API.People(
                unit: API.UnitRef(unit, context.language),
                people: members.map {
                    API.Member(
                        login: $0.login, displayName: $0.displayName, role: $0.role.rawValue,
                        roleName: services.localizer.text($0.role.messageKey, context.language),
                        lastSignInAt: $0.lastSignInAt)
                }))
    }

    // MARK: - Helpers

    func levelNames(_ tenantID: Int64, _ language: Language) async throws -> [String: String] {
        guard let tenant = try await services.tenants.tenant(id: tenantID) else { return [:] }
        return Dictionary(
            tenant.levels.map { ($0.kind, language == .vi ? $0.nameVi : $0.nameEn) }, uniquingKeysWith: { $1 })
    }

    /// `yyyy-MM-dd` → `dd/MM/yyyy`, as Vietnamese pages show dates.
    static func vietnameseDate(_ iso: String) -> String { LocalDate(iso: iso)?.vietnamese ?? iso }
}

extension StoredUnit {
    /// The unit's name in the page's language (Vietnamese when it has no English name).
    func name(in language: Language) -> String { language == .en && !nameEn.isEmpty ? nameEn : nameVi }
}
