import Foundation
import HosoCore
import HosoReports
import HosoStore
import Hummingbird

/// The items behind a dashboard figure (`/units/{code}/items`): a page at a time, as JSON, and
/// exported whole as CSV (streamed) or XLSX.
struct ItemsController: Sendable {
    let services: AppServices
    var query: ComplianceQuery { ComplianceQuery(services: services) }

    static let pageSize = 100

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.unitItems) { request, context in try await self.itemsPage(request: request, context: context) }
        router.get(.unitItemsCSV) { request, context in
            try await self.itemsExport(request: request, context: context, xlsx: false)
        }
        router.get(.unitItemsXLSX) { request, context in
            try await self.itemsExport(request: request, context: context, xlsx: true)
        }
        router.get(.apiUnitItems) { request, context in try await self.itemsJSON(request: request, context: context) }
    }

    /// What a list shows: the unit, the filter, the figure's column, a person, the page.
    struct Selection: Sendable {
        let unit: StoredUnit
        let filter: ComplianceFilter
        let items: DashboardQuery.Items

        /// The list's own query string (the filter, the column, the person).
        var queryString: String {
            var parameters = filter.query
            if let column = items.column { parameters.append(("column", column.rawValue)) }
            if let owner = items.owner { parameters.append(("owner", String(owner))) }
            return SiteURL.query(parameters)
        }
    }

    func selection(_ actor: Actor, code: String, request: Request) async throws -> Selection {
        let unit = try await UnitBrowser(services: services).authorize(actor, .viewRecords, code: code)
        guard services.policy.allows(actor, .viewCompliance, on: unit.position) else {
            throw HosoError("scope.forbidden")
        }
        let filter = try await query.selection(query: DashboardQuery.parameters(request), tenantID: actor.tenantID)
            .filter
        let items = try DashboardQuery.items(request)
        // An inspector's look at a school's items is part of the school's record.
        if services.policy.roles(actor, covering: unit.ancestry).contains(where: \.isInspector) {
            try await services.audit.append(
                tenantID: actor.tenantID,
                AuditEvent(
                    actorUserID: actor.userID, actorLogin: actor.login, action: "compliance.items", unitID: unit.id,
                    subject: unit.code,
                    details: ["column": items.column?.rawValue ?? "all", "year": filter.schoolYear]
                ))
        }
        return Selection(unit: unit, filter: filter, items: items)
    }

    /// One page of rows, and one more to tell whether a next page exists.
    func rows(_ actor: Actor, _ selection: Selection) async throws -> [ObligationRow] {
        try await services.compliance.items(
            tenantID: actor.tenantID, unitID: selection.unit.id, filter: selection.filter,
            column: selection.items.column,
            ownerUserID: selection.items.owner, limit: Self.pageSize + 1,
            offset: (selection.items.page - 1) * Self.pageSize)
    }

    func itemsPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let selection = try await selection(actor, code: try context.pathParameter("code"), request: request)
        let language = context.language
        let rows = try await rows(actor, selection)
        let t = { (key: String) in self.services.localizer.text(key, language) }
        let code = selection.unit.code
        let query = selection.queryString
        let page = selection.items.page
        let list = SiteURL.unitItems(code).path + "?" + query
        let model = ItemsPage(
            unit: .init(
                name: selection.unit.name(in: language),
                dashboard: SiteURL.unitDashboard(code).path + "?" + SiteURL.query(selection.filter.query)),
            column: selection.items.column.map { t("dashboard.column." + $0.rawValue) } ?? t("dashboard.column.all"),
            items: rows.prefix(Self.pageSize).map { ObligationItem($0, language, services.localizer) },
            empty: rows.isEmpty,
            previous: page > 1 ? list + "&page=\(page - 1)" : nil,
            next: rows.count > Self.pageSize ? list + "&page=\(page + 1)" : nil,
            csv: SiteURL.unitItemsCSV(code).path + "?" + query, xlsx: SiteURL.unitItemsXLSX(code).path + "?" + query,
            page: page
        )
        return services.renderer.render(
            .items, model, context: context, request: request, title: t("dashboard.items_title"))
    }

    func itemsJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let selection = try await selection(actor, code: try context.pathParameter("code"), request: request)
        let rows = try await rows(actor, selection)
        return try JSONResponse.make(
            API.Items(
                page: selection.items.page, hasMore: rows.count > Self.pageSize,
                items: rows.prefix(Self.pageSize).map { API.Obligation($0, context.language) }))
    }

    static let headerKeys = [
        "record.unit", "record.type", "record.owner", "record.period", "record.period_first", "record.period_last",
        "record.due", "record.status", "record.awaiting", "record.submitted_at", "record.id",
    ]

    func cells(_ row: ObligationRow, _ language: Language) -> [ExportCell] {
        let t = { (key: String, values: [String: String]) in self.services.localizer.text(key, language, values) }
        return [
            .text(row.unitCode), .text(language == .en ? row.typeNameEn : row.typeNameVi), .text(row.ownerName(in: language)),
            .text(t("period." + row.periodKind, ["n": String(row.periodNumber)])),
            .text(row.periodFirst), .text(row.periodLast), .text(VietnamTime.iso(epochSeconds: row.dueAt)),
            .text(t(row.status.messageKey, [:])),
            .text(row.awaitingRole.map { t($0.messageKey, [:]) } ?? ""),
            .text(row.firstSubmittedAt.map { VietnamTime.iso(epochSeconds: $0) } ?? ""), .integer(Int(row.id)),
        ]
    }

    /// Every item of the list, read by one query into a file and sent from it: memory stays flat
    /// whatever the count, and the database is free again before the client reads a byte.
    func itemsExport(request: Request, context: SignedInContext, xlsx: Bool) async throws -> Response {
        let actor = context.actor
        let selection = try await selection(actor, code: try context.pathParameter("code"), request: request)
        guard services.policy.allows(actor, .exportReports, on: selection.unit.position) else {
            throw HosoError("scope.forbidden")
        }
        let language = context.language
        let header = Self.headerKeys.map { services.localizer.text($0, language) }
        let name =
            "hoso-\(selection.unit.code)-\(selection.filter.schoolYear)-\(selection.items.column?.rawValue ?? "items")"
        let tenantID = actor.tenantID
        // One query for the whole list: the pool's patience for reports, not a page's.
        let compliance = ComplianceQuery(services: services, store: services.reportCompliance)
        func eachPage(_ body: ([ObligationRow]) async throws -> Void) async throws {
            try await compliance.forEachItemPage(
                tenantID: tenantID, unitID: selection.unit.id, filter: selection.filter,
                column: selection.items.column, owner: selection.items.owner, body: body)
        }
        if xlsx {
            return try await Download.spreadsheet(filename: name + ".xlsx") { workbook in
                let sheet = try workbook.addSheet(services.localizer.text("dashboard.items_title", language))
                try sheet.header(header)
                try await eachPage { rows in
                    for row in rows { try sheet.row(cells(row, language)) }
                }
            }
        }
        return try await Download.spooledCSV(filename: name + ".csv") { file in
            try file.write(contentsOf: Data((CSVExport.byteOrderMark + CSVExport.line(header.map(ExportCell.text))).utf8))
            try await eachPage { rows in
                try file.write(contentsOf: Data(rows.map { CSVExport.line(self.cells($0, language)) }.joined().utf8))
            }
        }
    }
}
