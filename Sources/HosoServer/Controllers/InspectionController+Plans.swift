import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// Planning an inspection, a unit's list of inspections and one's own (`/inspections`).
extension InspectionController {
    struct PlanInput: Decodable {
        var kind: String?
        var title: String?
        var symbol: String?
        var place: String?
        var from: String?
        var to: String?
        var schoolYear: String?
        var recordTypes: [String]?
        var scope: [String]?
        var inspectors: [String]?
        var leader: String?
    }

    /// Reads the plan's names (units, logins, the year) into ids; the store asks
    /// `InspectionDecisions.plan` before writing it.
    func plan(_ actor: Actor, code: String, _ input: PlanInput) async throws -> Int64 {
        let issuer = try await browser.authorize(actor, .viewUnit, code: code)
        guard let kind = InspectionKind(rawValue: input.kind ?? "") else {
            throw HosoError("inspection.unknown_kind", ["kind": String((input.kind ?? "").prefix(20))])
        }
        guard let from = input.from.flatMap(LocalDate.init(iso:)), let to = input.to.flatMap(LocalDate.init(iso:))
        else {
            throw HosoError(
                "inspection.bad_period",
                [
                    "from": String((input.from ?? "").prefix(12)),
                    "to": String((input.to ?? "").prefix(12)),
                ])
        }
        // Scope: unit codes, each inside the issuer's subtree (a self-inspection: the school itself).
        var scopeCodes = (input.scope ?? []).map(Text.trimmed).filter { !$0.isEmpty }
        if kind == .selfInspection && scopeCodes.isEmpty { scopeCodes = [issuer.code] }
        var scope: [StoredUnit] = []
        for scopeCode in Set(scopeCodes).sorted() {
            guard scopeCode.count <= TenantValidator.maxCodeLength,
                let unit = try await services.units.unit(tenantID: actor.tenantID, code: scopeCode),
                unit.ancestry.contains(issuer.id)
            else {
                throw HosoError(
                    "inspection.scope_outside", ["code": String(scopeCode.prefix(TenantValidator.maxCodeLength))])
            }
            scope.append(unit)
        }
        // The team, named by login.
        let logins = Array(Set((input.inspectors ?? []).map(Text.trimmed).filter { !$0.isEmpty })).sorted()
        let people = try await services.inspections.people(tenantID: actor.tenantID, logins: logins)
        let unknown = logins.filter { login in !people.contains { $0.login == login } }
        let leaderLogin =
            Text.trimmed(input.leader ?? "").isEmpty ? logins.first ?? "" : Text.trimmed(input.leader ?? "")
        let catalog = try await services.catalog.tenant(actor.tenantID)
        let today = services.clock.today()
        // The school year of the period: the latest one begun (give or take the summer) by its first day.
        let year =
            input.schoolYear.flatMap { $0.isEmpty ? nil : $0 }
            ?? catalog.years.filter { $0.value.weeks.firstMonday.adding(days: -60) <= from }
            .max { $0.value.weeks.firstMonday < $1.value.weeks.firstMonday }?.key
            ?? catalog.currentYear(today: today) ?? ""
        guard let yearInfo = catalog.years[year] else {
            throw HosoError("dashboard.unknown_year", ["year": String(year.prefix(20))])
        }
        let plan = InspectionPlan(
            kind: kind, title: input.title ?? "", issuerUnitID: issuer.id,
            symbol: input.symbol.flatMap { $0.isEmpty ? nil : $0 } ?? issuer.code, scopeUnitIDs: scope.map(\.id),
            recordTypes: Array(Set((input.recordTypes ?? []).filter { !$0.isEmpty })).sorted(), periodFrom: from,
            periodTo: to,
            place: input.place ?? "", inspectorUserIDs: people.map(\.userID),
            // An unknown leader is no member: the decision says so.
            leaderUserID: people.first { $0.login == leaderLogin }?.userID ?? 0
        )
        return try await services.inspections.create(
            actor, plan, issuer: issuer.position, scope: scope.map(\.position),
            team: people.map { TeamCandidate(login: $0.login, displayName: $0.displayName, grants: $0.grants) },
            unknownLogins: unknown, knownRecordTypes: Set(yearInfo.types.map(\.code)), schoolYear: year,
            plannedOn: today
        )
    }

