import Foundation
import Hummingbird
import HosoCore
import HosoReports
import HosoStore

/// Compliance dashboards for any unit the actor may watch: figures over its subtree, a table of
/// its child units × record types (worst first), the trend over the weeks, the overdue counts; at a
/// school, its people and this week's and next week's deadlines, what is late and what waits for
/// approval. The drill-down goes province → office → school → person → item. Every table exports
/// to CSV and XLSX; the filters live in the URL.
struct DashboardController: Sendable {
    let services: AppServices
    var browser: UnitBrowser { UnitBrowser(services: services) }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/dashboard") { request, context in try await self.entry(request: request, context: context) }
        router.get("/units/:code/dashboard") { request, context in try await self.dashboardPage(request: request, context: context) }
        router.get("/units/:code/dashboard.csv") { request, context in try await self.dashboardExport(request: request, context: context, xlsx: false) }
        router.get("/units/:code/dashboard.xlsx") { request, context in try await self.dashboardExport(request: request, context: context, xlsx: true) }
        router.get("/units/:code/items") { request, context in try await self.itemsPage(request: request, context: context) }
        router.get("/units/:code/items.csv") { request, context in try await self.itemsExport(request: request, context: context, xlsx: false) }
        router.get("/units/:code/items.xlsx") { request, context in try await self.itemsExport(request: request, context: context, xlsx: true) }
        router.get("/units/:code/reminders") { request, context in try await self.remindersPage(request: request, context: context) }
        router.get("/units/:code/reminders.csv") { request, context in try await self.remindersExport(request: request, context: context) }

