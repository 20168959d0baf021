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

    var listing: ItemListing { ItemListing(services: services) }

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

    /// The unit a list is of, when the actor may see it and its figures (404 outside their scope,
    /// 403 without the permission), before any parameter is read.
    func unit(_ actor: Actor, code: String) async throws -> StoredUnit {
        let unit = try await UnitBrowser(services: services).authorize(actor, .viewRecords, code: code)
        guard services.policy.allows(actor, .viewCompliance, on: unit.position) else {
            throw HosoError("scope.forbidden")
        }
        return unit
    }

    /// An inspector's look at a school's items is part of the school's record.
    func audit(_ actor: Actor, _ unit: StoredUnit, _ parameters: ItemListing.Parameters) async throws {
        guard services.policy.roles(actor, covering: unit.ancestry).contains(where: \.isInspector) else { return }
        try await services.audit.append(
            tenantID: actor.tenantID,
            AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login, action: "compliance.items", unitID: unit.id,
                subject: unit.code,
                details: ["column": parameters.column?.rawValue ?? "all", "year": parameters.filter.schoolYear]
            ))
    }

    func itemsPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let unit = try await unit(actor, code: try context.pathParameter("code"))
        let language = context.language
        let t = { (key: String) in self.services.localizer.text(key, language) }
        let (parameters, read, error) = try await listing.load(
            request, tenantID: actor.tenantID, ownerAllowed: true, language: language
        ) { parameters in
            try await audit(actor, unit, parameters)
            return try await listing.read(tenantID: actor.tenantID, unit: unit, parameters, english: language == .en)
        }
        let people = try await services.compliance.owners(
            tenantID: actor.tenantID, unitID: unit.id, schoolYear: parameters.filter.schoolYear)
        let code = unit.code
        let heading = (parameters.column.map { t("dashboard.column." + $0.rawValue) } ?? t("dashboard.column.all"))
            + " · " + unit.name(in: language)
        let canExport = services.policy.allows(actor, .exportReports, on: unit.position)
        let model = listing.page(
            heading: heading,
            back: .init(text: t("dashboard.back"),
                        url: SiteURL.unitDashboard(code).path + "?" + SiteURL.query(parameters.filter.query)),
            action: SiteURL.unitItems(code).path, parameters: parameters, read: read, error: error, people: people,
            exports: canExport ? (SiteURL.unitItemsCSV(code).path, SiteURL.unitItemsXLSX(code).path) : nil,
            language: language)
        return services.renderer.render(
            .items, model, context: context, request: request, status: error == nil ? .ok : .badRequest,
            title: t("dashboard.items_title"))
    }

    func itemsJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let unit = try await unit(actor, code: try context.pathParameter("code"))
        let parameters = try await listing.parameters(request, tenantID: actor.tenantID, ownerAllowed: true)
        try await audit(actor, unit, parameters)
        let read = try await listing.read(tenantID: actor.tenantID, unit: unit, parameters, english: context.language == .en)
        return try JSONResponse.make(API.Items(read, parameters, context.language))
    }

    static let headerKeys = [
        "record.unit", "record.type", "record.owner", "record.period", "record.period_first", "record.period_last",
        "record.due", "record.status", "record.awaiting", "record.submitted_at", "record.id",
    ]

    static func cells(_ row: ObligationRow, _ language: Language, _ localizer: Localizer) -> [ExportCell] {
        let t = { (key: String, values: [String: String]) in localizer.text(key, language, values) }
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
        let unit = try await unit(actor, code: try context.pathParameter("code"))
        guard services.policy.allows(actor, .exportReports, on: unit.position) else {
            throw HosoError("scope.forbidden")
        }
        let parameters = try await listing.parameters(request, tenantID: actor.tenantID, ownerAllowed: true)
        try await audit(actor, unit, parameters)
        return try await Self.export(
            services: services, tenantID: actor.tenantID, unitID: unit.id, parameters, owner: nil,
            name: "hoso-\(unit.code)-\(parameters.filter.schoolYear)-\(parameters.column?.rawValue ?? "items")",
            language: context.language, xlsx: xlsx)
    }

    /// A list whole, in its order, as CSV or XLSX: one query into a file, sent from it (memory
    /// stays flat whatever the count, the database is free before the client reads a byte).
    static func export(
        services: AppServices, tenantID: Int64, unitID: Int64?, _ parameters: ItemListing.Parameters, owner: Int64?, name: String,
        language: Language, xlsx: Bool
    ) async throws -> Response {
        let localizer = services.localizer
        let cells = { (row: ObligationRow) in Self.cells(row, language, localizer) }
        let header = Self.headerKeys.map { services.localizer.text($0, language) }
        // One query for the whole list: the pool's patience for reports, not a page's.
        let compliance = ComplianceQuery(services: services, store: services.reportCompliance)
        func eachPage(_ body: ([ObligationRow]) async throws -> Void) async throws {
            try await compliance.forEachItemPage(
                tenantID: tenantID, unitID: unitID, filter: parameters.filter, column: parameters.column,
                owner: owner ?? parameters.owner, order: parameters.order, english: language == .en, body: body)
        }
        if xlsx {
            return try await Download.spreadsheet(filename: name + ".xlsx") { workbook in
                let sheet = try workbook.addSheet(services.localizer.text("dashboard.items_title", language))
                try sheet.header(header)
                try await eachPage { rows in
                    for row in rows { try sheet.row(cells(row)) }
                }
            }
        }
        return try await Download.spooledCSV(filename: name + ".csv") { file in
            try file.write(contentsOf: Data((CSVExport.byteOrderMark + CSVExport.line(header.map(ExportCell.text))).utf8))
            try await eachPage { rows in
                try file.write(contentsOf: Data(rows.map { CSVExport.line(cells($0)) }.joined().utf8))
            }
        }
    }
}