    func planForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let form = try await request.decodeForm(limit: 64 * 1024)
        let input = PlanInput(
            kind: form["kind"], title: form["title"], symbol: form["symbol"], place: form["place"],
            from: form["from"], to: form["to"], schoolYear: form["year"], recordTypes: form.all("types"),
            scope: form.all("scope"), inspectors: form.all("inspectors"), leader: form["leader"])
        let id = try await plan(actor, code: try context.pathParameter("code"), input)
        return Response.redirect(to: SiteURL.inspection(id).path, type: .normal)
    }

    func planJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let input = try await request.decodeJSON(PlanInput.self, limit: 64 * 1024)
        let id = try await plan(actor, code: try context.pathParameter("code"), input)
        let visible = try await visible(actor, id)
        return try JSONResponse.make(try await inspectionJSONValue(actor, visible), status: .created)
    }

    /// A unit's inspections of a year, as the actor may see them (`InspectionVisibility`, in SQL).
    func visibleRows(_ actor: Actor, under unit: StoredUnit, year: String?) async throws -> [InspectionRow] {
        try await services.inspections.list(
            tenantID: actor.tenantID, under: unit.id, schoolYear: year,
            viewer: InspectionViewer(actor, policy: services.policy))
    }

    func listJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let unit = try await browser.authorize(actor, .viewCompliance, code: try context.pathParameter("code"))
        // Every year unless one is asked for; an unknown one is refused.
        var year: String?
        if request.uri.queryParameters["year"].map({ !$0.isEmpty }) == true {
            year = try schoolYear(request, try await services.catalog.tenant(actor.tenantID))
        }
        let rows = try await visibleRows(actor, under: unit, year: year)
        let units = try await unitMap(actor, rows)
        return try JSONResponse.make(API.InspectionList(items: rows.map { API.InspectionBrief($0, units) }))
    }

    func summary(_ row: InspectionRow, _ units: [Int64: StoredUnit], _ language: Language) -> InspectionPages.Summary {
        InspectionPages.Summary(
            id: row.id, url: SiteURL.inspection(row.id).path, title: row.title, kind: t(row.kind.messageKey, language),
            state: t(row.state.messageKey, language), stateCode: row.state.rawValue,
            period: row.periodFrom.vietnamese + " – " + row.periodTo.vietnamese, year: row.schoolYear,
            issuer: units[row.issuerUnitID]?.name(in: language) ?? "",
            scope: row.scopeUnitIDs.compactMap { units[$0]?.name(in: language) }.joined(separator: ", "),
            minutes: row.minutesNumber,
            minutesURL: row.minutesNumber == nil ? nil : SiteURL.inspectionMinutesPDF(row.id).path
        )
    }

    func followUpLine(_ f: FollowUpRow, today: LocalDate, canComplete: Bool) -> InspectionPages.FollowUp {
        InspectionPages.FollowUp(
            id: f.id, action: f.action, owner: f.ownerName, due: f.dueOn.vietnamese, done: f.state == .done,
            overdue: f.state == .open && f.dueOn < today, inspectionURL: SiteURL.inspection(f.inspectionID).path,
            doneAt: f.doneAt.map { VietnamTime.display(epochSeconds: $0) }, doneNote: f.doneNote,
            canComplete: canComplete, doneURL: SiteURL.followUpDone(f.id).path
        )
    }

    /// `/inspections`: the inspections I am named to and the follow-up actions I own.
    func minePage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let language = context.language
        let rows = try await services.inspections.assigned(tenantID: actor.tenantID, userID: actor.userID)
        let units = try await unitMap(actor, rows)
        let followUps = try await services.inspections.followUps(tenantID: actor.tenantID, ownerUserID: actor.userID)
        let snapshots = try await services.inspections.snapshots(
            tenantID: actor.tenantID, ids: Array(Set(followUps.map(\.inspectionID))))
        let today = services.clock.today()
        let (_, tops) = try await browser.grantUnits(actor)
        let lines = followUps.map { f in
            followUpLine(
                f, today: today,
                canComplete: snapshots[f.inspectionID].map {
                    InspectionDecisions.offersCompletion(actor, $0, followUp: f.ref, policy: services.policy)
                } ?? false)
        }
        let page = InspectionPages.Mine(
            rows: rows.map { summary($0, units, language) }, empty: rows.isEmpty, followUps: lines,
            hasFollowUps: !lines.isEmpty,
            units: tops.map {
                InspectionPages.Mine.UnitLink(
                    code: $0.code, name: $0.name(in: language), url: SiteURL.unitInspections($0.code).path)
            }
        )
        return services.renderer.render(
            .inspectionsMine, page, context: context, request: request,
            title: t("inspection.mine_title", language))
    }

    /// `/units/:code/inspections`: the unit's inspections, coverage of its child units, the plan form.
    func listPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let language = context.language
        let unit = try await browser.authorize(actor, .viewCompliance, code: try context.pathParameter("code"))
        let catalog = try await services.catalog.tenant(actor.tenantID)
        let today = services.clock.today()
        let year = try schoolYear(request, catalog)
        let rows = try await visibleRows(actor, under: unit, year: year)
        let units = try await unitMap(actor, rows)
        let children = try await services.units.children(tenantID: actor.tenantID, of: unit.id)
        let coverage = try await coverageRows(actor, unit: unit, children: children, year: year, language: language)
        let policy = services.policy
        let maySelf =
            !unit.schoolLevels.isEmpty
            && InspectionRules.mayPlan(
                actor, kind: .selfInspection, issuer: unit.position, scope: [unit.position], policy: policy)
        let mayPlan = policy.allows(actor, .planInspection, on: unit.position)
        var form: InspectionPages.List.PlanForm?
        if mayPlan || maySelf {
            let inspectorRoles: [Role] =
                mayPlan ? [.provincialInspector, .districtInspector] : [.principal, .vicePrincipal]
            let candidates = try await services.inspections.candidates(
                tenantID: actor.tenantID, around: unit.id, roles: inspectorRoles)
            let kinds: [InspectionKind] = (mayPlan ? [.periodic, .surprise] : []) + (maySelf ? [.selfInspection] : [])
            let schools = children.isEmpty ? [unit] : children
            form = InspectionPages.List.PlanForm(
                kinds: kinds.map { InspectionPages.Choice(code: $0.rawValue, name: t($0.messageKey, language)) },
                scope: schools.map { InspectionPages.Choice(code: $0.code, name: $0.name(in: language)) },
                types: (catalog.years[year]?.types ?? []).map {
                    InspectionPages.Choice(code: $0.code, name: language == .en ? $0.nameEn : $0.nameVi)
                },
                inspectors: candidates.map { InspectionPages.Person(login: $0.login, name: $0.displayName) },
                symbol: unit.code, place: Self.suggestedPlace(unit), from: today.iso, to: today.adding(days: 30).iso
            )
        }
        let page = InspectionPages.List(
            unit: InspectionPages.List.UnitHead(
                code: unit.code, name: unit.name(in: language), url: SiteURL.unit(unit.code).path,
                dashboard: SiteURL.unitDashboard(unit.code).path,
                reports: SiteURL.unitReports(unit.code).path,
                inspections: SiteURL.unitInspections(unit.code).path),
            year: year, years: catalog.order.map { InspectionPages.List.Year(year: $0, selected: $0 == year) },
            rows: rows.map { summary($0, units, language) }, empty: rows.isEmpty,
            coverage: coverage, hasCoverage: !coverage.isEmpty, plan: form
        )
        return services.renderer.render(
            .inspections, page, context: context, request: request,
            title: t("inspection.list_title", language, ["unit": unit.name(in: language)]))
    }

    /// The place line's suggestion: the unit's name without its kind ("Trường THCS Chu Văn An" →
    /// "Chu Văn An"); the planner corrects it.
    static func suggestedPlace(_ unit: StoredUnit) -> String {
        var name = unit.nameVi.replacingOccurrences(of: "(demo)", with: "")
        for prefix in [
            "Sở Giáo dục và Đào tạo", "Phòng Giáo dục và Đào tạo", "Phòng Văn hóa – Xã hội", "Trường THCS",
            "Trường THPT",
            "Trường Tiểu học", "Trường Mầm non", "Trường",
        ] where name.hasPrefix(prefix) {
            name = String(name.dropFirst(prefix.count))
            break
        }
        return Text.trimmed(name).isEmpty ? unit.nameVi : Text.trimmed(name)
    }
}
