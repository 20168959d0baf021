import Foundation
import HosoCore
import HosoReports
import HosoStore
import Hummingbird

/// A dashboard's figures as a file (`/units/{code}/dashboard.csv|.xlsx`): the unit and each child
/// unit, in all and by record type, and (XLSX) the figures by week.
struct DashboardExportController: Sendable {
    let services: AppServices

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.unitDashboardCSV) { request, context in
            try await self.export(request: request, context: context, xlsx: false)
        }
        router.get(.unitDashboardXLSX) { request, context in
            try await self.export(request: request, context: context, xlsx: true)
        }
    }

    static let figureKeys = [
        "dashboard.expected", "dashboard.submitted", "dashboard.on_time", "dashboard.late_1_3",
        "dashboard.late_4_7", "dashboard.late_over_7", "dashboard.missing", "dashboard.not_due",
        "dashboard.awaiting", "dashboard.returned", "dashboard.approved", "dashboard.signed",
        "dashboard.locked", "dashboard.exempt", "dashboard.completeness", "dashboard.timeliness",
    ]

    static func figureCells(_ c: ComplianceCounts) -> [ExportCell] {
        [
            c.expected, c.submitted, c.onTime, c.late1to3, c.late4to7, c.lateOver7, c.missing, c.notDue, c.awaiting,
            c.returned,
            c.approved, c.signed, c.locked, c.exempt,
        ].map(ExportCell.integer) + [.ratio(c.completeness), .ratio(c.timeliness)]
    }

    func export(request: Request, context: SignedInContext, xlsx: Bool) async throws -> Response {
        let actor = context.actor
        let view = try await DashboardController(services: services).view(
            actor, code: try context.pathParameter("code"), request: request)
        guard services.policy.allows(actor, .exportReports, on: view.unit.position) else {
            throw HosoError("scope.forbidden")
        }
        let language = context.language
        let t = { (key: String) in self.services.localizer.text(key, language) }
        let header = [t("dashboard.unit_code"), t("dashboard.unit"), t("record.type")] + Self.figureKeys.map { t($0) }
        var rows: [[ExportCell]] = []
        let units = [view.unit] + DashboardQuery.sorted(view, try DashboardQuery.sort(request), language: language)
        for unit in units {
            let isSelf = unit.id == view.unit.id
            let total = isSelf ? view.total : view.counts(of: unit)
            let name = ExportCell.text(unit.name(in: language))
            rows.append([.text(unit.code), name, .text(t("dashboard.all_types"))] + Self.figureCells(total))
            let byType = isSelf ? view.byType : (view.childByType[unit.id] ?? [:])
            for type in view.types {
                guard let counts = byType[type.code] else { continue }
                rows.append(
                    [.text(unit.code), name, .text(language == .en ? type.nameEn : type.nameVi)]
                        + Self.figureCells(counts))
            }
        }
        let weekHeader = [t("dashboard.week"), t("dashboard.week_monday")] + Self.figureKeys.map { t($0) }
        let weekRows: [[ExportCell]] = view.weeks.sorted { $0.key < $1.key }.map { week, counts in
            [.integer(week), .text(view.year.weeks.monday(of: week).iso)] + Self.figureCells(counts)
        }
        let name = "hoso-\(view.unit.code)-\(view.filter.schoolYear)-dashboard"
        if xlsx {
            return try await Download.spreadsheet(filename: name + ".xlsx") { workbook in
                let units = try workbook.addSheet(t("dashboard.sheet_units"))
                try units.header(header)
                for row in rows { try units.row(row) }
                let weeks = try workbook.addSheet(t("dashboard.sheet_weeks"))
                try weeks.header(weekHeader)
                for row in weekRows { try weeks.row(row) }
            }
        }
        return Download.csv(
            CSVExport.byteOrderMark + CSVExport.line(header.map(ExportCell.text)) + rows.map(CSVExport.line).joined(),
            filename: name + ".csv")
    }
}
