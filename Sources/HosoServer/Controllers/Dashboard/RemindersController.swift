import Foundation
import HosoCore
import HosoReports
import HosoStore
import Hummingbird

/// Who to remind at a unit (`/units/{code}/reminders`): people with items due within some days,
/// overdue or returned; as a page, a CSV for a mail merge, and JSON.
struct RemindersController: Sendable {
    let services: AppServices

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.unitReminders) { request, context in
            try await self.remindersPage(request: request, context: context)
        }
        router.get(.unitRemindersCSV) { request, context in
            try await self.remindersExport(request: request, context: context)
        }
        router.get(.apiUnitReminders) { request, context in
            try await self.remindersJSON(request: request, context: context)
        }
    }

    func lines(_ actor: Actor, code: String, request: Request) async throws -> (StoredUnit, Int, [ReminderLine]) {
        let unit = try await UnitBrowser(services: services).authorize(actor, .viewPeople, code: code)
        let days = try DashboardQuery.days(request)
        let lines = try await services.compliance.reminders(
            tenantID: actor.tenantID, unitID: unit.id, now: services.clock.now(), days: days)
        return (unit, days, lines)
    }

    func remindersPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let (unit, days, lines) = try await lines(actor, code: try context.pathParameter("code"), request: request)
        let language = context.language
        let page = RemindersPage(
            unit: .init(name: unit.name(in: language), dashboard: SiteURL.unitDashboard(unit.code).path), days: days,
            csv: SiteURL.unitRemindersCSV(unit.code).path(query: [("days", String(days))]),
            rows: lines.map { RemindersPage.Person($0, language) }, empty: lines.isEmpty
        )
        return services.renderer.render(
            .reminders, page, context: context, request: request,
            title: services.localizer.text("reminders.title", language))
    }

    func remindersExport(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let (unit, days, lines) = try await lines(actor, code: try context.pathParameter("code"), request: request)
        let language = context.language
        let t = { (key: String) in self.services.localizer.text(key, language) }
        let header = [
            "reminders.person", "reminders.login", "reminders.email", "dashboard.unit_code", "dashboard.unit",
            "reminders.due_soon", "reminders.overdue", "reminders.returned", "reminders.earliest",
        ].map(t)
        let text =
            CSVExport.byteOrderMark + CSVExport.line(header.map(ExportCell.text))
            + lines.map { line in
                CSVExport.line([
                    .text(line.displayName), .text(line.login), .text(line.email ?? ""), .text(line.unitCode),
                    .text(language == .en && !line.unitNameEn.isEmpty ? line.unitNameEn : line.unitNameVi),
                    .integer(line.dueSoon), .integer(line.overdue), .integer(line.returned),
                    .text(VietnamTime.iso(epochSeconds: line.earliestDue)),
                ])
            }.joined()
        return Download.csv(text, filename: "hoso-\(unit.code)-reminders-\(days)d.csv")
    }

    func remindersJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let (unit, days, lines) = try await lines(actor, code: try context.pathParameter("code"), request: request)
        return try JSONResponse.make(
            API.Reminders(
                unit: API.UnitRef(unit, context.language), days: days,
                people: lines.map {
                    API.Reminder(
                        login: $0.login, displayName: $0.displayName, email: $0.email, unit: $0.unitCode,
                        dueSoon: $0.dueSoon,
                        overdue: $0.overdue, returned: $0.returned,
                        earliestDue: VietnamTime.iso(epochSeconds: $0.earliestDue))
                }))
    }
}
