import Foundation
import Hummingbird
import HosoCore
import HosoReports
import HosoSigning
import HosoStore

/// Inspections on the software: the department or an office plans one (periodic or surprise)
/// over schools, record types and a period, naming inspectors who hold inspector roles there; a
/// principal plans the school's self-inspection. Its inspectors start it (the checklist is drawn
/// from the obligations in scope), mark each line, record findings on lines and follow-up
/// actions with an owner and a due date; the leader concludes it with signed minutes (PDF, stored
/// immutably with its hash); it closes when every follow-up is done.
struct InspectionController: Sendable {
    let services: AppServices
    var browser: UnitBrowser { UnitBrowser(services: services) }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/inspections") { request, context in try await self.minePage(request: request, context: context) }
        router.get("/units/:code/inspections") { request, context in try await self.listPage(request: request, context: context) }
        router.post("/units/:code/inspections") { request, context in try await self.planForm(request: request, context: context) }
        router.get("/inspections/:id") { request, context in try await self.inspectionPage(request: request, context: context) }
        router.post("/inspections/:id/items/:item") { request, context in try await self.markForm(request: request, context: context) }
        router.post("/inspections/:id/findings") { request, context in try await self.findingForm(request: request, context: context) }
        router.post("/inspections/:id/follow-ups") { request, context in try await self.followUpForm(request: request, context: context) }
        router.post("/follow-ups/:id/done") { request, context in try await self.followUpDoneForm(request: request, context: context) }
        router.post("/inspections/:id/:event") { request, context in try await self.eventForm(request: request, context: context) }
        router.get("/inspections/:id/minutes.pdf") { request, context in try await self.minutes(request: request, context: context) }