        let api = router.group("/api/v1")
        api.get("/units/:code/compliance") { request, context in try await self.complianceJSON(request: request, context: context) }
        api.get("/units/:code/items") { request, context in try await self.itemsJSON(request: request, context: context) }
        api.get("/units/:code/reminders") { request, context in try await self.remindersJSON(request: request, context: context) }
    }

    // MARK: - Reading a view

    /// A dashboard's data: the unit, its filter, its figures and its children's.
    struct View: Sendable {
        let unit: StoredUnit
        let filter: ComplianceFilter
        let year: ComplianceCatalog.Year
        let years: [String]
        let total: ComplianceCounts
        let byType: [String: ComplianceCounts]
        let children: [StoredUnit]
        let childTotals: [Int64: ComplianceCounts]
        var childByType: [Int64: [String: ComplianceCounts]]
        let weeks: [Int: ComplianceCounts]
        /// The record types that have anything in this view, in the rule-set's order.
        var types: [(code: String, nameVi: String, nameEn: String)] {
            year.types.filter { byType[$0.code] != nil && (filter.recordType == nil || filter.recordType == $0.code) }
        }
    }

    func filter(_ request: Request, tenantID: Int64) async throws -> (ComplianceFilter, ComplianceCatalog.Year, [String]) {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        return try await filter(query: query, tenantID: tenantID)
    }

    /// The filter of a query (`year`, `semester`, `from`, `to`, `type`, `level`), checked against
    /// the tenant's calendars and rule-sets; reports read their figures through it too.
    func filter(query: [String: String], tenantID: Int64) async throws -> (ComplianceFilter, ComplianceCatalog.Year, [String]) {
        let catalog = try await services.catalog.tenant(tenantID)
        let today = VietnamTime.date(epochSeconds: Int64(Date().timeIntervalSince1970))
        guard let defaultYear = catalog.currentYear(today: today) else { throw HosoError("dashboard.no_calendar") }
        let years = catalog.years.mapValues(\.weeks)
        let requestedYear = query["year"].map(Text.trimmed).flatMap { $0.isEmpty ? nil : $0 } ?? defaultYear
        let types = Set(catalog.years[requestedYear]?.types.map(\.code) ?? [])
        let filter = try ComplianceFilter.parse(query, years: years, defaultYear: defaultYear, recordTypes: types)
        guard let year = catalog.years[filter.schoolYear] else { throw HosoError("dashboard.unknown_year", ["year": filter.schoolYear]) }
        return (filter, year, catalog.order)
    }

    func view(_ actor: Actor, code: String, request: Request) async throws -> View {
        let unit = try await browser.authorize(actor, .viewCompliance, code: code)
        let (filter, year, years) = try await self.filter(request, tenantID: actor.tenantID)
        let children = try await services.units.children(tenantID: actor.tenantID, of: unit.id)
        let tenantID = actor.tenantID, childIDs = children.map(\.id)
        // One transaction for the three reads.
        let (own, totals, weekLines) = try await services.compliance.together(tenantID: tenantID) { store in
            (try await store.figures(tenantID: tenantID, unitIDs: [unit.id], filter: filter, by: .unitAndType),
             try await store.figures(tenantID: tenantID, unitIDs: childIDs, filter: filter, by: .unit),
             try await store.figures(tenantID: tenantID, unitIDs: [unit.id], filter: filter, by: .week))
        }
        var total = ComplianceCounts(), byType: [String: ComplianceCounts] = [:], childTotals: [Int64: ComplianceCounts] = [:]
        for line in own {
            guard let type = line.recordType else { continue }
            total += line.counts
            byType[type, default: ComplianceCounts()] += line.counts
        }
        for line in totals { if let unitID = line.unitID { childTotals[unitID] = line.counts } }
        var weeks: [Int: ComplianceCounts] = [:]
        for line in weekLines { if let week = line.week { weeks[week, default: ComplianceCounts()] += line.counts } }
        return View(unit: unit, filter: filter, year: year, years: years, total: total, byType: byType, children: children,
                    childTotals: childTotals, childByType: [:], weeks: weeks)
    }

    /// Some child units' figures by record type (the cells of the table).
    func childTypes(_ actor: Actor, _ view: View, _ units: [StoredUnit]) async throws -> [Int64: [String: ComplianceCounts]] {
        guard !units.isEmpty else { return [:] }
        var result: [Int64: [String: ComplianceCounts]] = [:]
        for line in try await services.compliance.figures(tenantID: actor.tenantID, unitIDs: units.map(\.id), filter: view.filter, by: .unitAndType) {
            guard let unitID = line.unitID, let type = line.recordType else { continue }
            result[unitID, default: [:]][type] = line.counts
        }
        return result
    }

    /// How many child units the page's table shows unless asked for all (the worst first).
    static let shownChildren = 60

    enum Sort: String, CaseIterable { case worst, name, missing, expected }

    /// Child units in the order asked for; by default the worst completeness first, units with
    /// nothing expected last.
    func sorted(_ view: View, _ sort: Sort, language: Language) -> [StoredUnit] {
        // Names compared without case or diacritics, keys made once (a province has hundreds of units).
        let keys = Dictionary(uniqueKeysWithValues: view.children.map {
            ($0.id, displayName($0, language).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil))
        })
        func counts(_ unit: StoredUnit) -> ComplianceCounts { view.childTotals[unit.id] ?? ComplianceCounts() }
        func byName(_ a: StoredUnit, _ b: StoredUnit) -> Bool { (keys[a.id] ?? "", a.code) < (keys[b.id] ?? "", b.code) }
        return view.children.sorted { a, b in
            switch sort {
            case .name:
                return byName(a, b)
            case .missing:
                let (ma, mb) = (counts(a).missing, counts(b).missing)
                return ma != mb ? ma > mb : byName(a, b)
            case .expected:
                let (ea, eb) = (counts(a).expected, counts(b).expected)
                return ea != eb ? ea > eb : byName(a, b)
            case .worst:
                let ra = counts(a).completeness ?? 2, rb = counts(b).completeness ?? 2
                return ra != rb ? ra < rb : byName(a, b)
            }
        }
    }

    func sort(_ request: Request) throws -> Sort {
        guard let raw = request.uri.queryParameters["sort"].map(String.init), !raw.isEmpty else { return .worst }
        guard let sort = Sort(rawValue: raw) else { throw HosoError("dashboard.unknown_sort", ["sort": String(raw.prefix(20))]) }
        return sort
    }

    // MARK: - Pages

    /// `/dashboard`: the top of what the actor watches, or their own deadlines for a teacher.
    func entry(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let (_, tops) = try await browser.grantUnits(actor)
        if let top = tops.first(where: { services.policy.allows(actor, .viewCompliance, on: $0.position) }) {
            return Response.redirect(to: "/units/\(SiteURL.segment(top.code))/dashboard", type: .found)
        }
        return Response.redirect(to: "/owe", type: .found)
    }

    func dashboardPage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let code = try context.pathParameter("code")
        var view = try await view(actor, code: code, request: request)
        let sort = try sort(request)
        let language = context.language
        let showAll = request.uri.queryParameters["all"].map(String.init) == "1"
        let t = { (key: String, values: [String: String]) in self.services.localizer.text(key, language, values) }
        let query = Self.query(view.filter.query)
        let types = view.types
        let base = "/units/\(SiteURL.segment(view.unit.code))"

        let ordered = sorted(view, sort, language: language)
        let children = showAll ? ordered : Array(ordered.prefix(Self.shownChildren))
        view.childByType = try await childTypes(actor, view, children)
        let matrix = matrixRows(view, children, types: types, sort: sort, query: query, language: language)
        let weekRows = (view.filter.weeks.lowerBound...view.filter.weeks.upperBound).compactMap { week -> String? in
            guard let counts = view.weeks[week], counts.expected > 0 else { return nil }
            return Self.row(header: String(week), [view.year.weeks.monday(of: week).vietnamese, String(counts.expected),
                                                   Self.percent(counts.completeness), Self.percent(counts.timeliness), String(counts.missing)],
                            headerIsText: true)
        }
        let chart = TrendChart(
            title: t("dashboard.trend_title", ["unit": displayName(view.unit, language), "year": view.filter.schoolYear]),
            description: trendDescription(view, language),
            completenessLabel: t("dashboard.completeness", [:]), timelinessLabel: t("dashboard.timeliness", [:]),
            weekLabel: t("dashboard.week", [:]),
            points: view.weeks.sorted { $0.key < $1.key }.map { .init(week: $0.key, completeness: $0.value.completeness,
                                                                       timeliness: $0.value.timeliness, expected: $0.value.expected) }
        )
        var values: [String: Any] = [
            "unit": ["code": view.unit.code, "name": displayName(view.unit, language), "url": SiteURL.unit(view.unit.code).path],
            "breadcrumbs": try await breadcrumbs(actor, view.unit, query: query, language: language),
            "total": figureValues(view.total),
            "lateBuckets": [
                ["label": t("dashboard.late_1_3", [:]), "count": view.total.late1to3, "url": "\(base)/items?\(query)&column=late_1_3"],
                ["label": t("dashboard.late_4_7", [:]), "count": view.total.late4to7, "url": "\(base)/items?\(query)&column=late_4_7"],
                ["label": t("dashboard.late_over_7", [:]), "count": view.total.lateOver7, "url": "\(base)/items?\(query)&column=late_over_7"],
            ],
            "typeRows": types.map { type -> String in
                let c = view.byType[type.code] ?? ComplianceCounts()
                let url = "\(base)/items?\(Self.query(view.filter.query.filter { $0.0 != "type" }))&type=\(SiteURL.segment(type.code))"
                return Self.row(link: url, name: language == .en ? type.nameEn : type.nameVi,
                                [String(c.expected), String(c.submitted), Self.percent(c.completeness), Self.percent(c.timeliness),
                                 String(c.late), String(c.missing), String(c.awaiting), String(c.locked)],
                                band: (2, ComplianceBand(c.completeness)))
            }.joined(),
            "hasTypes": !types.isEmpty,
            "matrixRows": matrix, "hasChildren": !children.isEmpty,
            "shownChildren": children.count < ordered.count
                ? t("dashboard.shown_children", ["shown": String(children.count), "all": String(ordered.count)]) : "",
            "moreChildren": children.count < ordered.count, "allURL": "\(base)/dashboard?\(query)&sort=\(sort.rawValue)&all=1",
            "weekRows": weekRows.joined(), "hasWeeks": !weekRows.isEmpty, "chart": chart.svg,
            "filter": filterValues(view, language),
            "sorts": Sort.allCases.map { ["code": $0.rawValue, "label": t("dashboard.sort." + $0.rawValue, [:]), "selected": $0 == sort] },
            "links": [
                "csv": "\(base)/dashboard.csv?\(query)&sort=\(sort.rawValue)", "xlsx": "\(base)/dashboard.xlsx?\(query)&sort=\(sort.rawValue)",
                "items": "\(base)/items?\(query)", "missing": "\(base)/items?\(query)&column=missing",
                "awaiting": "\(base)/items?\(query)&column=awaiting", "late": "\(base)/items?\(query)&column=late",
                "reminders": "\(base)/reminders",
                "inspections": "\(base)/inspections?year=\(SiteURL.segment(view.filter.schoolYear))",
                "reports": "\(base)/reports",
            ],
            "canRemind": services.policy.allows(actor, .viewPeople, on: view.unit.position),
            "columnTypes": types.map { ["name": language == .en ? $0.nameEn : $0.nameVi, "code": $0.code] },
        ]
        if view.children.isEmpty, !view.unit.schoolLevels.isEmpty {
            values["school"] = try await schoolValues(actor, view, query: query, language: language)
        }
        values["coverage"] = try await coverageValues(actor, view, children: ordered, language: language)
        let signatures = try await signatureCounts(actor, view)
        values["signatureCounts"] = ["signed": signatures.signed, "invalid": signatures.invalid, "unsigned": signatures.unsigned,
                                     "hasInvalid": signatures.invalid > 0]
        return services.renderer.render("dashboard", values, context: context, request: request,
                                        title: t("dashboard.title", ["unit": displayName(view.unit, language)]))
    }

    /// The signature state of the submitted items under the unit this school year: signed and
    /// invalid are counted (a partial index holds the few), the rest of what was submitted is unsigned.
    func signatureCounts(_ actor: Actor, _ view: View) async throws -> API.SignatureCounts {
        let states = try await services.signatures.counts(tenantID: actor.tenantID, unitID: view.unit.id, schoolYear: view.filter.schoolYear)
        let submitted = view.total.awaiting + view.total.returned + view.total.approved + view.total.signed + view.total.locked
        let signed = states[.signed] ?? 0, invalid = states[.invalid] ?? 0
        return API.SignatureCounts(signed: signed, unsigned: max(0, submitted - signed - invalid), invalid: invalid)
    }

    /// Inspections planned versus done this school year: the unit's schools, and each child unit's.
    func coverageValues(_ actor: Actor, _ view: View, children: [StoredUnit], language: Language) async throws -> [String: Any] {
        let lines = try await services.inspections.coverage(tenantID: actor.tenantID, unitIDs: [view.unit.id] + children.map(\.id),
                                                            schoolYear: view.filter.schoolYear)
        let byUnit = Dictionary(lines.map { ($0.unitID, $0) }) { a, _ in a }
        let own = byUnit[view.unit.id]
        let t = { (key: String, values: [String: String]) in self.services.localizer.text(key, language, values) }
        let rows = children.compactMap { child -> [String: Any]? in
            guard let line = byUnit[child.id], line.schools > 0 else { return nil }
            return ["name": displayName(child, language), "schools": line.schools, "planned": line.planned, "done": line.done,
                    "share": line.schools == 0 ? "–" : "\(line.done * 100 / line.schools)%"]
        }
        guard let own else { return ["summary": t("dashboard.coverage_none", ["year": view.filter.schoolYear]), "hasRows": false] }
        return [
            "summary": t("dashboard.coverage_summary", ["year": view.filter.schoolYear, "schools": String(own.schools),
                                                        "planned": String(own.planned), "done": String(own.done),
                                                        "inspections": String(own.inspections)]),
            "rows": rows, "hasRows": own.inspections > 0 && !rows.isEmpty,
        ]
    }

    /// The rows of the child units × record types table, written straight to HTML: a province
    /// has hundreds of units and dozens of types, too many cells to go through the template engine.
    func matrixRows(_ view: View, _ children: [StoredUnit], types: [(code: String, nameVi: String, nameEn: String)], sort: Sort,
                    query: String, language: Language) -> String {
        let e = HTML.escape
        let cellsQuery = e(Self.query(view.filter.query.filter { $0.0 != "type" }))
        let pageQuery = e("\(query)&sort=\(sort.rawValue)"), missingQuery = e("\(query)&column=missing")
        let typeParameters = types.map { "&amp;type=" + e(SiteURL.segment($0.code)) }
        // The cell title's words, looked up once: "{submitted}/{expected} ... {missing}".
        let title = CellTitle(services.localizer.text("dashboard.cell_title", language))
        var html = ""
        html.reserveCapacity(children.count * (200 + types.count * 120))
        for child in children {
            let counts = view.childTotals[child.id] ?? ComplianceCounts()
            let base = "/units/" + e(SiteURL.segment(child.code))
            html += "<tr><th scope=\"row\" class=\"name\"><a href=\"\(base)/dashboard?\(pageQuery)\">\(e(displayName(child, language)))</a></th>"
            html += "<td>\(counts.expected)</td><td class=\"band-\(ComplianceBand(counts.completeness).rawValue)\">\(Self.percent(counts.completeness))</td>"
            html += "<td>\(Self.percent(counts.timeliness))</td><td><a href=\"\(base)/items?\(missingQuery)\">\(counts.missing)</a></td>"
            let byType = view.childByType[child.id] ?? [:]
            for (index, type) in types.enumerated() {
                guard let cell = byType[type.code] else {
                    html += "<td class=\"band-none\">—</td>"
                    continue
                }
                html += "<td class=\"band-\(ComplianceBand(cell.completeness).rawValue)\" title=\"\(e(title.text(cell)))\">"
                    + "<a href=\"\(base)/items?\(cellsQuery)\(typeParameters[index])\">\(Self.percent(cell.completeness))</a></td>"
            }
            html += "</tr>\n"
        }
        return html
    }

    /// A table row written straight to HTML (long tables cost too much in the template engine):
    /// a header cell (a link with an optional note, or text), then plain cells, one of which may
    /// carry the completeness colour.
    static func row(link: String? = nil, name: String = "", note: String? = nil, header: String = "", _ cells: [String],
                    band: (index: Int, band: ComplianceBand)? = nil, headerIsText: Bool = false) -> String {
        let e = HTML.escape
        var html = "<tr>"
        if let link {
            html += "<th scope=\"row\"><a href=\"\(e(link))\">\(e(name))</a>"
            if let note { html += " <small class=\"muted\">\(e(note))</small>" }
            html += "</th>"
        } else {
            html += headerIsText ? "<td>\(e(header))</td>" : "<th scope=\"row\">\(e(header))</th>"
        }
        for (index, cell) in cells.enumerated() {
            html += band?.index == index ? "<td class=\"band-\(band!.band.rawValue)\">\(e(cell))</td>" : "<td>\(e(cell))</td>"
        }
        return html + "</tr>\n"
    }

    /// A school's own sections: its people's figures, the next two weeks' deadlines (by record
    /// type and day), who has items overdue, and what waits for approval at which step.
    func schoolValues(_ actor: Actor, _ view: View, query: String, language: Language) async throws -> [String: Any] {
        let now = Int64(Date().timeIntervalSince1970)
        let monday = VietnamTime.date(epochSeconds: now).monday
        let base = "/units/\(SiteURL.segment(view.unit.code))"
        let tenantID = actor.tenantID, schoolID = view.unit.id, filter = view.filter
        let from = VietnamTime.epochSeconds(monday, hour: 0, minute: 0, second: 0), until = VietnamTime.epochSeconds(monday.adding(days: 13))
        // One transaction for the school's four reads.
        let (owners, deadlines, overdue, waiting) = try await services.compliance.together(tenantID: tenantID) { store in
            (try await store.owners(tenantID: tenantID, schoolID: schoolID, filter: filter),
             try await store.deadlines(tenantID: tenantID, schoolID: schoolID, from: from, until: until),
             try await store.overdueByOwner(tenantID: tenantID, schoolID: schoolID, filter: filter),
             try await store.awaitingBySteps(tenantID: tenantID, schoolID: schoolID, filter: filter))
        }
        let thisWeekEnd = VietnamTime.epochSeconds(monday.adding(days: 6))
        func deadlineRows(_ lines: [ComplianceStore.DeadlineLine]) -> [String: Any] {
            ["rows": lines.map { line -> [String: Any] in
                ["type": language == .en ? line.typeNameEn : line.typeNameVi, "due": VietnamTime.display(epochSeconds: line.dueAt),
                 "expected": line.expected, "submitted": line.submitted, "open": line.expected - line.submitted,
                 "url": "\(base)/items?\(Self.query([("year", filter.schoolYear), ("type", line.recordType)]))"]
            }, "empty": lines.isEmpty]
        }
        let upcoming = deadlines
        return [
            "peopleRows": owners.map { owner -> String in
                let c = owner.counts
                return Self.row(link: "\(base)/items?\(query)&owner=\(owner.userID)", name: owner.displayName, note: owner.login,
                                [String(c.expected), Self.percent(c.completeness), Self.percent(c.timeliness), String(c.late),
                                 String(c.missing), String(c.returned)], band: (1, ComplianceBand(c.completeness)))
            }.joined(),
            "hasPeople": !owners.isEmpty,
            "thisWeek": deadlineRows(upcoming.filter { $0.dueAt <= thisWeekEnd }),
            "nextWeek": deadlineRows(upcoming.filter { $0.dueAt > thisWeekEnd }),
            "overdue": overdue.map { line -> [String: Any] in
                ["name": line.displayName, "login": line.login, "count": line.count, "oldest": VietnamTime.display(epochSeconds: line.oldestDue),
                 "url": "\(base)/items?\(query)&owner=\(line.userID)&column=missing"]
            },
            "hasOverdue": !overdue.isEmpty,
            "waiting": waiting.map { line -> [String: Any] in
                ["type": language == .en ? line.typeNameEn : line.typeNameVi, "step": line.step + 1, "count": line.count,
                 "role": Role(rawValue: line.role).map { services.localizer.text($0.messageKey, language) } ?? line.role,
                 "since": line.oldestSubmitted.map { VietnamTime.display(epochSeconds: $0) } ?? "—",
                 "url": "\(base)/items?\(Self.query(filter.query.filter { $0.0 != "type" }))&type=\(SiteURL.segment(line.recordType))&column=awaiting"]
            },
            "hasWaiting": !waiting.isEmpty,
        ]
    }

    func itemRows(_ actor: Actor, _ unit: StoredUnit, _ filter: ComplianceFilter, column: ComplianceColumn?, owner: Int64?,
                  limit: Int, offset: Int = 0) async throws -> [ObligationRow] {
        try await services.compliance.items(tenantID: actor.tenantID, unitID: unit.id, filter: filter, column: column, ownerUserID: owner,
                                            limit: limit, offset: offset)
    }

    /// Every item of a query, a page of `exportPage` rows at a time (each page its own short
    /// transaction), so that an export of any size keeps memory flat.
    func forEachItemPage(_ tenantID: Int64, _ item: ItemQuery, body: ([ObligationRow]) async throws -> Void) async throws {
        var after: (dueAt: Int64, id: Int64)?
        while true {
            let rows = try await services.compliance.items(tenantID: tenantID, unitID: item.unit.id, filter: item.filter, column: item.column,
                                                           ownerUserID: item.owner, limit: Self.exportPage, after: after)
            guard let last = rows.last else { return }
            try await body(rows)
            if rows.count < Self.exportPage { return }
            after = (last.dueAt, last.id)
        }
    }

    static let exportPage = 2000

    // MARK: - Items (the drill-down's last step)

    struct ItemQuery {
        let unit: StoredUnit
        let filter: ComplianceFilter
        let column: ComplianceColumn?
        let owner: Int64?
        let page: Int
    }

    func itemQuery(_ actor: Actor, code: String, request: Request) async throws -> ItemQuery {
        let unit = try await browser.authorize(actor, .viewRecords, code: code)
        guard services.policy.allows(actor, .viewCompliance, on: unit.position) else { throw HosoError("scope.forbidden") }
        let (filter, _, _) = try await self.filter(request, tenantID: actor.tenantID)
        let parameters = request.uri.queryParameters
        var column: ComplianceColumn?
        if let raw = parameters["column"].map(String.init), !raw.isEmpty {
            guard let known = ComplianceColumn(rawValue: raw) else { throw HosoError("dashboard.unknown_column", ["column": String(raw.prefix(20))]) }
            column = known
        }
        var owner: Int64?
        if let raw = parameters["owner"].map(String.init), !raw.isEmpty {
            guard let id = Int64(raw), id > 0 else { throw HosoError("dashboard.unknown_owner") }
            owner = id
        }
        let page = parameters["page"].flatMap { Int(String($0)) }.map { max(1, min($0, 100_000)) } ?? 1
        // An inspector's look at a school's items is part of the school's record.
        if actor.grants.contains(where: { $0.role.isInspector && unit.ancestry.contains($0.unitID) }) {
            try await services.audit.append(tenantID: actor.tenantID, AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login, action: "compliance.items", unitID: unit.id, subject: unit.code,
                details: ["column": column?.rawValue ?? "all", "year": filter.schoolYear]
            ))
        }
        return ItemQuery(unit: unit, filter: filter, column: column, owner: owner, page: page)
    }

    static let pageSize = 100

    func itemsPage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let item = try await itemQuery(actor, code: try context.pathParameter("code"), request: request)
        let language = context.language
        let rows = try await itemRows(actor, item.unit, item.filter, column: item.column, owner: item.owner,
                                      limit: Self.pageSize + 1, offset: (item.page - 1) * Self.pageSize)
        let recordValues = RecordController(services: services)
        let query = itemQueryString(item)
        let base = "/units/\(SiteURL.segment(item.unit.code))"
        let t = { (key: String) in self.services.localizer.text(key, language) }
        var values: [String: Any] = [
            "unit": ["name": displayName(item.unit, language), "dashboard": "\(base)/dashboard?\(Self.query(item.filter.query))"],
            "column": item.column.map { t("dashboard.column." + $0.rawValue) } ?? t("dashboard.column.all"),
            "items": rows.prefix(Self.pageSize).map { recordValues.values($0, language) },
            "empty": rows.isEmpty, "previous": false, "next": false,
            "csv": "\(base)/items.csv?\(query)", "xlsx": "\(base)/items.xlsx?\(query)",
            "page": item.page,
        ]
        if item.page > 1 { values["previous"] = "\(base)/items?\(query)&page=\(item.page - 1)" }
        if rows.count > Self.pageSize { values["next"] = "\(base)/items?\(query)&page=\(item.page + 1)" }
        return services.renderer.render("items", values, context: context, request: request, title: t("dashboard.items_title"))
    }

    func itemQueryString(_ item: ItemQuery) -> String {
        var items = item.filter.query
        if let column = item.column { items.append(("column", column.rawValue)) }
        if let owner = item.owner { items.append(("owner", String(owner))) }
        return Self.query(items)
    }

    static let itemHeaderKeys = ["record.unit", "record.type", "record.owner", "record.period", "record.period_first", "record.period_last",
                                 "record.due", "record.status", "record.awaiting", "record.submitted_at", "record.id"]

    func itemCells(_ row: ObligationRow, _ language: Language) -> [ExportCell] {
        [
            .text(row.unitCode), .text(language == .en ? row.typeNameEn : row.typeNameVi), .text(row.ownerName),
            .text(services.localizer.text("period." + row.periodKind, language, ["n": String(row.periodNumber)])),
            .text(row.periodFirst), .text(row.periodLast), .text(VietnamTime.iso(epochSeconds: row.dueAt)),
            .text(services.localizer.text(row.status.messageKey, language)),
            .text(row.awaitingRole.map { services.localizer.text($0.messageKey, language) } ?? ""),
            .text(row.firstSubmittedAt.map { VietnamTime.iso(epochSeconds: $0) } ?? ""), .integer(Int(row.id)),
        ]
    }

    /// Every item of the view, streamed as it is read: memory stays flat whatever the count.
    func itemsExport(request: Request, context: AppRequestContext, xlsx: Bool) async throws -> Response {
        let actor = try context.requireActor()
        let item = try await itemQuery(actor, code: try context.pathParameter("code"), request: request)
        guard services.policy.allows(actor, .exportReports, on: item.unit.position) else { throw HosoError("scope.forbidden") }
        let language = context.language
        let header = Self.itemHeaderKeys.map { services.localizer.text($0, language) }
        let name = "hoso-\(item.unit.code)-\(item.filter.schoolYear)-\(item.column?.rawValue ?? "items")"
        let tenantID = actor.tenantID
        if xlsx {
            return try await spreadsheet(name: name) { workbook in
                let sheet = try workbook.addSheet(services.localizer.text("dashboard.items_title", language))
                try sheet.header(header)
                try await forEachItemPage(tenantID, item) { rows in
                    for row in rows { try sheet.row(itemCells(row, language)) }
                }
            }
        }
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: CSVExport.byteOrderMark + CSVExport.line(header.map(ExportCell.text))))
            try await self.forEachItemPage(tenantID, item) { rows in
                try await writer.write(ByteBuffer(string: rows.map { CSVExport.line(self.itemCells($0, language)) }.joined()))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: Self.downloadHeaders(name + ".csv", type: "text/csv; charset=utf-8"), body: body)
    }

    /// Builds a workbook in a temporary folder, then streams the file and removes the folder.
    func spreadsheet(name: String, build: (XLSXWorkbook) async throws -> Void) async throws -> Response {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hoso-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("book.xlsx")
        do {
            let workbook = XLSXWorkbook(directory: folder)
            try await build(workbook)
            try workbook.write(to: file)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? nil
        let body = ResponseBody { writer in
            defer { try? FileManager.default.removeItem(at: folder) }
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            while let data = try handle.read(upToCount: 256 * 1024), !data.isEmpty {
                try await writer.write(ByteBuffer(bytes: data))
            }
            try await writer.finish(nil)
        }
        var headers = Self.downloadHeaders(name + ".xlsx", type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        if let size { headers[.contentLength] = String(size) }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func downloadHeaders(_ filename: String, type: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        return headers
    }

    // MARK: - Dashboard export

    func dashboardExport(request: Request, context: AppRequestContext, xlsx: Bool) async throws -> Response {
        let actor = try context.requireActor()
        var view = try await view(actor, code: try context.pathParameter("code"), request: request)
        guard services.policy.allows(actor, .exportReports, on: view.unit.position) else { throw HosoError("scope.forbidden") }
        view.childByType = try await childTypes(actor, view, view.children)
        let language = context.language
        let t = { (key: String) in self.services.localizer.text(key, language) }
        let header = [t("dashboard.unit_code"), t("dashboard.unit"), t("record.type")] + Self.figureKeys.map { t($0) }
        var rows: [[ExportCell]] = []
        let units = [view.unit] + sorted(view, try sort(request), language: language)
        for unit in units {
            let isSelf = unit.id == view.unit.id
            let total = isSelf ? view.total : (view.childTotals[unit.id] ?? ComplianceCounts())
            rows.append([.text(unit.code), .text(displayName(unit, language)), .text(t("dashboard.all_types"))] + Self.figureCells(total))
            let byType = isSelf ? view.byType : (view.childByType[unit.id] ?? [:])
            for type in view.types {
                guard let counts = byType[type.code] else { continue }
                rows.append([.text(unit.code), .text(displayName(unit, language)), .text(language == .en ? type.nameEn : type.nameVi)] + Self.figureCells(counts))
            }
        }
        let weekHeader = [t("dashboard.week"), t("dashboard.week_monday")] + Self.figureKeys.map { t($0) }
        let weekRows: [[ExportCell]] = view.weeks.sorted { $0.key < $1.key }.map { week, counts in
            [.integer(week), .text(view.year.weeks.monday(of: week).iso)] + Self.figureCells(counts)
        }
        let name = "hoso-\(view.unit.code)-\(view.filter.schoolYear)-dashboard"
        if xlsx {
            return try await spreadsheet(name: name) { workbook in
                let units = try workbook.addSheet(t("dashboard.sheet_units"))
                try units.header(header)
                for row in rows { try units.row(row) }
                let weeks = try workbook.addSheet(t("dashboard.sheet_weeks"))
                try weeks.header(weekHeader)
                for row in weekRows { try weeks.row(row) }
            }
        }
        let text = CSVExport.byteOrderMark + CSVExport.line(header.map(ExportCell.text)) + rows.map(CSVExport.line).joined()
        return Response(status: .ok, headers: Self.downloadHeaders(name + ".csv", type: "text/csv; charset=utf-8"),
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static let figureKeys = ["dashboard.expected", "dashboard.submitted", "dashboard.on_time", "dashboard.late_1_3", "dashboard.late_4_7",
                             "dashboard.late_over_7", "dashboard.missing", "dashboard.not_due", "dashboard.awaiting", "dashboard.returned",
                             "dashboard.approved", "dashboard.signed", "dashboard.locked", "dashboard.exempt", "dashboard.completeness",
                             "dashboard.timeliness"]

    static func figureCells(_ c: ComplianceCounts) -> [ExportCell] {
        [c.expected, c.submitted, c.onTime, c.late1to3, c.late4to7, c.lateOver7, c.missing, c.notDue, c.awaiting, c.returned,
         c.approved, c.signed, c.locked, c.exempt].map(ExportCell.integer) + [.ratio(c.completeness), .ratio(c.timeliness)]
    }

    // MARK: - Reminders

    func reminderLines(_ actor: Actor, code: String, request: Request) async throws -> (StoredUnit, Int, [ReminderLine]) {
        let unit = try await browser.authorize(actor, .viewPeople, code: code)
        let raw = request.uri.queryParameters["days"].map(String.init) ?? ""
        var days = 7
        if !raw.isEmpty {
            guard let value = Int(raw), (0...60).contains(value) else { throw HosoError("dashboard.bad_days", ["days": String(raw.prefix(10))]) }
            days = value
        }
        let lines = try await services.compliance.reminders(tenantID: actor.tenantID, unitID: unit.id,
                                                             now: Int64(Date().timeIntervalSince1970), days: days)
        return (unit, days, lines)
    }

    func remindersPage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let (unit, days, lines) = try await reminderLines(actor, code: try context.pathParameter("code"), request: request)
        let language = context.language
        let base = "/units/\(SiteURL.segment(unit.code))"
        return services.renderer.render("reminders", [
            "unit": ["name": displayName(unit, language), "dashboard": "\(base)/dashboard"],
            "days": days, "csv": "\(base)/reminders.csv?days=\(days)",
            "rows": lines.map { line -> [String: Any] in
                ["name": line.displayName, "login": line.login, "email": line.email ?? "",
                 "unit": language == .en && !line.unitNameEn.isEmpty ? line.unitNameEn : line.unitNameVi,
                 "dueSoon": line.dueSoon, "overdue": line.overdue, "returned": line.returned,
                 "earliest": VietnamTime.display(epochSeconds: line.earliestDue)]
            },
            "empty": lines.isEmpty,
        ], context: context, request: request, title: services.localizer.text("reminders.title", language))
    }

    func remindersExport(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let (unit, days, lines) = try await reminderLines(actor, code: try context.pathParameter("code"), request: request)
        let language = context.language
        let t = { (key: String) in self.services.localizer.text(key, language) }
        let header = ["reminders.person", "reminders.login", "reminders.email", "dashboard.unit_code", "dashboard.unit",
                      "reminders.due_soon", "reminders.overdue", "reminders.returned", "reminders.earliest"].map(t)
        let text = CSVExport.byteOrderMark + CSVExport.line(header.map(ExportCell.text)) + lines.map { line in
            CSVExport.line([.text(line.displayName), .text(line.login), .text(line.email ?? ""), .text(line.unitCode),
                            .text(language == .en && !line.unitNameEn.isEmpty ? line.unitNameEn : line.unitNameVi),
                            .integer(line.dueSoon), .integer(line.overdue), .integer(line.returned),
                            .text(VietnamTime.iso(epochSeconds: line.earliestDue))])
        }.joined()
        return Response(status: .ok, headers: Self.downloadHeaders("hoso-\(unit.code)-reminders-\(days)d.csv", type: "text/csv; charset=utf-8"),
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: - API

    func complianceJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        var view = try await view(actor, code: try context.pathParameter("code"), request: request)
        let language = context.language
        // Each child's figures by record type on request (`detail=types`): hundreds of units × dozens of types.
        let detail = request.uri.queryParameters["detail"].map(String.init) == "types"
        if detail { view.childByType = try await childTypes(actor, view, view.children) }
        func typeFigures(_ byType: [String: ComplianceCounts]) -> [API.TypeFigures] {
            view.types.compactMap { type in byType[type.code].map { API.TypeFigures(recordType: type.code, name: language == .en ? type.nameEn : type.nameVi, figures: API.Figures($0)) } }
        }
        return try JSONResponse.make(API.Compliance(
            unit: API.UnitRef(view.unit, language),
            filter: API.Filter(schoolYear: view.filter.schoolYear, semester: view.filter.semester, fromWeek: view.filter.weeks.lowerBound,
                               toWeek: view.filter.weeks.upperBound, recordType: view.filter.recordType, schoolLevel: view.filter.schoolLevel?.rawValue),
            total: API.Figures(view.total), byType: typeFigures(view.byType),
            children: sorted(view, try sort(request), language: language).map { child in
                API.ChildFigures(unit: API.UnitRef(child, language), total: API.Figures(view.childTotals[child.id] ?? ComplianceCounts()),
                                 byType: detail ? typeFigures(view.childByType[child.id] ?? [:]) : nil)
            },
            weeks: view.weeks.sorted { $0.key < $1.key }.map { API.WeekFigures(week: $0.key, monday: view.year.weeks.monday(of: $0.key).iso, figures: API.Figures($0.value)) },
            signatures: try await signatureCounts(actor, view)
        ))
    }

    func itemsJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let item = try await itemQuery(actor, code: try context.pathParameter("code"), request: request)
        let rows = try await itemRows(actor, item.unit, item.filter, column: item.column, owner: item.owner,
                                      limit: Self.pageSize + 1, offset: (item.page - 1) * Self.pageSize)
        return try JSONResponse.make(API.Items(page: item.page, hasMore: rows.count > Self.pageSize,
                                               items: rows.prefix(Self.pageSize).map { API.Obligation($0, context.language) }))
    }

    func remindersJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let (unit, days, lines) = try await reminderLines(actor, code: try context.pathParameter("code"), request: request)
        return try JSONResponse.make(API.Reminders(unit: API.UnitRef(unit, context.language), days: days, people: lines.map {
            API.Reminder(login: $0.login, displayName: $0.displayName, email: $0.email, unit: $0.unitCode, dueSoon: $0.dueSoon,
                         overdue: $0.overdue, returned: $0.returned, earliestDue: VietnamTime.iso(epochSeconds: $0.earliestDue))
        }))
    }

    // MARK: - Helpers

    func displayName(_ unit: StoredUnit, _ language: Language) -> String { unit.name(in: language) }

    func figureValues(_ c: ComplianceCounts) -> [String: Any] {
        ["expected": c.expected, "submitted": c.submitted, "onTime": c.onTime, "late": c.late, "missing": c.missing, "notDue": c.notDue,
         "awaiting": c.awaiting, "returned": c.returned, "approved": c.approved, "signed": c.signed, "locked": c.locked, "exempt": c.exempt,
         "completeness": Self.percent(c.completeness), "timeliness": Self.percent(c.timeliness),
         "band": ComplianceBand(c.completeness).rawValue]
    }

    static func percent(_ ratio: Double?) -> String {
        guard let ratio else { return "—" }
        return "\(Int((ratio * 100).rounded(.down)))%"
    }

    /// A cell's title from its localized pattern, split once at its placeholders.
    struct CellTitle {
        let parts: [Substring]
        let names: [String]

        init(_ pattern: String) {
            var parts: [Substring] = [], names: [String] = []
            var rest = pattern[...]
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                parts.append(rest[..<open])
                names.append(String(rest[rest.index(after: open)..<close]))
                rest = rest[rest.index(after: close)...]
            }
            parts.append(rest)
            self.parts = parts
            self.names = names
        }

        func text(_ counts: ComplianceCounts) -> String {
            var text = String(parts[0])
            for (index, name) in names.enumerated() {
                switch name {
                case "submitted": text += String(counts.submitted)
                case "expected": text += String(counts.expected)
                case "missing": text += String(counts.missing)
                default: text += "{\(name)}"
                }
                text += parts[index + 1]
            }
            return text
        }
    }

    static func query(_ items: [(String, String)]) -> String {
        items.map { "\($0.0)=\(SiteURL.segment($0.1))" }.joined(separator: "&")
    }

    func trendDescription(_ view: View, _ language: Language) -> String {
        let points = view.weeks.sorted { $0.key < $1.key }.filter { $0.value.expected > 0 }
        guard let first = points.first, let last = points.last else { return services.localizer.text("dashboard.trend_empty", language) }
        return services.localizer.text("dashboard.trend_desc", language, [
            "from": String(first.key), "to": String(last.key), "first": Self.percent(first.value.completeness),
            "last": Self.percent(last.value.completeness), "total": Self.percent(view.total.completeness),
        ])
    }

    func filterValues(_ view: View, _ language: Language) -> [String: Any] {
        let t = { (key: String) in self.services.localizer.text(key, language) }
        return [
            "years": view.years.map { ["value": $0, "selected": $0 == view.filter.schoolYear] },
            "semesters": view.year.weeks.semesters.map { ["value": $0.number, "selected": $0.number == view.filter.semester] },
            "from": view.filter.weeks.lowerBound, "to": view.filter.weeks.upperBound, "lastWeek": view.year.weeks.horizon,
            "types": view.year.types.map { ["value": $0.code, "label": language == .en ? $0.nameEn : $0.nameVi, "selected": $0.code == view.filter.recordType] },
            "levels": SchoolLevel.allCases.map { ["value": $0.rawValue, "label": t($0.messageKey), "selected": $0 == view.filter.schoolLevel] },
        ]
    }

    func breadcrumbs(_ actor: Actor, _ unit: StoredUnit, query: String, language: Language) async throws -> [[String: Any]] {
        let visible = services.policy.visibleAncestry(actor, unit.ancestry).dropLast()
        let above = try await services.units.units(tenantID: actor.tenantID, ids: Array(visible))
        let order = Dictionary(uniqueKeysWithValues: visible.enumerated().map { ($1, $0) })
        return above.sorted { (order[$0.id] ?? 0) < (order[$1.id] ?? 0) }.map {
            ["name": displayName($0, language), "url": "/units/\(SiteURL.segment($0.code))/dashboard?\(query)"]
        }
    }
}

extension API {
    struct Figures: Encodable {
        let expected, submitted, onTime, late, late1to3, late4to7, lateOver7, missing, notDue: Int
        let awaiting, returned, approved, signed, locked, exempt: Int
        let completeness, timeliness: Double?

        init(_ c: ComplianceCounts) {
            (expected, submitted, onTime, late, late1to3, late4to7, lateOver7) = (c.expected, c.submitted, c.onTime, c.late, c.late1to3, c.late4to7, c.lateOver7)
            (missing, notDue, awaiting, returned, approved, signed, locked, exempt) = (c.missing, c.notDue, c.awaiting, c.returned, c.approved, c.signed, c.locked, c.exempt)
            (completeness, timeliness) = (c.completeness, c.timeliness)
        }
    }

    struct TypeFigures: Encodable {
        let recordType: String
        let name: String
        let figures: Figures
    }

    struct ChildFigures: Encodable {
        let unit: UnitRef
        let total: Figures
        let byType: [TypeFigures]?
    }

    struct WeekFigures: Encodable {
        let week: Int
        let monday: String
        let figures: Figures
    }

    struct Filter: Encodable {
        let schoolYear: String
        let semester: Int?
        let fromWeek: Int
        let toWeek: Int
        let recordType: String?
        let schoolLevel: String?
    }

    struct Compliance: Encodable {
        let unit: UnitRef
        let filter: Filter
        let total: Figures
        let byType: [TypeFigures]
        let children: [ChildFigures]
        let weeks: [WeekFigures]
        let signatures: SignatureCounts
    }

    /// Submitted items of the school year by the state of their signatures.
    struct SignatureCounts: Encodable {
        let signed: Int
        let unsigned: Int
        let invalid: Int
    }

    struct Items: Encodable {
        let page: Int
        let hasMore: Bool
        let items: [Obligation]
    }

    struct Reminder: Encodable {
        let login: String
        let displayName: String
        let email: String?
        let unit: String
        let dueSoon: Int
        let overdue: Int
        let returned: Int
        let earliestDue: String
    }

    struct Reminders: Encodable {
        let unit: UnitRef
        let days: Int
        let people: [Reminder]
    }
}
