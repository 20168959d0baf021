import Foundation
import HosoCore
import HosoReports
import HosoStore

/// A periodic (or ad-hoc) report of a unit: compliance by child unit and by record type, the
/// late and missing items, the inspections of the period and their follow-up. The figures are
/// read through the dashboard's own filter and query (`ComplianceQuery`), so a report and the dashboard for the
/// same unit and filter show the same numbers. Drawn as PDF (official layout), XLSX or CSV.
struct PeriodicReport {
    enum Format: String, Sendable, CaseIterable {
        case pdf, xlsx, csv
        var mediaType: String {
            switch self {
            case .pdf: "application/pdf"
            case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case .csv: "text/csv; charset=utf-8"
            }
        }
    }

    /// What a report job asked for (stored as its parameters; the job runs from them alone).
    struct Request: Sendable {
        var unitCode: String
        var query: [String: String]
        var format: Format
        var place: String

        /// `key=value&…`, sorted: the job's stored parameters.
        var encoded: String {
            var items = query
            items["unit"] = unitCode
            items["format"] = format.rawValue
            items["place"] = place
            return items.sorted { $0.key < $1.key }.map { "\(SiteURL.segment($0.key))=\(SiteURL.segment($0.value))" }
                .joined(separator: "&")
        }

        static func decode(_ text: String) -> Request? {
            var items: [String: String] = [:]
            for pair in text.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { continue }
                items[String(parts[0]).removingPercentEncoding ?? ""] = String(parts[1]).removingPercentEncoding ?? ""
            }
            guard let unit = items.removeValue(forKey: "unit"),
                let format = items.removeValue(forKey: "format").flatMap(Format.init(rawValue:))
            else {
                return nil
            }
            let place = items.removeValue(forKey: "place") ?? ""
            return Request(unitCode: unit, query: items, format: format, place: place)
        }
    }

    /// Everything a report shows, read in one go.
    struct Data: Sendable {
        let unit: StoredUnit
        let parent: StoredUnit?
        let filter: ComplianceFilter
        let year: ComplianceCatalog.Year
        let period: ReportPeriod
        let place: String
        let generatedAt: Int64
        let total: ComplianceCounts
        let children: [(unit: StoredUnit, counts: ComplianceCounts)]
        let byType: [(code: String, name: String, counts: ComplianceCounts)]
        let overdue: [ObligationRow]
        let overdueTotal: Int
        let inspections: [InspectionSummary]
        /// Signature state of the submitted items in the unit's subtree (school year).
        let signatures: ComplianceQuery.SignatureTally
    }

    /// The overdue and late items a PDF prints; the spreadsheet lists up to `listLimit` (the
    /// dashboard's item export streams any number).
    static let printedItems = 300
    static let listLimit = 50_000

    let services: AppServices

    var words: DocumentTemplates.Words { services.documents.periodic }

    /// The period and the dashboard filter a report's query asks for (`period`, `semester`, `month`,
    /// `from`, `to`, `year`, `type`, `level`), checked against the tenant's calendars and rule-sets:
    /// the request is refused with it before it is queued, and the job reads through it.
    func resolve(
        _ query: [String: String], tenantID: Int64
    ) async throws -> (ReportPeriod, ComplianceFilter, ComplianceCatalog.Year) {
        let (period, selection) = try await selection(query, tenantID: tenantID)
        return (period, selection.filter, selection.year)
    }

    /// The figures are read through the dashboard's own query, with the background reads' patience.
    var compliance: ComplianceQuery { ComplianceQuery(services: services, store: services.reportCompliance) }

    func selection(_ query: [String: String], tenantID: Int64) async throws -> (ReportPeriod, ComplianceQuery.Selection)
    {
        let period = try ReportPeriod.parse(query)
        let catalog = try await services.catalog.tenant(tenantID)
        let yearName =
            query["year"].flatMap { $0.isEmpty ? nil : $0 } ?? catalog.currentYear(today: services.clock.today()) ?? ""
        guard let weeks = catalog.years[yearName]?.weeks else {
            throw HosoError("dashboard.unknown_year", ["year": String(yearName.prefix(20))])
        }
        var filterQuery = try period.filterQuery(weeks)
        for key in ["type", "level"] { if let value = query[key], !value.isEmpty { filterQuery[key] = value } }
        // A report says what the period was: along the tree as it stood, unless asked otherwise.
        filterQuery["tree"] = query["tree"].flatMap { $0.isEmpty ? nil : $0 } ?? TreeBasis.stood.rawValue
        return (period, try await compliance.selection(query: filterQuery, tenantID: tenantID))
    }

    /// Reads the report's data; `progress` hears the share done and a stage key.
    func gather(
        _ actor: Actor, _ request: Request, progress: @Sendable (Double, String) async -> Void
    ) async throws -> Data {
        let unit = try await UnitBrowser(services: services).authorize(actor, .exportReports, code: request.unitCode)
        let (period, selection) = try await selection(request.query, tenantID: actor.tenantID)
        let filter = selection.filter
        let year = selection.year
        let weeks = year.weeks
        let today = services.clock.today()
        await progress(0.05, "report.stage.figures")

        let tenantID = actor.tenantID
        let parent = try await services.units.units(tenantID: tenantID, ids: unit.parentID.map { [$0] } ?? []).first
        let view = try await compliance.view(tenantID: tenantID, unit: unit, selection, weeks: false)
        let total = view.total
        let byType = view.byType
        await progress(0.25, "report.stage.items")

        // Overdue (missing) first, then late submissions, each soonest due first: one read each
        // (a whole province's subtree is scanned once, not once per page), with background patience.
        var overdue: [ObligationRow] = []
        let limit = request.format == .pdf ? Self.printedItems : request.format == .csv ? 0 : Self.listLimit
        for column in [ComplianceColumn.missing, .late] where overdue.count < limit {
            overdue += try await services.reportCompliance.items(
                tenantID: tenantID, unitID: unit.id, filter: filter, column: column,
                ownerUserID: nil, limit: limit - overdue.count)
            await progress(column == .missing ? 0.5 : 0.75, "report.stage.items")
        }
        await progress(0.8, "report.stage.inspections")
        let range = (
            weeks.monday(of: filter.weeks.lowerBound), weeks.monday(of: filter.weeks.upperBound).adding(days: 6)
        )
        let inspections = try await services.reportInspections.summaries(
            tenantID: tenantID, under: unit.id, from: range.0, to: range.1, today: today)
        let typeOrder = year.types.filter { byType[$0.code] != nil }
        let signatures = try await compliance.signatures(
            tenantID: tenantID, unitID: unit.id, schoolYear: filter.schoolYear, basis: filter.basis, total: total)
        return Data(
            unit: unit, parent: parent, filter: filter, year: year, period: period, place: request.place,
            generatedAt: services.clock.now(), total: total,
            children: view.children.map { ($0, view.counts(of: $0)) },
            byType: typeOrder.map { ($0.code, $0.nameVi, byType[$0.code] ?? ComplianceCounts()) },
            overdue: overdue, overdueTotal: total.missing + total.late, inspections: inspections,
            signatures: signatures
        )
    }

    // MARK: - Shared pieces

    static func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "%.1f%%", value * 100).replacingOccurrences(of: ".", with: ",")
    }

    func figureRow(_ number: String, _ name: String, _ c: ComplianceCounts) -> [String] {
        [
            number, name, String(c.expected), String(c.submitted), Self.percent(c.completeness),
            Self.percent(c.timeliness), String(c.late),
            String(c.missing), String(c.awaiting), String(c.locked),
        ]
    }

    func title(_ data: Data) -> String {
        words.text(
            "subtitle", ["period": data.period.label(data.year.weeks, english: false), "unit": data.unit.nameVi])
    }

    func itemStatus(_ row: ObligationRow) -> String {
        row.status == .missing ? words.text("status_missing") : words.text("status_late")
    }

    func periodName(_ row: ObligationRow) -> String {
        services.localizer.text("period." + row.periodKind, .vi, ["n": String(row.periodNumber)])
    }

    // MARK: - PDF

    func document(_ data: Data) -> OfficialDocument {
        let c = data.total
        let weeks = data.year.weeks
        var filters = ""
        if let type = data.filter.recordType {
            filters += words.text("filter_type", ["type": data.year.types.first { $0.code == type }?.nameVi ?? type])
        }
        if let level = data.filter.schoolLevel {
            filters += words.text(
                "filter_level", ["level": services.localizer.text("school_level." + level.rawValue, .vi)])
        }
        filters += words.text("tree_" + data.filter.basis.rawValue, [:])
        var blocks: [OfficialDocument.Block] = [
            .paragraph(
                words.text(
                    "intro",
                    [
                        "unit": data.unit.nameVi, "period": data.period.label(weeks, english: false),
                        "from": String(data.filter.weeks.lowerBound), "to": String(data.filter.weeks.upperBound),
                        "year": data.filter.schoolYear,
                        "generated": VietnamTime.display(epochSeconds: data.generatedAt), "filters": filters,
                    ])),
            .heading(words.text("totals_heading")),
            .paragraph(
                words.text(
                    "totals",
                    [
                        "expected": String(c.expected), "submitted": String(c.submitted),
                        "completeness": Self.percent(c.completeness),
                        "on_time": String(c.onTime), "timeliness": Self.percent(c.timeliness), "late": String(c.late),
                        "missing": String(c.missing),
                        "awaiting": String(c.awaiting), "locked": String(c.locked), "exempt": String(c.exempt),
                    ])),
            .paragraph(
                words.text(
                    "signatures",
                    [
                        "signed": String(data.signatures.signed), "unsigned": String(data.signatures.unsigned),
                        "invalid": String(data.signatures.invalid),
                    ])),
        ]
        let columns = words.list("figure_columns")
        func figureTable(_ rows: [[String]]) -> OfficialDocument.Table {
            .init(
                columns: [
                    .init(columns[safe: 0], weight: 0.6, alignment: .center), .init(columns[safe: 1], weight: 3.2),
                ]
                    + (2..<10).map {
                        .init(columns[safe: $0], weight: $0 == 4 || $0 == 5 ? 1.15 : 0.95, alignment: .right)
                    },
                rows: rows, boldRows: [rows.count - 1])
        }
        if !data.children.isEmpty {
            blocks.append(.heading(words.text("units_heading")))
            let rows = data.children.enumerated().map { figureRow(String($0 + 1), $1.unit.nameVi, $1.counts) }
            blocks.append(.table(figureTable(rows + [figureRow("", words.text("total_row"), data.total)])))
        }
        blocks.append(.heading(words.text("types_heading")))
        let typeRows = data.byType.enumerated().map { figureRow(String($0 + 1), $1.name, $1.counts) }
        blocks.append(.table(figureTable(typeRows + [figureRow("", words.text("total_row"), data.total)])))

        blocks.append(.heading(words.text("missing_heading")))
        if data.overdue.isEmpty {
            blocks.append(.paragraph(words.text("missing_none")))
        } else {
            let m = words.list("missing_columns")
            blocks.append(
                .table(
                    .init(
                        columns: [
                            .init(m[safe: 0], weight: 0.6, alignment: .center), .init(m[safe: 1], weight: 2.4),
                            .init(m[safe: 2], weight: 2.2),
                            .init(m[safe: 3], weight: 1.2), .init(m[safe: 4], weight: 1.9),
                            .init(m[safe: 5], weight: 1.3, alignment: .center),
                            .init(m[safe: 6], weight: 1.3),
                        ],
                        rows: data.overdue.prefix(Self.printedItems).enumerated().map { index, row in
                            [
                                String(index + 1), row.unitNameVi, row.typeNameVi, periodName(row), row.ownerName,
                                VietnamTime.date(epochSeconds: row.dueAt).vietnamese, itemStatus(row),
                            ]
                        }
                    )))
            if data.overdueTotal > Self.printedItems {
                blocks.append(
                    .paragraph(words.text("missing_more", ["count": String(data.overdueTotal - Self.printedItems)])))
            }
        }

        blocks.append(.heading(words.text("inspections_heading")))
        if data.inspections.isEmpty {
            blocks.append(.paragraph(words.text("inspections_none")))
        } else {
            let i = words.list("inspections_columns")
            blocks.append(
                .table(
                    .init(
                        columns: [
                            .init(i[safe: 0], weight: 0.6, alignment: .center), .init(i[safe: 1], weight: 3.6),
                            .init(i[safe: 2], weight: 1.6),
                            .init(i[safe: 3], weight: 0.8, alignment: .right),
                            .init(i[safe: 4], weight: 1.1, alignment: .right),
                            .init(i[safe: 5], weight: 1.1, alignment: .right),
                            .init(i[safe: 6], weight: 1.9, alignment: .center),
                        ],
                        rows: data.inspections.enumerated().map { index, s in
                            [
                                String(index + 1),
                                s.title + " (" + services.localizer.text(s.kind.messageKey, .vi) + ", "
                                    + services.localizer.text(s.state.messageKey, .vi) + ")",
                                s.minutesNumber ?? "–", String(s.items), String(s.nonCompliant),
                                String(s.observations + s.shortcomings + s.violations),
                                "\(s.followUpsDone) / \(s.followUpsOpen) / \(s.followUpsOverdue)",
                            ]
                        }
                    )))
        }
        blocks.append(.paragraph(words.text("closing")))
        let date = VietnamTime.date(epochSeconds: data.generatedAt)
        return OfficialDocument(
            issuerParent: data.parent?.nameVi, issuer: data.unit.nameVi,
            number: words.text("number_blank", ["symbol": data.unit.code]),
            placeAndDate: words.text("place_date", ["place": data.place, "date": date.vietnameseLong]),
            title: words.text("title"), subtitle: title(data), blocks: blocks,
            signatures: [.init(capacity: [words.text("signature")], hint: words.text("signature_hint"), name: "")],
            recipientsLabel: words.text("recipients_label"),
            recipients: words.list("recipients", ["unit": data.unit.nameVi]),
            metadataTitle: title(data)
        )
    }

    // MARK: - Spreadsheet and CSV

    var figureHeader: [String] { Array(words.list("figure_columns").dropFirst(2)) }

    func figureCells(_ c: ComplianceCounts) -> [ExportCell] {
        [
            .integer(c.expected), .integer(c.submitted), .ratio(c.completeness), .ratio(c.timeliness), .integer(c.late),
            .integer(c.missing),
            .integer(c.awaiting), .integer(c.locked),
        ]
    }

    /// The rows of the figures: the unit itself (all types, then each type), then each child unit.
    func figureRows(_ data: Data) -> [[ExportCell]] {
        var rows: [[ExportCell]] = [
            [.text(data.unit.code), .text(data.unit.nameVi), .text(words.text("total_row"))] + figureCells(data.total)
        ]
        for type in data.byType {
            rows.append([.text(data.unit.code), .text(data.unit.nameVi), .text(type.name)] + figureCells(type.counts))
        }
        for child in data.children {
            rows.append(
                [.text(child.unit.code), .text(child.unit.nameVi), .text(words.text("total_row"))]
                    + figureCells(child.counts))
        }
        return rows
    }

    func writeXLSX(_ data: Data, to file: URL, folder: URL) throws {
        let workbook = XLSXWorkbook(directory: folder)
        let about = try workbook.addSheet(words.text("sheet_about"))
        try about.header([words.text("title"), title(data)])
        try about.row([.text("unit"), .text(data.unit.code)])
        try about.row([.text("school_year"), .text(data.filter.schoolYear)])
        try about.row([.text("weeks"), .text("\(data.filter.weeks.lowerBound)–\(data.filter.weeks.upperBound)")])
        try about.row([.text("generated"), .text(VietnamTime.display(epochSeconds: data.generatedAt))])
        try about.row([.text("overdue_and_late"), .integer(data.overdueTotal)])
        try about.row([.text("overdue_and_late_listed"), .integer(data.overdue.count)])
        try about.row([.text("signatures_signed"), .integer(data.signatures.signed)])
        try about.row([.text("signatures_unsigned"), .integer(data.signatures.unsigned)])
        try about.row([.text("signatures_invalid"), .integer(data.signatures.invalid)])

        let units = try workbook.addSheet(words.text("sheet_units"))
        try units.header(["Mã", "Đơn vị", "Loại hồ sơ"] + figureHeader)
        for row in figureRows(data) { try units.row(row) }

        let types = try workbook.addSheet(words.text("sheet_types"))
        try types.header(["Mã loại", "Loại hồ sơ"] + figureHeader)
        for type in data.byType { try types.row([.text(type.code), .text(type.name)] + figureCells(type.counts)) }
        try types.row([.text(""), .text(words.text("total_row"))] + figureCells(data.total))

        let missing = try workbook.addSheet(words.text("sheet_missing"))
        try missing.header(Array(words.list("missing_columns").dropFirst()) + ["Mã đơn vị", "Mã mục"])
        for row in data.overdue {
            try missing.row([
                .text(row.unitNameVi), .text(row.typeNameVi), .text(periodName(row)), .text(row.ownerName),
                .text(VietnamTime.date(epochSeconds: row.dueAt).iso), .text(itemStatus(row)), .text(row.unitCode),
                .integer(Int(row.id)),
            ])
        }

        let inspections = try workbook.addSheet(words.text("sheet_inspections"))
        try inspections.header([
            "Số", "Cuộc kiểm tra", "Loại", "Trạng thái", "Biên bản", "Số mục", "Không đạt", "Nhận xét", "Thiếu sót",
            "Vi phạm",
            "Khắc phục xong", "Khắc phục còn mở", "Quá hạn",
        ])
        for s in data.inspections {
            try inspections.row([
                .integer(Int(s.id)), .text(s.title), .text(services.localizer.text(s.kind.messageKey, .vi)),
                .text(services.localizer.text(s.state.messageKey, .vi)), .text(s.minutesNumber ?? ""),
                .integer(s.items),
                .integer(s.nonCompliant), .integer(s.observations), .integer(s.shortcomings), .integer(s.violations),
                .integer(s.followUpsDone), .integer(s.followUpsOpen), .integer(s.followUpsOverdue),
            ])
        }
        try workbook.write(to: file)
    }

    /// The CSV carries the figures (one table: what spreadsheet users sort and filter).
    func csv(_ data: Data) -> String {
        CSVExport.byteOrderMark + CSVExport.line((["Mã", "Đơn vị", "Loại hồ sơ"] + figureHeader).map(ExportCell.text))
            + figureRows(data).map(CSVExport.line).joined()
    }

    func filename(_ data: Data, _ format: Format) -> String {
        let weeks = data.filter.weeks
        return "hoso-bao-cao-\(data.unit.code)-\(data.filter.schoolYear)-\(weeks.lowerBound)-\(weeks.upperBound).\(format.rawValue)"
    }
}