        let api = router.group("/api/v1")
        api.get("/units/:code/inspections") { request, context in try await self.listJSON(request: request, context: context) }
        api.post("/units/:code/inspections") { request, context in try await self.planJSON(request: request, context: context) }
        api.get("/units/:code/inspection-coverage") { request, context in try await self.coverageJSON(request: request, context: context) }
        api.get("/inspections/:id") { request, context in try await self.inspectionJSON(request: request, context: context) }
        api.get("/inspections/:id/items") { request, context in try await self.itemsJSON(request: request, context: context) }
        api.put("/inspections/:id/items/:item") { request, context in try await self.markJSON(request: request, context: context) }
        api.post("/inspections/:id/items/:item/attachments") { request, context in try await self.attachJSON(request: request, context: context) }
        api.post("/inspections/:id/findings") { request, context in try await self.findingJSON(request: request, context: context) }
        api.post("/inspections/:id/follow-ups") { request, context in try await self.followUpJSON(request: request, context: context) }
        api.post("/follow-ups/:id/done") { request, context in try await self.followUpDoneJSON(request: request, context: context) }
        api.post("/inspections/:id/:event") { request, context in try await self.eventJSON(request: request, context: context) }
        api.get("/inspections/:id/minutes") { request, context in try await self.minutes(request: request, context: context) }
        api.get("/inspections/:id/minutes/manifest") { request, context in try await self.minutesManifest(request: request, context: context) }
    }

    // MARK: - Access

    func id(_ context: AppRequestContext, _ name: String = "id") throws -> Int64 {
        guard let raw = context.parameters.get(name), let value = Int64(raw), value > 0 else { throw HosoError("inspection.not_found") }
        return value
    }

    struct Visible {
        let row: InspectionRow
        let issuer: StoredUnit
        let scope: [StoredUnit]
        let members: [InspectionMember]
        var member: InspectionMember? { members.first { $0.userID == actorID } }
        let actorID: Int64
        /// The actor may plan at the issuer (cancel, close).
        let mayPlan: Bool
        /// Someone who watches only some units in scope (a principal of one of the schools) sees
        /// the lines, findings and follow-ups of those units only; `nil`: everything.
        let onlyUnits: ((StoredUnit) -> Bool)?
    }

    /// The inspection if the actor may see it: its team, whoever watches compliance at the
    /// issuer or at a unit in scope; anyone else gets "not found", like an inspection that does not exist.
    func visible(_ actor: Actor, _ id: Int64) async throws -> Visible {
        guard let row = try await services.inspections.inspection(tenantID: actor.tenantID, id: id) else { throw HosoError("inspection.not_found") }
        let units = try await services.units.units(tenantID: actor.tenantID, ids: [row.issuerUnitID] + row.scopeUnitIDs)
        guard let issuer = units.first(where: { $0.id == row.issuerUnitID }) else { throw HosoError("inspection.not_found") }
        let scope = units.filter { row.scopeUnitIDs.contains($0.id) }.sorted { $0.code < $1.code }
        let members = try await services.inspections.members(tenantID: actor.tenantID, id: id)
        let policy = services.policy
        let member = members.contains { $0.userID == actor.userID }
        let watchesIssuer = policy.allows(actor, .viewCompliance, on: issuer.position)
        let watchesScope = scope.contains { policy.allows(actor, .viewCompliance, on: $0.position) }
        // A surprise inspection stays unseen by the inspected until it starts.
        let hiddenSurprise = row.kind == .surprise && row.state == .planned
        guard member || watchesIssuer || (watchesScope && !hiddenSurprise) else { throw HosoError("inspection.not_found") }
        let mayPlan = InspectionRules.mayPlan(actor, kind: row.kind, issuer: issuer.position, scope: scope.map(\.position), policy: policy)
        let onlyUnits: ((StoredUnit) -> Bool)? = member || watchesIssuer ? nil : { policy.allows(actor, .viewCompliance, on: $0.position) }
        return Visible(row: row, issuer: issuer, scope: scope, members: members, actorID: actor.userID, mayPlan: mayPlan, onlyUnits: onlyUnits)
    }

    /// A member who still holds an inspecting role over the whole scope (roles change in the directory).
    func requireInspector(_ actor: Actor, _ visible: Visible) throws {
        guard visible.member != nil,
              InspectionRules.mayInspect(grants: actor.grants, kind: visible.row.kind, scope: visible.scope.map(\.position)) else {
            throw HosoError("inspection.not_inspector")
        }
    }

    // MARK: - Planning

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

    func plan(_ actor: Actor, code: String, _ input: PlanInput) async throws -> Int64 {
        let issuer = try await browser.authorize(actor, .viewUnit, code: code)
        guard let kind = InspectionKind(rawValue: input.kind ?? "") else {
            throw HosoError("inspection.unknown_kind", ["kind": String((input.kind ?? "").prefix(20))])
        }
        guard let from = input.from.flatMap(LocalDate.init(iso:)), let to = input.to.flatMap(LocalDate.init(iso:)) else {
            throw HosoError("inspection.bad_period", ["from": String((input.from ?? "").prefix(12)), "to": String((input.to ?? "").prefix(12))])
        }
        // Scope: unit codes, each inside the issuer's subtree (a self-inspection: the school itself).
        var scopeCodes = (input.scope ?? []).map(Text.trimmed).filter { !$0.isEmpty }
        if kind == .selfInspection && scopeCodes.isEmpty { scopeCodes = [issuer.code] }
        var scope: [StoredUnit] = []
        for scopeCode in Set(scopeCodes).sorted() {
            guard scopeCode.count <= TenantValidator.maxCodeLength,
                  let unit = try await services.units.unit(tenantID: actor.tenantID, code: scopeCode),
                  unit.ancestry.contains(issuer.id) else {
                throw HosoError("inspection.scope_outside", ["code": String(scopeCode.prefix(TenantValidator.maxCodeLength))])
            }
            scope.append(unit)
        }
        guard InspectionRules.mayPlan(actor, kind: kind, issuer: issuer.position, scope: scope.map(\.position), policy: services.policy) else {
            throw HosoError("inspection.not_allowed_planner")
        }
        // The team: named by login, each holding an inspecting role over the whole scope.
        let logins = Array(Set((input.inspectors ?? []).map(Text.trimmed).filter { !$0.isEmpty })).sorted()
        let people = try await services.inspections.people(tenantID: actor.tenantID, logins: logins)
        for login in logins where !people.contains(where: { $0.login == login }) {
            throw HosoError("inspection.unknown_person", ["login": String(login.prefix(60))])
        }
        for person in people where !InspectionRules.mayInspect(grants: person.grants, kind: kind, scope: scope.map(\.position)) {
            throw HosoError("inspection.member_not_inspector", ["name": person.displayName, "login": person.login])
        }
        let leaderLogin = Text.trimmed(input.leader ?? "").isEmpty ? logins.first ?? "" : Text.trimmed(input.leader ?? "")
        guard let leader = people.first(where: { $0.login == leaderLogin }) else {
            if logins.isEmpty { throw HosoError("inspection.inspectors_required") }
            throw HosoError("inspection.leader_not_member")
        }
        let catalog = try await services.catalog.tenant(actor.tenantID)
        let today = VietnamTime.date(epochSeconds: Int64(Date().timeIntervalSince1970))
        // The school year of the period: the latest one begun (give or take the summer) by its first day.
        let year = input.schoolYear.flatMap { $0.isEmpty ? nil : $0 }
            ?? catalog.years.filter { $0.value.weeks.firstMonday.adding(days: -60) <= from }.max { $0.value.weeks.firstMonday < $1.value.weeks.firstMonday }?.key
            ?? catalog.currentYear(today: today) ?? ""
        guard let yearInfo = catalog.years[year] else { throw HosoError("dashboard.unknown_year", ["year": String(year.prefix(20))]) }
        let plan = InspectionPlan(
            kind: kind, title: input.title ?? "", issuerUnitID: issuer.id, symbol: input.symbol.flatMap { $0.isEmpty ? nil : $0 } ?? issuer.code,
            scopeUnitIDs: scope.map(\.id), recordTypes: Array(Set((input.recordTypes ?? []).filter { !$0.isEmpty })).sorted(),
            periodFrom: from, periodTo: to, place: input.place ?? "", inspectorUserIDs: people.map(\.userID), leaderUserID: leader.userID
        )
        try InspectionRules.validate(plan, knownRecordTypes: Set(yearInfo.types.map(\.code)))
        return try await services.inspections.create(actor, plan, schoolYear: year, plannedOn: today)
    }

    // MARK: - Conclusion (the minutes)

    func conclude(_ actor: Actor, _ visible: Visible, conclusions: String, recommendations: String?) async throws {
        try requireInspector(actor, visible)
        guard visible.member?.leader == true else { throw HosoError("inspection.leader_only") }
        _ = try InspectionRules.apply(.conclude, to: visible.row.state)
        let recommendations = recommendations.map { Normalize.lines(Text.trimmed($0)) }.flatMap { $0.isEmpty ? nil : $0 }
        if let recommendations, recommendations.count > InspectionRules.maxText * 2 {
            throw HosoError("inspection.text_too_long", ["max": String(InspectionRules.maxText * 2)])
        }
        let conclusions = Normalize.lines(Text.trimmed(conclusions))
        try InspectionRules.checkConclusion(pending: 0, conclusions: conclusions)
        let tenantID = actor.tenantID, row = visible.row, services = self.services
        let scope = visible.scope, issuer = visible.issuer, team = visible.members
        let now = Int64(Date().timeIntervalSince1970)
        let today = VietnamTime.date(epochSeconds: now)
        let time = String(VietnamTime.display(epochSeconds: now).suffix(5))
        // The leader signs the minutes digitally when the key store holds their key: the PDF prints
        // the signature's details, and the signed manifest of the PDF is kept with it.
        let key = services.signing.signer == nil ? nil : try await services.signatures.activeKey(tenantID: tenantID, userID: actor.userID)
            .flatMap { $0.keyReference == nil ? nil : $0 }
        let digital = key.map { (name: $0.commonName, serial: $0.serial, time: VietnamTime.display(epochSeconds: now)) }
        let tenant = try await services.tenants.tenant(id: tenantID)
        var sign: (@Sendable (String, StagedBlob) async throws -> String)?
        if let key {
            let party = RecordManifest.Party(code: tenant?.code ?? "", name: tenant?.nameVi ?? "")
            let signer = (login: actor.login, name: actor.displayName)
            sign = { number, minutes in
                try await services.signing.signMinutes(tenantID: tenantID, key: key, tenant: party, issuer: issuer, inspection: row, number: number,
                                                       sha256: minutes.sha256, size: minutes.size, signer: signer, at: now)
            }
        }
        // Everything the minutes say is read under the inspection's lock (inside the store's
        // transaction), so what is hashed and stored is what the inspection holds.
        _ = try await services.inspections.conclude(actor, id: row.id, conclusions: conclusions, recommendations: recommendations,
                                                    year: today.year, asTeam: true, sign: sign) { number in
            let items = try await services.inspections.checklist(tenantID: tenantID, id: row.id, limit: InspectionRules.maxChecklist)
            let findings = try await services.inspections.findings(tenantID: tenantID, id: row.id)
            let followUps = try await services.inspections.followUps(tenantID: tenantID, inspectionID: row.id)
            let unitIDs = Array(Set(items.map(\.unitID) + findings.map(\.unitID)))
            let units = Dictionary(try await services.units.units(tenantID: tenantID, ids: unitIDs).map { ($0.id, $0) }) { a, _ in a }
            var representatives: [Int64: String] = [:]
            for unit in scope {
                let members = try await services.users.members(tenantID: tenantID, unitID: unit.id)
                if let principal = members.first(where: { $0.role == .principal }) { representatives[unit.id] = principal.displayName }
            }
            let parent = try await services.units.units(tenantID: tenantID, ids: issuer.parentID.map { [$0] } ?? []).first
            let catalog = try await services.catalog.tenant(tenantID)
            let typeNames = Dictionary((catalog.years[row.schoolYear]?.types ?? []).map { ($0.code, $0.nameVi) }) { a, _ in a }
            let document = MinutesBuilder(words: services.documents.minutes, localizer: services.localizer).document(.init(
                inspection: row, issuer: issuer, issuerParent: parent, scope: scope, representatives: representatives,
                members: team, items: items, units: units, findings: findings, followUps: followUps, typeNames: typeNames,
                number: number, issuedOn: today, time: time, conclusions: conclusions, recommendations: recommendations,
                digitalSignature: digital
            ))
            let bytes = try OfficialDocumentRenderer(layout: services.documents.layout).render(document)
            let writer = try services.blobs.writer(limit: 200 * 1024 * 1024)
            do {
                try writer.write(bytes)
            } catch {
                writer.abort()
                throw error
            }
            let staged = try writer.finish()
            try staged.commit()
            return staged
        }
    }

    func event(_ actor: Actor, _ visible: Visible, _ event: String, body: [String: String]) async throws {
        let id = visible.row.id
        let mayPlan = visible.mayPlan
        switch event {
        case "start":
            try requireInspector(actor, visible)
            _ = try await services.inspections.start(actor, id: id)
        case "cancel":
            try await services.inspections.cancel(actor, id: id) { _ in mayPlan }
        case "conclude":
            try await conclude(actor, visible, conclusions: body["conclusions"] ?? "", recommendations: body["recommendations"])
        case "close":
            let asTeam = (try? requireInspector(actor, visible)) != nil
            try await services.inspections.close(actor, id: id, asTeam: asTeam) { _ in mayPlan }
        default:
            throw HosoError("http.not_found")
        }
    }

    func finding(_ actor: Actor, _ visible: Visible, item: String?, severity: String?, text: String?) async throws -> Int64 {
        try requireInspector(actor, visible)
        let itemID = item.flatMap { Int64(Text.trimmed($0)) }
        let (checkedItem, checkedSeverity, checkedText) = try InspectionRules.checkFinding(itemID: itemID, severity: severity, text: text ?? "")
        return try await services.inspections.addFinding(actor, inspectionID: visible.row.id, itemID: checkedItem, severity: checkedSeverity,
                                                         text: Normalize.lines(checkedText))
    }

    func followUp(_ actor: Actor, _ visible: Visible, finding: String?, owner: String?, due: String?, action: String?) async throws -> Int64 {
        try requireInspector(actor, visible)
        guard let findingID = finding.flatMap({ Int64(Text.trimmed($0)) }) else { throw HosoError("inspection.finding_not_found") }
        let login = Text.trimmed(owner ?? "")
        var ownerID: Int64?
        if !login.isEmpty {
            guard let person = try await services.inspections.people(tenantID: actor.tenantID, logins: [login]).first else {
                throw HosoError("inspection.unknown_person", ["login": String(login.prefix(60))])
            }
            ownerID = person.userID
        }
        let today = VietnamTime.date(epochSeconds: Int64(Date().timeIntervalSince1970))
        let dueText = Text.trimmed(due ?? "")
        let dueOn = dueText.isEmpty ? nil : LocalDate(iso: dueText)
        if !dueText.isEmpty && dueOn == nil { throw HosoError("inspection.follow_up_without_due") }
        let (checkedOwner, checkedDue, checkedAction) = try InspectionRules.checkFollowUp(ownerUserID: ownerID, dueOn: dueOn, action: action ?? "",
                                                                                          today: today)
        return try await services.inspections.addFollowUp(actor, inspectionID: visible.row.id, findingID: findingID, ownerUserID: checkedOwner,
                                                          dueOn: checkedDue, action: Normalize.lines(checkedAction))
    }

    func mark(_ actor: Actor, _ visible: Visible, item: Int64, verdict: String?, note: String?) async throws {
        try requireInspector(actor, visible)
        guard let verdict = verdict.flatMap(Verdict.init(rawValue:)), verdict != .pending else {
            throw HosoError("inspection.unknown_verdict", ["verdict": String((verdict ?? "").prefix(20))])
        }
        try await services.inspections.mark(actor, inspectionID: visible.row.id, itemID: item, verdict: verdict, note: note)
    }

    // MARK: - Pages

    func t(_ key: String, _ language: Language, _ values: [String: String] = [:]) -> String { services.localizer.text(key, language, values) }

    func summary(_ row: InspectionRow, _ units: [Int64: StoredUnit], _ language: Language) -> [String: Any] {
        var value: [String: Any] = [
            "id": row.id, "url": "/inspections/\(row.id)", "title": row.title, "kind": t(row.kind.messageKey, language),
            "state": t(row.state.messageKey, language), "stateCode": row.state.rawValue,
            "period": row.periodFrom.vietnamese + " – " + row.periodTo.vietnamese, "year": row.schoolYear,
            "issuer": units[row.issuerUnitID]?.name(in: language) ?? "",
            "scope": row.scopeUnitIDs.compactMap { units[$0]?.name(in: language) }.joined(separator: ", "),
        ]
        if let number = row.minutesNumber { value["minutes"] = number; value["minutesURL"] = "/inspections/\(row.id)/minutes.pdf" }
        return value
    }

    /// A surprise inspection not yet started is seen by those who watch its issuer only.
    func hideUnstartedSurprises(_ actor: Actor, _ rows: [InspectionRow]) async throws -> [InspectionRow] {
        let surprises = rows.filter { $0.kind == .surprise && $0.state == .planned }
        guard !surprises.isEmpty else { return rows }
        let issuers = try await unitMap(actor, surprises)
        return rows.filter { row in
            guard row.kind == .surprise && row.state == .planned, let issuer = issuers[row.issuerUnitID] else { return true }
            return services.policy.allows(actor, .viewCompliance, on: issuer.position)
        }
    }

    func unitMap(_ actor: Actor, _ rows: [InspectionRow]) async throws -> [Int64: StoredUnit] {
        let ids = Array(Set(rows.flatMap { [$0.issuerUnitID] + $0.scopeUnitIDs }))
        return Dictionary(try await services.units.units(tenantID: actor.tenantID, ids: ids).map { ($0.id, $0) }) { a, _ in a }
    }

    /// `/inspections`: the inspections I am named to and the follow-up actions I own.
    func minePage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let language = context.language
        let rows = try await services.inspections.assigned(tenantID: actor.tenantID, userID: actor.userID)
        let units = try await unitMap(actor, rows)
        let followUps = try await services.inspections.followUps(tenantID: actor.tenantID, ownerUserID: actor.userID)
        let today = VietnamTime.date(epochSeconds: Int64(Date().timeIntervalSince1970))
        let (_, tops) = try await browser.grantUnits(actor)
        return services.renderer.render("inspections-mine", [
            "rows": rows.map { summary($0, units, language) }, "empty": rows.isEmpty,
            "followUps": followUps.map { followUpValues($0, today: today, actor: actor, canComplete: true) }, "hasFollowUps": !followUps.isEmpty,
            "units": tops.map { ["code": $0.code, "name": $0.name(in: language), "url": "/units/\(SiteURL.segment($0.code))/inspections"] },
        ], context: context, request: request, title: t("inspection.mine_title", language))
    }

    func followUpValues(_ f: FollowUpRow, today: LocalDate, actor: Actor, canComplete: Bool) -> [String: Any] {
        var value: [String: Any] = ["id": f.id, "action": f.action, "owner": f.ownerName, "due": f.dueOn.vietnamese, "done": f.state == .done,
                                    "overdue": f.state == .open && f.dueOn < today, "inspectionURL": "/inspections/\(f.inspectionID)"]
        if let doneAt = f.doneAt { value["doneAt"] = VietnamTime.display(epochSeconds: doneAt) }
        if let note = f.doneNote { value["doneNote"] = note }
        if f.state == .open && canComplete { value["canComplete"] = true }
        return value
    }

    /// `/units/:code/inspections`: the unit's inspections, coverage of its child units, the plan form.
    func listPage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let language = context.language
        let unit = try await browser.authorize(actor, .viewCompliance, code: try context.pathParameter("code"))
        let catalog = try await services.catalog.tenant(actor.tenantID)
        let today = VietnamTime.date(epochSeconds: Int64(Date().timeIntervalSince1970))
        let year = request.uri.queryParameters["year"].map(String.init).flatMap { catalog.years[$0] != nil ? $0 : nil }
            ?? catalog.currentYear(today: today) ?? ""
        let rows = try await hideUnstartedSurprises(actor, try await services.inspections.list(tenantID: actor.tenantID, under: unit.id, schoolYear: year))
        let units = try await unitMap(actor, rows)
        let children = try await services.units.children(tenantID: actor.tenantID, of: unit.id)
        let coverage = try await services.inspections.coverage(tenantID: actor.tenantID, unitIDs: [unit.id] + children.map(\.id), schoolYear: year)
        let byUnit = Dictionary(uniqueKeysWithValues: coverage.map { ($0.unitID, $0) })
        let coverageRows = ([unit] + children).compactMap { child -> [String: Any]? in
            guard let line = byUnit[child.id], line.schools > 0 else { return nil }
            return ["name": child.name(in: language), "own": child.id == unit.id, "schools": line.schools, "planned": line.planned, "done": line.done,
                    "inspections": line.inspections,
                    "percent": line.schools == 0 ? "–" : "\(line.done * 100 / line.schools)%"]
        }
        let policy = services.policy
        let maySelf = !unit.schoolLevels.isEmpty && InspectionRules.mayPlan(actor, kind: .selfInspection, issuer: unit.position, scope: [unit.position],
                                                                            policy: policy)
        let mayPlan = policy.allows(actor, .planInspection, on: unit.position)
        var values: [String: Any] = [
            "unit": ["code": unit.code, "name": unit.name(in: language), "url": SiteURL.unit(unit.code).path,
                     "dashboard": "/units/\(SiteURL.segment(unit.code))/dashboard", "reports": "/units/\(SiteURL.segment(unit.code))/reports"],
            "year": year, "years": catalog.order.map { ["year": $0, "selected": $0 == year] },
            "rows": rows.map { summary($0, units, language) }, "empty": rows.isEmpty,
            "coverage": coverageRows, "hasCoverage": !coverageRows.isEmpty,
        ]
        if mayPlan || maySelf {
            let inspectorRoles: [Role] = mayPlan ? [.provincialInspector, .districtInspector] : [.principal, .vicePrincipal]
            let candidates = try await services.inspections.candidates(tenantID: actor.tenantID, around: unit.id, roles: inspectorRoles)
            let kinds: [InspectionKind] = (mayPlan ? [.periodic, .surprise] : []) + (maySelf ? [.selfInspection] : [])
            let schools = children.isEmpty ? [unit] : children
            values["plan"] = [
                "kinds": kinds.map { ["code": $0.rawValue, "name": t($0.messageKey, language)] },
                "scope": schools.map { ["code": $0.code, "name": $0.name(in: language)] },
                "types": (catalog.years[year]?.types ?? []).map { ["code": $0.code, "name": language == .en ? $0.nameEn : $0.nameVi] },
                "inspectors": candidates.map { ["login": $0.login, "name": $0.displayName] },
                "symbol": unit.code, "place": Self.suggestedPlace(unit), "from": today.iso, "to": today.adding(days: 30).iso,
            ]
        }
        return services.renderer.render("inspections", values, context: context, request: request,
                                        title: t("inspection.list_title", language, ["unit": unit.name(in: language)]))
    }

    /// The place line's suggestion: the unit's name without its kind ("Trường THCS Chu Văn An" →
    /// "Chu Văn An"); the planner corrects it.
    static func suggestedPlace(_ unit: StoredUnit) -> String {
        var name = unit.nameVi.replacingOccurrences(of: "(demo)", with: "")
        for prefix in ["Sở Giáo dục và Đào tạo", "Phòng Giáo dục và Đào tạo", "Phòng Văn hóa – Xã hội", "Trường THCS", "Trường THPT", "Trường Tiểu học",
                       "Trường Mầm non", "Trường"] where name.hasPrefix(prefix) {
            name = String(name.dropFirst(prefix.count))
            break
        }
        return Text.trimmed(name).isEmpty ? unit.nameVi : Text.trimmed(name)
    }

    func inspectionPage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let language = context.language
        let visible = try await visible(actor, try id(context))
        let row = visible.row
        let query = request.uri.queryParameters
        let unitFilter = query["unit"].map(String.init).flatMap { code in visible.scope.first { $0.code == code }?.id }
        let verdictFilter = query["verdict"].map(String.init).flatMap(Verdict.init(rawValue:))
        // One read: the counts are over every line the actor may see, the table over the filters.
        let (items, findings, followUps, units) = try await visibleParts(actor, visible)
        let shown = items.filter { (unitFilter == nil || $0.unitID == unitFilter) && (verdictFilter == nil || $0.verdict == verdictFilter) }
        var counts: [Verdict: Int] = [:]
        for item in items { counts[item.verdict, default: 0] += 1 }
        let catalog = try await services.catalog.tenant(actor.tenantID)
        let types = Dictionary((catalog.years[row.schoolYear]?.types ?? []).map { ($0.code, language == .en ? $0.nameEn : $0.nameVi) }) { a, _ in a }
        let inspector = (try? requireInspector(actor, visible)) != nil
        let conducting = inspector && row.state == .inProgress
        let today = VietnamTime.date(epochSeconds: Int64(Date().timeIntervalSince1970))
        let shownLimit = 1_000
        let itemValues = shown.prefix(shownLimit).map { item -> [String: Any] in
            var value: [String: Any] = [
                "id": item.id, "unit": units[item.unitID]?.name(in: language) ?? "", "type": types[item.recordType] ?? item.recordType,
                "period": t("period." + item.periodKind, language, ["n": String(item.periodNumber)]), "owner": item.ownerName ?? "",
                "due": VietnamTime.display(epochSeconds: item.dueAt), "status": t(item.status.messageKey, language),
                "statusCode": item.status.rawValue, "verdict": t(item.verdict.messageKey, language), "verdictCode": item.verdict.rawValue,
                "recordURL": "/records/\(item.obligationID)?inspection=\(row.id)", "conducting": conducting, "marked": item.verdict != .pending,
                "verdicts": Verdict.allCases.filter { $0 != .pending }.map { ["code": $0.rawValue, "name": t($0.messageKey, language),
                                                                              "selected": $0 == item.verdict] },
            ]
            if let note = item.note { value["note"] = note }
            if let viewed = item.viewedAt { value["viewed"] = VietnamTime.display(epochSeconds: viewed) }
            if let by = item.markedBy { value["markedBy"] = by }
            return value
        }
        let findingNumber = Dictionary(uniqueKeysWithValues: findings.enumerated().map { ($1.id, $0 + 1) })
        var values: [String: Any] = [
            "inspection": summary(row, Dictionary(([visible.issuer] + visible.scope).map { ($0.id, $0) }) { a, _ in a }, language),
            "symbol": row.symbol, "place": row.place, "plannedBy": row.plannedBy, "plannedOn": row.plannedOn.vietnamese,
            "types": row.recordTypes.isEmpty ? t("inspection.all_types", language) : row.recordTypes.map { types[$0] ?? $0 }.joined(separator: ", "),
            "members": visible.members.map { ["name": $0.displayName, "login": $0.login, "leader": $0.leader] },
            "counts": Verdict.allCases.map { ["name": t($0.messageKey, language), "count": counts[$0] ?? 0, "code": $0.rawValue] },
            "items": itemValues, "hasItems": !items.isEmpty, "itemsCut": shown.count > shownLimit, "itemsTotal": shown.count,
            "scopeUnits": visible.scope.map { ["code": $0.code, "name": $0.name(in: language), "selected": $0.id == unitFilter] },
            "findings": findings.map { f -> [String: Any] in
                ["number": findingNumber[f.id] ?? 0, "id": f.id, "severity": t(f.severity.messageKey, language), "severityCode": f.severity.rawValue,
                 "text": f.text, "unit": units[f.unitID]?.name(in: language) ?? "", "type": types[f.recordType] ?? f.recordType, "by": f.createdBy,
                 "recordURL": "/records/\(f.obligationID)?inspection=\(row.id)"]
            },
            "hasFindings": !findings.isEmpty,
            "followUps": followUps.map { followUpValues($0, today: today, actor: actor, canComplete: $0.ownerUserID == actor.userID || inspector) },
            "hasFollowUps": !followUps.isEmpty,
            "conducting": conducting, "severities": FindingSeverity.allCases.map { ["code": $0.rawValue, "name": t($0.messageKey, language)] },
            "canStart": inspector && row.state == .planned, "canCancel": visible.mayPlan && row.state == .planned,
            "canConclude": conducting && visible.member?.leader == true,
            "canFollowUp": inspector && (row.state == .inProgress || row.state == .concluded),
            "canClose": (visible.member?.leader == true || visible.mayPlan) && row.state == .concluded,
            "owners": try await ownerCandidates(actor, visible),
            "findingChoices": findings.map { ["id": $0.id, "label": "\(findingNumber[$0.id] ?? 0). \($0.text.prefix(60))"] },
            "minDue": today.iso,
        ]
        if let conclusions = row.conclusions { values["conclusions"] = conclusions }
        if let recommendations = row.recommendations { values["recommendations"] = recommendations }
        if let sha = row.minutesSHA256 { values["minutesSHA"] = sha; values["minutesSize"] = ByteSize.text(row.minutesSize ?? 0) }
        if row.minutesSHA256 != nil, let xml = try await services.inspections.minutesManifest(tenantID: actor.tenantID, inspectionID: row.id) {
            // The minutes' digital signature, checked again now against the PDF in the blob store.
            let check = try ManifestSignatures.verify(Array(xml.utf8), roots: try await services.signing.roots(tenantID: actor.tenantID),
                                                      schema: services.signing.schema)
            let document = (try? services.blobs.read(check.manifest.document.sha256)).map(Digests.sha256) ?? "missing"
            let review = SignatureReview(manifest: check.manifest, evidence: check.evidence, owners: nil, documentSHA256: document)
            if let signature = review.signatures.first, let claim = signature.evidence.claim {
                values["minutesSignature"] = [
                    "signer": claim.signerName, "at": VietnamTime.display(epochSeconds: claim.signingTime),
                    "serial": signature.evidence.certificate?.serial ?? "", "valid": signature.valid && review.documentProblem == nil,
                    "problems": (signature.problems + [review.documentProblem].compactMap { $0 }).map { services.localizer.text($0.messageKey, language, $0.parameters) },
                    "manifestURL": "/api/v1/inspections/\(row.id)/minutes/manifest",
                ] as [String: Any]
            }
        }
        return services.renderer.render("inspection", values, context: context, request: request, title: row.title)
    }

    /// The checklist, findings and follow-ups the actor may see (all of them, or those of the units
    /// they watch), with the units they name.
    func visibleParts(_ actor: Actor, _ visible: Visible, verdict: Verdict? = nil)
        async throws -> ([ChecklistItem], [FindingRow], [FollowUpRow], [Int64: StoredUnit]) {
        let tenantID = actor.tenantID, id = visible.row.id
        var items = try await services.inspections.checklist(tenantID: tenantID, id: id, verdict: verdict, limit: InspectionRules.maxChecklist)
        var findings = try await services.inspections.findings(tenantID: tenantID, id: id)
        var followUps = try await services.inspections.followUps(tenantID: tenantID, inspectionID: id)
        let unitIDs = Array(Set(items.map(\.unitID) + findings.map(\.unitID)))
        let units = Dictionary(try await services.units.units(tenantID: tenantID, ids: unitIDs).map { ($0.id, $0) }) { a, _ in a }
        if let only = visible.onlyUnits {
            let allowed = Set(units.values.filter(only).map(\.id))
            items = items.filter { allowed.contains($0.unitID) }
            findings = findings.filter { allowed.contains($0.unitID) }
            let kept = Set(findings.map(\.id))
            followUps = followUps.filter { kept.contains($0.findingID) }
        }
        return (items, findings, followUps, units)
    }

    /// Who may own a follow-up: people working in the units in scope.
    func ownerCandidates(_ actor: Actor, _ visible: Visible) async throws -> [[String: Any]] {
        guard visible.member != nil, visible.row.state == .inProgress || visible.row.state == .concluded else { return [] }
        var seen: Set<String> = [], result: [[String: Any]] = []
        for unit in visible.scope {
            for member in try await services.users.members(tenantID: actor.tenantID, unitID: unit.id) where !seen.contains(member.login) {
                seen.insert(member.login)
                result.append(["login": member.login, "name": member.displayName])
            }
        }
        return result
    }

    func back(_ id: Int64, _ anchor: String = "") -> Response { Response.redirect(to: "/inspections/\(id)\(anchor)", type: .normal) }

    func planForm(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let form = try await request.decodeForm(limit: 64 * 1024)
        let input = PlanInput(kind: form["kind"], title: form["title"], symbol: form["symbol"], place: form["place"], from: form["from"], to: form["to"],
                              schoolYear: form["year"], recordTypes: form.all("types"), scope: form.all("scope"), inspectors: form.all("inspectors"),
                              leader: form["leader"])
        let id = try await plan(actor, code: try context.pathParameter("code"), input)
        return back(id)
    }

    func eventForm(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        let form = try await request.decodeForm(limit: CSRFMiddleware.maxFormBytes)
        try await event(actor, visible, try context.pathParameter("event"), body: form.dictionary)
        return back(visible.row.id)
    }

    func markForm(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        let form = try await request.decodeForm()
        try await mark(actor, visible, item: try id(context, "item"), verdict: form["verdict"], note: form["note"])
        return back(visible.row.id, "#item-\(try id(context, "item"))")
    }

    func findingForm(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        let form = try await request.decodeForm()
        _ = try await finding(actor, visible, item: form["item"], severity: form["severity"], text: form["text"])
        return back(visible.row.id, "#findings")
    }

    func followUpForm(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        let form = try await request.decodeForm()
        _ = try await followUp(actor, visible, finding: form["finding"], owner: form["owner"], due: form["due"], action: form["action"])
        return back(visible.row.id, "#follow-ups")
    }

    /// Marks a follow-up done: its owner, or the team (while its members hold inspecting roles).
    func completeFollowUp(_ actor: Actor, id: Int64, note: String) async throws {
        guard let inspectionID = try await services.inspections.followUpInspection(tenantID: actor.tenantID, id: id) else {
            throw HosoError("inspection.follow_up_not_found")
        }
        let visible = try? await visible(actor, inspectionID)
        let asTeam = visible.map { (try? requireInspector(actor, $0)) != nil } ?? false
        try await services.inspections.completeFollowUp(actor, id: id, note: Normalize.lines(note), asTeam: asTeam)
    }

    func followUpDoneForm(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let form = try await request.decodeForm()
        try await completeFollowUp(actor, id: try id(context), note: form["note"] ?? "")
        let target = form["back"].flatMap { $0.hasPrefix("/inspections") && !$0.contains("//") ? $0 : nil } ?? "/inspections"
        return Response.redirect(to: target, type: .normal)
    }

    func minutes(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        guard let sha = visible.row.minutesSHA256, let number = visible.row.minutesNumber else { throw HosoError("inspection.no_minutes") }
        let bytes = try services.blobs.read(sha)
        try await services.audit.append(tenantID: actor.tenantID, AuditEvent(
            actorUserID: actor.userID, actorLogin: actor.login, action: "inspection.minutes_download", unitID: visible.issuer.id,
            subject: "inspection:\(visible.row.id)", details: ["sha256": sha]
        ))
        let filename = "bien-ban-" + number.replacingOccurrences(of: "/", with: "-") + ".pdf"
        var headers = Download.headers(filename: SiteURL.asciiFilename(filename), .pdf)
        headers[.contentDisposition] = "inline; filename=\"\(SiteURL.asciiFilename(filename))\""
        headers[.xContentSHA256] = sha
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The signed manifest of the minutes (XML), for `hoso verify` or `xmlsec1` with the PDF.
    func minutesManifest(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        guard let xml = try await services.inspections.minutesManifest(tenantID: actor.tenantID, inspectionID: visible.row.id) else {
            throw HosoError("inspection.no_minutes")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/xml; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"bien-ban-\(visible.row.id).xml\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: xml)))
    }

    // MARK: - API

    func inspectionJSONValue(_ actor: Actor, _ visible: Visible) async throws -> API.Inspection {
        let (items, findings, followUps, _) = try await visibleParts(actor, visible)
        var counts: [Verdict: Int] = [:]
        for item in items { counts[item.verdict, default: 0] += 1 }
        return API.Inspection(visible.row, issuer: visible.issuer, scope: visible.scope, members: visible.members, counts: counts,
                              findings: findings, followUps: followUps)
    }

    func listJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let unit = try await browser.authorize(actor, .viewCompliance, code: try context.pathParameter("code"))
        let year = request.uri.queryParameters["year"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let rows = try await hideUnstartedSurprises(actor, try await services.inspections.list(tenantID: actor.tenantID, under: unit.id, schoolYear: year))
        let units = try await unitMap(actor, rows)
        return try JSONResponse.make(API.InspectionList(items: rows.map { API.InspectionBrief($0, units) }))
    }

    func planJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let input = try await request.decodeJSON(PlanInput.self, limit: 64 * 1024)
        let id = try await plan(actor, code: try context.pathParameter("code"), input)
        let visible = try await visible(actor, id)
        return try JSONResponse.make(try await inspectionJSONValue(actor, visible), status: .created)
    }

    func coverageJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let unit = try await browser.authorize(actor, .viewCompliance, code: try context.pathParameter("code"))
        let catalog = try await services.catalog.tenant(actor.tenantID)
        let today = VietnamTime.date(epochSeconds: Int64(Date().timeIntervalSince1970))
        let year = request.uri.queryParameters["year"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? catalog.currentYear(today: today) ?? ""
        guard catalog.years[year] != nil else { throw HosoError("dashboard.unknown_year", ["year": String(year.prefix(20))]) }
        let children = try await services.units.children(tenantID: actor.tenantID, of: unit.id)
        let lines = try await services.inspections.coverage(tenantID: actor.tenantID, unitIDs: [unit.id] + children.map(\.id), schoolYear: year)
        let codes = Dictionary(uniqueKeysWithValues: ([unit] + children).map { ($0.id, $0.code) })
        return try JSONResponse.make(API.Coverage(schoolYear: year, units: lines.map {
            API.CoverageLine(unit: codes[$0.unitID] ?? "", schools: $0.schools, planned: $0.planned, done: $0.done, inspections: $0.inspections)
        }.sorted { $0.unit < $1.unit }))
    }

    func inspectionJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        return try JSONResponse.make(try await inspectionJSONValue(actor, visible))
    }

    func itemsJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        let verdict = request.uri.queryParameters["verdict"].map(String.init).flatMap(Verdict.init(rawValue:))
        let (items, _, _, units) = try await visibleParts(actor, visible, verdict: verdict)
        let codes = units.mapValues(\.code)
        return try JSONResponse.make(API.ChecklistPage(items: items.map { API.ChecklistLine($0, unitCode: codes[$0.unitID] ?? "") }))
    }

    struct MarkInput: Decodable { var verdict: String?; var note: String? }
    struct FindingInput: Decodable { var item: Int64?; var severity: String?; var text: String? }
    struct FollowUpInput: Decodable { var finding: Int64?; var owner: String?; var due: String?; var action: String? }
    struct NoteInput: Decodable { var note: String?; var conclusions: String?; var recommendations: String? }

    func markJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        let input = try await request.decodeJSON(MarkInput.self)
        try await mark(actor, visible, item: try id(context, "item"), verdict: input.verdict, note: input.note)
        return try JSONResponse.make(try await inspectionJSONValue(actor, try await self.visible(actor, visible.row.id)))
    }

    func findingJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        let input = try await request.decodeJSON(FindingInput.self)
        let id = try await finding(actor, visible, item: input.item.map(String.init), severity: input.severity, text: input.text)
        return try JSONResponse.make(API.Created(id: id), status: .created)
    }

    func followUpJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        let input = try await request.decodeJSON(FollowUpInput.self)
        let id = try await followUp(actor, visible, finding: input.finding.map(String.init), owner: input.owner, due: input.due, action: input.action)
        return try JSONResponse.make(API.Created(id: id), status: .created)
    }

    func followUpDoneJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let input = try await request.decodeJSON(NoteInput.self)
        try await completeFollowUp(actor, id: try id(context), note: input.note ?? "")
        return Response(status: .noContent)
    }

    func eventJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        var body: [String: String] = [:]
        if request.headers[.contentType] != nil {
            let input = try await request.decodeJSON(NoteInput.self, limit: 128 * 1024)
            body["conclusions"] = input.conclusions
            body["recommendations"] = input.recommendations
        }
        try await event(actor, visible, try context.pathParameter("event"), body: body)
        return try JSONResponse.make(try await inspectionJSONValue(actor, try await self.visible(actor, visible.row.id)))
    }

    /// Evidence files on a line of the checklist: the raw body, its type in `Content-Type`, its
    /// name in `?filename=`; PDF or images, 20 MB at most.
    func attachJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let visible = try await visible(actor, try id(context))
        try requireInspector(actor, visible)
        let itemID = try id(context, "item")
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { Text.trimmed(String($0)).lowercased() } ?? ""
        let accepted = ["application/pdf": [UInt8]("%PDF".utf8), "image/png": [0x89, 0x50, 0x4E, 0x47], "image/jpeg": [0xFF, 0xD8, 0xFF]]
        guard let magic = accepted[mediaType] else { throw HosoError("upload.format_not_accepted", ["formats": "pdf, png, jpeg"]) }
        let rawName = request.uri.queryParameters["filename"].map(String.init) ?? "evidence"
        let filename = try DocumentName.check(Normalize.nfc(rawName.removingPercentEncoding ?? rawName))
        let limit: Int64 = 20 * 1024 * 1024
        let writer = try services.blobs.writer(limit: limit)
        do {
            for try await chunk in request.body {
                try chunk.withUnsafeReadableBytes { try writer.write($0) }
            }
        } catch {
            writer.abort()
            throw (error as? HosoError) ?? HosoError("upload.too_large", ["limit": "20"])
        }
        let staged = try writer.finish()
        guard staged.size > 0, Array(staged.head.prefix(magic.count)) == magic else {
            staged.discard()
            throw HosoError("upload.unrecognised", ["formats": "pdf, png, jpeg"])
        }
        try staged.commit()
        let id = try await services.inspections.attach(actor, inspectionID: visible.row.id, itemID: itemID, blob: staged, mediaType: mediaType,
                                                       filename: filename)
        return try JSONResponse.make(API.Created(id: id), status: .created)
    }
}
